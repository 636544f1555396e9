/*
 * Privilege separation: the channel between the unprivileged packet parser (child) and the
 * privileged rule writer (parent). The parent trusts nothing it reads here: the parser
 * handles bytes from anyone on the network, so a compromised parser must not be able to
 * open more than the configuration lets a real client open.
 */
#include "privsep.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ttlrule.h"

static int check_addr(const struct addr *a)
{
	static const uint8_t zero[12];

	if (a->family == 4)
		return !memcmp(a->a + 4, zero, sizeof(zero));
	return a->family == 6;
}

int privsep_check(const struct config *c, const struct ps_msg *m, char *err, size_t errlen)
{
	uint32_t allowed;

	if (m->magic != PS_MAGIC || m->type != PS_GRANT) {
		snprintf(err, errlen, "not a grant request");
		return -1;
	}
	if (m->origin == ORIGIN_TOKEN || (m->origin == ORIGIN_SEQUENCE && m->seq < 0)) {
		if (m->seq != -1 || m->client < 0 || (size_t)m->client >= c->nclients) {
			snprintf(err, errlen, "no client %d (sequence %d)", m->client, m->seq);
			return -1;
		}
		if (m->origin == ORIGIN_SEQUENCE && !c->clients[m->client].sequence) {
			snprintf(err, errlen, "client %d has no sequences", m->client);
			return -1;
		}
		allowed = c->clients[m->client].doors;
	} else if (m->origin == ORIGIN_SEQUENCE && m->client == -1 && m->seq >= 0 &&
		   (size_t)m->seq < c->nseqs) {
		/* a static sequence names no client: the writer indexes clients[] by it */
		allowed = c->seqs[m->seq].doors;
	} else {
		snprintf(err, errlen, "bad origin %u / client %d / sequence %d", m->origin,
			 m->client, m->seq);
		return -1;
	}
	if (!m->doors || (m->doors & ~allowed)) {
		snprintf(err, errlen, "doors 0x%x not allowed (0x%x)", m->doors, allowed);
		return -1;
	}
	if (!check_addr(&m->addr)) {
		snprintf(err, errlen, "bad address family %u", m->addr.family);
		return -1;
	}
	if (!ttlrule_ok(m->ttl)) {
		snprintf(err, errlen, "ttl %u out of range", m->ttl);
		return -1;
	}
	return 0; /* the TTL is capped at each door's max_ttl where the grant is made */
}

int privsep_recv(int fd, struct ps_msg *m)
{
	ssize_t n;

	do
		n = recv(fd, m, sizeof(*m), MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	return (n == (ssize_t)sizeof(*m) && m->magic == PS_MAGIC) ? 0 : -1;
}

int privsep_send(int fd, const struct ps_msg *m)
{
	return send(fd, m, sizeof(*m), MSG_NOSIGNAL) == (ssize_t)sizeof(*m) ? 0 : -1;
}

int privsep_send_fds(int fd, const struct ps_msg *m, const int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * PS_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {(void *)(uintptr_t)m, sizeof(*m)};
	struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;

	if (nfds < 1 || nfds > PS_MAX_FDS)
		return -1;
	memset(&u, 0, sizeof(u));
	h.msg_control = u.buf;
	h.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
	c = CMSG_FIRSTHDR(&h);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	return sendmsg(fd, &h, MSG_NOSIGNAL) == (ssize_t)sizeof(*m) ? 0 : -1;
}

int privsep_recv_fds(int fd, struct ps_msg *m, int *fds, int *nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * PS_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {m, sizeof(*m)};
	struct msghdr h = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	*nfds = 0;
	h.msg_control = u.buf;
	h.msg_controllen = sizeof(u.buf);
	do
		n = recvmsg(fd, &h, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); n >= 0 && c; c = CMSG_NXTHDR(&h, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));

		for (int i = 0; i < k && *nfds < PS_MAX_FDS; i++)
			memcpy(&fds[(*nfds)++], CMSG_DATA(c) + sizeof(int) * (size_t)i,
			       sizeof(int));
	}
	if (n == (ssize_t)sizeof(*m) && !(h.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) &&
	    m->magic == PS_MAGIC)
		return 0;
	while (*nfds > 0)
		close(fds[--*nfds]);
	return -1;
}
