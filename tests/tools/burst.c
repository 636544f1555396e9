/*
 * Test tool: a burst of valid tokens from many addresses at once.
 *   burst CLIENT_KEY SERVER_PUB DST PORT FIRST_SRC COUNT
 * Seals COUNT tokens first (Ed25519 signing is slower than sending), token i naming the IPv4
 * address FIRST_SRC + i and sent from a socket bound to it (the addresses must be on an
 * interface already), then sends them back to back. Door "ssh", the door's default TTL.
 * Prints "sent COUNT in US us" (the time from the first send to the last).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "token.h"

#define MAX_COUNT 1000

static uint8_t pkts[MAX_COUNT][TOKEN_SIZE];
static int fds[MAX_COUNT];

static long long now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* A UDP socket bound to src and connected to dst, or -1. */
static int bound_socket(uint32_t src, const struct sockaddr_in *dst)
{
	struct sockaddr_in me = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(src)};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0 ||
	    connect(fd, (const struct sockaddr *)dst, sizeof(*dst)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int seal_all(const struct pair_keys *k, const struct keypair *c, const uint8_t spk[32],
		    uint32_t first, int n)
{
	const char *doors[] = {"ssh"};

	for (int i = 0; i < n; i++) {
		uint32_t a = htonl(first + (uint32_t)i);
		struct token t;

		memset(&t, 0, sizeof(t));
		t.timestamp = (uint64_t)time(NULL);
		t.addr.family = 4;
		memcpy(t.addr.a, &a, 4);
		if (token_set_doors(&t, doors, 1) != TOKEN_OK)
			return -1;
		randombytes_buf(t.nonce, sizeof(t.nonce));
		token_seal(pkts[i], &t, k, c, spk);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = {.sin_family = AF_INET};
	struct in_addr first;
	struct keypair c;
	struct pair_keys k;
	uint8_t spk[32];
	char err[512];
	long long t0, t1;
	int n, sent = 0;

	if (argc != 7 || sodium_init() < 0 ||
	    keys_read_private(argv[1], &c, err, sizeof(err)) < 0 ||
	    keys_parse_public(argv[2], spk) < 0 || crypto_pair_derive(&k, &c, spk, c.pk, spk) < 0 ||
	    inet_pton(AF_INET, argv[3], &dst.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[5], &first) != 1 || (n = atoi(argv[6])) < 1 || n > MAX_COUNT)
		return fprintf(stderr, "usage: burst CLIENT_KEY SERVER_PUB DST PORT FIRST_SRC "
				       "COUNT (at most 1000)\n"),
		       2;
	dst.sin_port = htons((uint16_t)atoi(argv[4]));
	if (seal_all(&k, &c, spk, ntohl(first.s_addr), n) < 0)
		return fprintf(stderr, "burst: cannot build a token\n"), 1;
	for (int i = 0; i < n; i++) {
		fds[i] = bound_socket(ntohl(first.s_addr) + (uint32_t)i, &dst);
		if (fds[i] < 0)
			return perror("burst: socket for source address"), 1;
	}
	t0 = now_us();
	for (int i = 0; i < n; i++)
		sent += send(fds[i], pkts[i], TOKEN_SIZE, 0) == (ssize_t)TOKEN_SIZE;
	t1 = now_us();
	printf("sent %d in %lld us\n", sent, t1 - t0);
	return sent == n ? 0 : 1;
}
