/*
 * Packet capture: the only libpcap user. One capture per configured interface: libpcap
 * opens and filters it, then the socket alone is read with recv().
 */
#include "sniff.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * Link + IPv6 with extension headers + UDP + a 273-byte token: 561 bytes to spare for
 * extension headers. What recv() copies of a frame; the kernel filter does not cut frames
 * (libpcap's default snaplen), so recv() still tells a longer frame's length.
 */
#define SNAPLEN 900
#define BATCH   256 /* frames per dispatch, so one interface cannot starve the loop */
#define VEC     64  /* frames per recvmmsg */

static int set_filter(pcap_t *p, const char *filter, char *err, size_t errlen)
{
	struct bpf_program prog;
	char expr[2 * 8192 + 32];
	int ret;

	/*
	 * On Ethernet, also behind an 802.1Q tag that was not stripped before the filter ran
	 * (Linux normally strips it, and libpcap restores it in the captured bytes).
	 */
	if (pcap_datalink(p) == DLT_EN10MB)
		snprintf(expr, sizeof(expr), "%s or (vlan and (%s))", filter, filter);
	else
		snprintf(expr, sizeof(expr), "%s", filter);
	if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(err, errlen, "pcap filter '%s': %s", expr, pcap_geterr(p));
		return -1;
	}
	ret = pcap_setfilter(p, &prog);
	if (ret < 0)
		snprintf(err, errlen, "pcap filter: %s", pcap_geterr(p));
	pcap_freecode(&prog);
	return ret;
}

/*
 * The socket libpcap opened, with the kernel filter it attached, without libpcap: its ring
 * is torn down, so frames wait in the socket's receive queue (kernel memory, used only while
 * frames wait, at most buffer) and recv() reads them. A mapped ring would be resident for
 * the daemon's life, all of it in the parser's memory; a receive queue of the same bound
 * holds as many knocks.
 */
static int detach(struct sniff *s, pcap_t *p, uint32_t buffer, char *err, size_t errlen)
{
	struct tpacket_req none;
	int fd = fcntl(pcap_get_selectable_fd(p), F_DUPFD_CLOEXEC, 3), size = (int)buffer;

	if (fd < 0) {
		snprintf(err, errlen, "capture on %s: %s", s->iface, strerror(errno));
		return -1;
	}
	pcap_close(p); /* unmaps its ring; the socket and its filter stay with fd */
	memset(&none, 0, sizeof(none));
	(void)setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &none, sizeof(none));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0) {
		snprintf(err, errlen, "capture on %s: receive buffer: %s", s->iface,
			 strerror(errno));
		close(fd);
		return -1;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "capture on %s: %s", s->iface, strerror(errno));
		close(fd);
		return -1;
	}
	s->fd = fd;
	return 0;
}

int sniff_open(struct sniff *s, const char *iface, const char *filter, uint32_t buffer, char *err,
	       size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	snprintf(s->iface, sizeof(s->iface), "%s", iface);
	p = pcap_create(iface, perr);
	if (!p) {
		snprintf(err, errlen, "capture on %s: %s", iface, perr);
		return -1;
	}
	/* libpcap opens the socket, binds it and compiles and attaches the filter; its ring
	 * (kept small: it is torn down at once) is not used. */
	if (pcap_set_immediate_mode(p, 1) || pcap_set_buffer_size(p, 65536) ||
	    pcap_set_promisc(p, 0) || pcap_activate(p) < 0) {
		snprintf(err, errlen, "capture on %s: %s", iface, pcap_geterr(p));
		goto fail;
	}
	if (set_filter(p, filter, err, errlen) < 0)
		goto fail;
	s->dlt = pcap_datalink(p);
	return detach(s, p, buffer, err, errlen);
fail:
	pcap_close(p);
	return -1;
}

void sniff_adopt(struct sniff *s, int fd, int dlt, const char *iface)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->dlt = dlt;
	snprintf(s->iface, sizeof(s->iface), "%s", iface);
}

/*
 * A detached capture: up to BATCH frames from the socket, VEC at a time with recvmmsg (one
 * system call for a run of frames: under a flood the calls, not the checks, are the cost).
 * A cooked socket ("any") gives no link header: the one libpcap would have built is put
 * back (protocol, from the socket address), so pkt.c sees what it would from libpcap.
 * Static buffers: the parser is single-threaded and nothing is allocated per packet.
 */
static uint8_t frames[VEC][20 + SNAPLEN];
static struct sockaddr_ll slls[VEC];
static struct iovec iovs[VEC];
static struct mmsghdr msgs[VEC];

static int read_batch(struct sniff *s, size_t hdr)
{
	for (int i = 0; i < VEC; i++) {
		iovs[i] = (struct iovec){frames[i] + hdr, SNAPLEN};
		msgs[i].msg_hdr = (struct msghdr){.msg_name = &slls[i],
						  .msg_namelen = sizeof(slls[i]),
						  .msg_iov = &iovs[i],
						  .msg_iovlen = 1};
	}
	/* MSG_TRUNC: each msg_len is the frame's real length, so an oversized one is seen */
	return recvmmsg(s->fd, msgs, VEC, MSG_DONTWAIT | MSG_TRUNC, NULL);
}

static void deliver(struct sniff *s, int i, size_t hdr, sniff_cb cb, void *user)
{
	uint8_t *buf = frames[i];
	size_t r = msgs[i].msg_len;

	memset(buf, 0, hdr);
	if (hdr == 16)
		memcpy(buf + 14, &slls[i].sll_protocol, 2);
	else if (hdr == 20)
		memcpy(buf, &slls[i].sll_protocol, 2);
	cb(user, s->dlt, buf, hdr + (r < SNAPLEN ? r : SNAPLEN), hdr + r);
}

static int dispatch_raw(struct sniff *s, sniff_cb cb, void *user)
{
	size_t hdr = s->dlt == DLT_LINUX_SLL ? 16 : s->dlt == DLT_LINUX_SLL2 ? 20 : 0;
	int n = 0;

	while (n < BATCH) {
		int got = read_batch(s, hdr);

		if (got < 0)
			return errno == EAGAIN || errno == EINTR ? n : -1;
		for (int i = 0; i < got; i++)
			deliver(s, i, hdr, cb, user);
		n += got;
		if (got < VEC)
			break; /* the queue is empty: back to poll */
	}
	return n;
}

int sniff_dispatch(struct sniff *s, sniff_cb cb, void *user)
{
	return dispatch_raw(s, cb, user);
}

void sniff_close(struct sniff *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
