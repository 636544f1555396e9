/* knock HOST [DOOR...]: build, seal and send one token to the profile's address. */
#include "send.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clientconf.h"
#include "keygen.h"
#include "profile.h"
#include "sock.h"
#include "token.h"

#define MAX_DOORS 16

/* A UDP socket connected to the host's token port; its local address is ours to open. */
static int connect_host(const struct host_profile *h, int family, struct sockaddr_storage *peer)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *res, *ai;
	char port[8];
	int fd = -1, r;

	hints.ai_family = family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC;
	snprintf(port, sizeof(port), "%u", h->spa_port);
	r = getaddrinfo(h->address, port, &hints, &res);
	if (r) {
		fprintf(stderr, "knock: %s: %s\n", h->address, gai_strerror(r));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = sock_open(ai->ai_family, SOCK_DGRAM, 0);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			memcpy(peer, ai->ai_addr, ai->ai_addrlen);
			break;
		}
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	if (fd < 0)
		fprintf(stderr, "knock: %s: no usable address: %s\n", h->address, strerror(errno));
	freeaddrinfo(res);
	return fd;
}

static int local_addr(int fd, struct addr *out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(out, 0, sizeof(*out));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET) {
		out->family = 4;
		memcpy(out->a, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	} else {
		out->family = 6;
		memcpy(out->a, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	}
	return 0;
}

static int split_doors(const char *list, char names[MAX_DOORS][NAME_MAX_LEN + 1], int *n)
{
	const char *cur = list;
	int r;

	*n = 0;
	while (*n < MAX_DOORS && (r = parse_list_next(&cur, names[*n], NAME_MAX_LEN + 1)) > 0)
		(*n)++;
	return *n ? 0 : -1;
}

static int build(struct token *t, const struct send_opts *o, const struct host_profile *h, int fd,
		 char **doors, int ndoors)
{
	char err[128];
	char names[MAX_DOORS][NAME_MAX_LEN + 1];
	const char *ptrs[MAX_DOORS];
	int n = 0;

	memset(t, 0, sizeof(*t));
	if (o->addr ? addr_parse(o->addr, &t->addr) : local_addr(fd, &t->addr)) {
		fprintf(stderr, "knock: bad address to open '%s'\n", o->addr ? o->addr : "?");
		return -1;
	}
	for (int i = 0; i < ndoors; i++) {
		if (i == MAX_DOORS || parse_name(doors[i], err, sizeof(err)) < 0) {
			fprintf(stderr,
				"knock: bad door list: '%.40s' (at most %d names of 1 to %d "
				"of A-Z a-z 0-9 _ . -)\n",
				doors[i], MAX_DOORS, NAME_MAX_LEN);
			return -1;
		}
		snprintf(names[n++], sizeof(names[0]), "%s", doors[i]);
	}
	if (!ndoors && (!h->doors[0] || split_doors(h->doors, names, &n) < 0)) {
		fprintf(stderr, "knock: no doors: name them after HOST or set doors in [host:%s]\n",
			h->name);
		return -1;
	}
	for (int i = 0; i < n; i++)
		ptrs[i] = names[i];
	if (token_set_doors(t, ptrs, (size_t)n) != TOKEN_OK) {
		fprintf(stderr,
			"knock: bad door list (names of A-Z a-z 0-9 _ . -, 128 bytes in all)\n");
		return -1;
	}
	t->timestamp = (uint64_t)time(NULL);
	t->ttl = o->ttl ? o->ttl : h->ttl;
	randombytes_buf(t->nonce, sizeof(t->nonce));
	return 0;
}

static void report(const struct token *t, const struct sockaddr_storage *peer, uint16_t port,
		   const struct send_opts *o)
{
	char a[ADDR_STRLEN], p[INET6_ADDRSTRLEN], doors[TOKEN_DOORS_LEN];
	const void *src = peer->ss_family == AF_INET
			      ? (const void *)&((const struct sockaddr_in *)peer)->sin_addr
			      : (const void *)&((const struct sockaddr_in6 *)peer)->sin6_addr;
	size_t off = 0;
	const char *name;

	addr_format(&t->addr, a, sizeof(a));
	inet_ntop(peer->ss_family, src, p, sizeof(p));
	doors[0] = '\0';
	while ((name = token_next_door(t, &off)))
		snprintf(doors + strlen(doors), sizeof(doors) - strlen(doors), "%s%s",
			 doors[0] ? "," : "", name);
	fprintf(stderr,
		"knock: sent %d-byte token to %s port %u: open %s for %s, ttl %s, %d copies %u "
		"ms apart\n",
		TOKEN_SIZE, p, port, doors, a, t->ttl ? "as asked" : "door default",
		send_copies(o, SEND_COPIES), o->spacing_set ? o->spacing_ms : SEND_SPACING_MS);
}

int send_copies(const struct send_opts *o, int dflt)
{
	return o->copies ? o->copies : dflt;
}

void send_pause(const struct send_opts *o)
{
	uint32_t ms = o->spacing_set ? o->spacing_ms : SEND_SPACING_MS;
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	if (ms)
		nanosleep(&ts, NULL);
}

/* The same sealed token, copies times: the server counts the later ones as duplicates. */
static int send_packets(int fd, const struct send_opts *o, const uint8_t *pkt, size_t len)
{
	int n = send_copies(o, SEND_COPIES), sent = 0, err = 0;

	for (int i = 0; i < n; i++) {
		if (i)
			send_pause(o);
		if (send(fd, pkt, len, 0) == (ssize_t)len)
			sent++;
		else
			err = errno;
	}
	errno = err;
	return sent ? 0 : -1;
}

int send_token(const struct knock_ctx *x, const struct send_opts *o, char **doors, int ndoors)
{
	struct sockaddr_storage peer;
	struct token t;
	uint8_t pkt[TOKEN_SIZE];
	int fd, ret = -1;

	fd = connect_host(x->h, o->family, &peer);
	if (fd < 0 || build(&t, o, x->h, fd, doors, ndoors) < 0)
		goto out;
	token_seal(pkt, &t, &x->k, &x->kp, x->h->server_pk);
	if (send_packets(fd, o, pkt, sizeof(pkt)) < 0) {
		fprintf(stderr, "knock: send to %s: %s\n", x->h->address, strerror(errno));
		goto out;
	}
	if (o->verbose)
		report(&t, &peer, x->h->spa_port, o);
	ret = 0;
out:
	sodium_memzero(&t, sizeof(t));
	if (fd >= 0)
		close(fd);
	return ret;
}

int cmd_send(const struct send_opts *o, const char *host, char **doors, int ndoors)
{
	struct knock_ctx x;
	int ret;

	if (knock_ctx_load(&x, o->config, host) < 0)
		return 1;
	ret = send_token(&x, o, doors, ndoors) < 0 ? 1 : 0;
	knock_ctx_free(&x);
	return ret;
}
