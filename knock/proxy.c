/*
 * knock -W HOST:PORT, for ssh's ProxyCommand: send the knock, wait until HOST:PORT accepts a
 * TCP connection (bounded retries with exponential backoff; a fresh token after 2 s and 5 s
 * in case a datagram was lost), then relay stdin/stdout to it like ssh -W.
 */
#include "proxy.h"

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "profile.h"
#include "relay.h"
#include "sock.h"

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void pause_ms(int ms)
{
	struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&t, NULL);
}

/* "host:port", "[v6]:port" */
static int split_target(const char *target, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon = target[0] == '[' ? strstr(target, "]:") : strrchr(target, ':');
	size_t n;

	if (!colon || !colon[target[0] == '[' ? 2 : 1])
		return -1;
	n = (size_t)(colon - target) - (target[0] == '[');
	if (n == 0 || n >= hlen || strlen(colon) >= plen + 2)
		return -1;
	memcpy(host, target + (target[0] == '['), n);
	host[n] = '\0';
	snprintf(port, plen, "%s", colon + (target[0] == '[' ? 2 : 1));
	return 0;
}

static int wait_open(const struct knock_ctx *x, const struct send_opts *o, const char *port,
		     unsigned wait_secs)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
	int64_t start = now_ms(), deadline = start + (int64_t)wait_secs * 1000;
	int delay = 50, resent = 0, fd = -1, r;

	hints.ai_family = o->family == 4 ? AF_INET : o->family == 6 ? AF_INET6 : AF_UNSPEC;
	r = getaddrinfo(x->h->address, port, &hints, &res);
	if (r) {
		fprintf(stderr, "knock: %s: %s\n", x->h->address, gai_strerror(r));
		return -1;
	}
	while (fd < 0 && now_ms() < deadline) {
		fd = sock_connect(res, 250);
		if (fd >= 0)
			break;
		if ((resent == 0 && now_ms() - start > 2000) ||
		    (resent == 1 && now_ms() - start > 5000))
			resent += send_token(x, o, NULL, 0) == 0;
		pause_ms(delay);
		delay = delay < 1000 ? delay * 2 : 1000;
	}
	freeaddrinfo(res);
	if (fd < 0)
		fprintf(stderr,
			"knock: %s port %s did not accept a connection within %u s of the knock "
			"(is the door open for this address? try knock -v %s)\n",
			x->h->address, port, wait_secs, x->h->name);
	return fd;
}

int cmd_proxy(const struct send_opts *o, const char *target, unsigned wait_secs)
{
	char host[256], port[16];
	struct knock_ctx x;
	int fd, ret = 1;

	if (split_target(target, host, sizeof(host), port, sizeof(port)) < 0) {
		fprintf(stderr, "knock: -W wants HOST:PORT, not '%s'\n", target);
		return 1;
	}
	if (knock_ctx_load(&x, o->config, host) < 0)
		return 1;
	if (send_token(&x, o, NULL, 0) == 0 && (fd = wait_open(&x, o, port, wait_secs)) >= 0) {
		if (o->verbose)
			fprintf(stderr, "knock: %s port %s is open; relaying\n", host, port);
		ret = relay_run(fd);
		close(fd);
	}
	knock_ctx_free(&x);
	return ret;
}
