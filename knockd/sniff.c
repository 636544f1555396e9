/* Packet capture: the only libpcap user. One handle per configured interface. */
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
 * extension headers. 900, not a round 1024: libpcap's TPACKET_V2 ring (immediate mode) puts
 * each frame in a slot of its headers (68 bytes on Ethernet, a little over 100 on "any")
 * plus the snaplen, and four such slots fit a 4 KiB page, where 1024 left room for three
 * (measured: the ring's resident size for a given capture_buffer, tests/net/burst.t).
 */
#define SNAPLEN 900
#define BATCH   256 /* frames per dispatch, so one interface cannot starve the loop */

struct cb_ctx {
	sniff_cb cb;
	void *user;
	int dlt;
};

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

int sniff_open(struct sniff *s, const char *iface, const char *filter, uint32_t buffer, char *err,
	       size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;

	memset(s, 0, sizeof(*s));
	snprintf(s->iface, sizeof(s->iface), "%s", iface);
	p = pcap_create(iface, perr);
	if (!p) {
		snprintf(err, errlen, "capture on %s: %s", iface, perr);
		return -1;
	}
	/*
	 * The ring (capture_buffer) holds frames the parser has not read yet: a burst of knocks
	 * while the parser waits on the rule writer. Immediate mode: each frame is handed up as
	 * it comes (TPACKET_V2); libpcap's TPACKET_V3 would batch frames into 256 KiB blocks
	 * handed up when full or on a timer, costing knock-to-open latency.
	 */
	if (pcap_set_snaplen(p, SNAPLEN) || pcap_set_immediate_mode(p, 1) ||
	    pcap_set_buffer_size(p, (int)buffer) || pcap_set_promisc(p, 0) ||
	    pcap_activate(p) < 0) {
		snprintf(err, errlen, "capture on %s: %s", iface, pcap_geterr(p));
		goto fail;
	}
	if (set_filter(p, filter, err, errlen) < 0)
		goto fail;
	if (pcap_setnonblock(p, 1, perr) < 0) {
		snprintf(err, errlen, "capture on %s: %s", iface, perr);
		goto fail;
	}
	s->fd = pcap_get_selectable_fd(p);
	s->dlt = pcap_datalink(p);
	s->pcap = p;
	return 0;
fail:
	pcap_close(p);
	return -1;
}

int sniff_detach(struct sniff *s, char *err, size_t errlen)
{
	struct tpacket_req3 none;
	int fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 3), size = 8 << 20;

	if (fd < 0) {
		snprintf(err, errlen, "capture on %s: %s", s->iface, strerror(errno));
		return -1;
	}
	pcap_close(s->pcap); /* unmaps its ring; the socket and its filter stay with fd */
	s->pcap = NULL;
	s->fd = fd;
	/* No ring (libpcap tears it down on close; in case one stays): frames are queued on
	 * the socket, where recv() reads them. The ring's 8 MB become the receive buffer. */
	memset(&none, 0, sizeof(none));
	(void)setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &none, sizeof(none));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return 0;
}

void sniff_adopt(struct sniff *s, int fd, int dlt, const char *iface)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->dlt = dlt;
	snprintf(s->iface, sizeof(s->iface), "%s", iface);
}

/*
 * A detached capture: up to BATCH frames from the socket. A cooked socket ("any") gives
 * no link header: the one libpcap would have built is put back (protocol, from the
 * socket address), so pkt.c sees what it would from libpcap.
 */
static int dispatch_raw(struct sniff *s, sniff_cb cb, void *user)
{
	uint8_t buf[20 + SNAPLEN];
	size_t hdr = s->dlt == DLT_LINUX_SLL ? 16 : s->dlt == DLT_LINUX_SLL2 ? 20 : 0;
	int n;

	for (n = 0; n < BATCH; n++) {
		struct sockaddr_ll sll;
		socklen_t alen = sizeof(sll);
		ssize_t r = recvfrom(s->fd, buf + hdr, SNAPLEN, MSG_DONTWAIT | MSG_TRUNC,
				     (struct sockaddr *)&sll, &alen);

		if (r < 0)
			return errno == EAGAIN || errno == EINTR ? n : -1;
		memset(buf, 0, hdr);
		if (hdr == 16)
			memcpy(buf + 14, &sll.sll_protocol, 2);
		else if (hdr == 20)
			memcpy(buf, &sll.sll_protocol, 2);
		cb(user, s->dlt, buf, hdr + ((size_t)r < SNAPLEN ? (size_t)r : SNAPLEN),
		   hdr + (size_t)r);
	}
	return n;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct cb_ctx *c = (struct cb_ctx *)user;

	c->cb(c->user, c->dlt, bytes, h->caplen, h->len);
}

int sniff_dispatch(struct sniff *s, sniff_cb cb, void *user)
{
	struct cb_ctx c = {cb, user, s->dlt};

	if (!s->pcap)
		return dispatch_raw(s, cb, user);
	return pcap_dispatch(s->pcap, BATCH, on_packet, (u_char *)&c);
}

void sniff_close(struct sniff *s)
{
	if (s->pcap)
		pcap_close(s->pcap);
	else if (s->fd > 0)
		close(s->fd);
	s->pcap = NULL;
	s->fd = -1;
}
