/*
 * Test tool: floods knockd as fast as this sender manages.
 *   flood random|rightsize|bitflip|replay DST PORT COUNT [TOKEN_FILE]   UDP datagrams
 *   flood syn DST BASE COUNT                                              TCP SYNs to BASE..+999
 * random: random bytes of random length; rightsize: random 273-byte payloads; bitflip: the
 * token with one random bit flipped; replay: the token as is. IPv4. Prints what it sent.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BATCH 64

static uint8_t bufs[BATCH][1500];
static struct iovec iov[BATCH];
static struct mmsghdr msgs[BATCH];

static void fill(const char *mode, int i, const uint8_t *tok, size_t toklen)
{
	size_t len = 273;

	if (!strcmp(mode, "random")) {
		len = 1 + randombytes_uniform(1400);
		randombytes_buf(bufs[i], len);
	} else if (!strcmp(mode, "rightsize")) {
		randombytes_buf(bufs[i], len);
	} else {
		len = toklen;
		memcpy(bufs[i], tok, len);
		if (!strcmp(mode, "bitflip")) {
			uint32_t bit = randombytes_uniform((uint32_t)len * 8);

			bufs[i][bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
	}
	iov[i] = (struct iovec){bufs[i], len};
	msgs[i].msg_hdr = (struct msghdr){.msg_iov = &iov[i], .msg_iovlen = 1};
}

static uint16_t fold(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* SYNs from random source ports to random ports of the watched range, through a raw socket. */
static long syn_flood(struct sockaddr_in *dst, int base, long count)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_TCP), probe = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	long sent = 0;
	uint8_t t[20];

	if (fd < 0 || probe < 0 || connect(probe, (struct sockaddr *)dst, sizeof(*dst)) < 0 ||
	    getsockname(probe, (struct sockaddr *)&me, &len) < 0)
		return -1;
	while (sent < count) {
		uint32_t pseudo, sport;

		memset(t, 0, sizeof(t));
		sport = 1024 + randombytes_uniform(60000);

		t[0] = (uint8_t)(sport >> 8);
		t[1] = (uint8_t)sport;
		t[2] = (uint8_t)((base + (int)randombytes_uniform(1000)) >> 8);
		t[3] = (uint8_t)(base + (int)randombytes_uniform(1000));
		randombytes_buf(t + 4, 4);
		t[12] = 0x50, t[13] = 0x02, t[14] = 0x40; /* SYN, window 16384 */
		pseudo = fold(0, (uint8_t *)&me.sin_addr, 4) +
			 fold(0, (uint8_t *)&dst->sin_addr, 4) + IPPROTO_TCP + 20;
		pseudo = (uint16_t)~fold(pseudo, t, 20);
		t[16] = (uint8_t)(pseudo >> 8), t[17] = (uint8_t)pseudo;
		if (sendto(fd, t, sizeof(t), 0, (struct sockaddr *)dst, sizeof(*dst)) == 20)
			sent++;
	}
	return sent;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = {.sin_family = AF_INET};
	uint8_t tok[1500];
	size_t toklen = 0;
	long count, sent = 0;
	int fd;

	if (argc < 5 || sodium_init() < 0 || inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1)
		return fprintf(stderr, "usage: flood MODE DST PORT COUNT [TOKEN_FILE]\n"), 2;
	count = atol(argv[4]);
	if (!strcmp(argv[1], "syn")) {
		sent = syn_flood(&dst, atoi(argv[3]), count);
		printf("sent %ld\n", sent);
		return sent == count ? 0 : 1;
	}
	if (argc == 6) {
		FILE *f = fopen(argv[5], "rb");

		if (!f)
			return perror(argv[5]), 1;
		toklen = fread(tok, 1, sizeof(tok), f);
		fclose(f);
	}
	dst.sin_port = htons((uint16_t)atoi(argv[3]));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0)
		return perror("flood"), 1;
	while (sent < count) {
		int n = (int)(count - sent < BATCH ? count - sent : BATCH), r;

		for (int i = 0; i < n; i++)
			fill(argv[1], i, tok, toklen);
		r = sendmmsg(fd, msgs, (unsigned)n, 0);
		if (r > 0)
			sent += r;
	}
	printf("sent %ld\n", sent);
	return 0;
}
