/*
 * Knock sequences from the client: an authenticated one derived from the profile's keys
 * and the time step (knock --sequence HOST), or a static list (knock HOST 7000 8000:udp).
 * A TCP knock is a SYN: a non-blocking connect closed at once, so it is never retransmitted;
 * a UDP knock is an empty datagram.
 */
#include "clientfile.h"
#include "sequence.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "parse.h"
#include "profile.h"
#include "config.h"
#include "seqgen.h"
#include "send.h"
#include "sock.h"

#define GAP_NS 5000000 /* between knocks: keeps them in order through any queue */

static int resolve(const char *name, int family, struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *res;
	int r;

	hints.ai_family = family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC;
	r = getaddrinfo(name, NULL, &hints, &res);
	if (r) {
		fprintf(stderr, "knock: %s: %s\n", name, gai_strerror(r));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static int send_knock(struct sockaddr_storage *ss, socklen_t len, const struct seq_knock *k)
{
	int tcp = k->protocol == IPPROTO_TCP, fd, ok;
	struct timespec gap = {0, GAP_NS};

	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(k->port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(k->port);
	fd = sock_open(ss->ss_family, tcp ? SOCK_STREAM : SOCK_DGRAM, 1);
	if (fd < 0)
		return -1;
	if (tcp)
		ok = connect(fd, (struct sockaddr *)ss, len) == 0 || errno == EINPROGRESS;
	else
		ok = sendto(fd, "", 0, 0, (struct sockaddr *)ss, len) == 0;
	close(fd);
	nanosleep(&gap, NULL);
	if (!ok)
		fprintf(stderr, "knock: %u/%s: %s\n", k->port, tcp ? "tcp" : "udp",
			strerror(errno));
	return ok ? 0 : -1;
}

/* Each knock copies times (the server takes a repeat of the knock it matched last as a
 * duplicate); every packet is followed by the gap that keeps the knocks in order, and by
 * --spacing when that was given. */
static int send_all(const char *name, const struct send_opts *o, int copies,
		    const struct seq_knock *k, int n)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int verbose = o->verbose;

	if (resolve(name, o->family, &ss, &len) < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		for (int c = 0; c < copies; c++) {
			if (c && o->spacing_set)
				send_pause(o);
			if (send_knock(&ss, len, &k[i]) < 0)
				return 1;
		}
	}
	if (verbose) {
		fprintf(stderr, "knock: %d knocks to %s:", n, name);
		for (int i = 0; i < n; i++)
			fprintf(stderr, " %u/%s", k[i].port,
				k[i].protocol == IPPROTO_TCP ? "tcp" : "udp");
		fprintf(stderr, "\n");
	}
	return 0;
}

int cmd_sequence(const struct send_opts *o, const char *host)
{
	struct seq_knock k[SEQ_MAX_LEN];
	struct knock_ctx x;
	int ret;

	if (knock_ctx_load(&x, o->config, host) < 0)
		return 1;
	seqgen_derive(k, x.h->seq_len, &x.k, (uint64_t)time(NULL) / TIME_STEP, x.h->seq_base,
		      x.h->seq_count);
	ret = send_all(x.h->address, o, send_copies(o, SEND_COPIES), k, x.h->seq_len);
	knock_ctx_free(&x);
	return ret;
}

int is_port_spec(const char *s)
{
	char port[8], proto[4], err[80];
	uint16_t p;

	if (sscanf(s, "%7[0-9]:%3s", port, proto) == 2)
		return parse_port(port, &p, err, sizeof(err)) == 0 &&
		       (!strcmp(proto, "tcp") || !strcmp(proto, "udp")) &&
		       strlen(s) == strlen(port) + 1 + strlen(proto);
	return parse_port(s, &p, err, sizeof(err)) == 0;
}

/* HOST may name a profile (its address is used) or be an address or host name. */
int cmd_static(const struct send_opts *o, const char *host, char **specs, int n)
{
	struct seq_knock k[SEQ_MAX_STEPS];
	struct client_config cc = {0};
	char path[PATH_MAX], err[512];
	const struct host_profile *h = NULL;
	int ret;

	if (n > SEQ_MAX_STEPS) {
		fprintf(stderr, "knock: at most %d knocks\n", SEQ_MAX_STEPS);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char *colon = strchr(specs[i], ':');

		if (!is_port_spec(specs[i])) {
			fprintf(stderr, "knock: bad knock '%s' (want PORT[:tcp|udp])\n", specs[i]);
			return 1;
		}
		k[i].port = (uint16_t)atoi(specs[i]);
		k[i].protocol = colon && !strcmp(colon + 1, "udp") ? IPPROTO_UDP : IPPROTO_TCP;
	}
	if (knock_config_path(o->config, path, sizeof(path)) == 0 && access(path, R_OK) == 0 &&
	    clientfile_load(&cc, path, err, sizeof(err)) == 0)
		h = clientconf_find(&cc, host);
	ret = send_all(h ? h->address : host, o, send_copies(o, 1), k, n);
	clientconf_free(&cc);
	return ret;
}
