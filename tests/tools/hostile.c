/*
 * Test tool: sends a battery of hostile frames to knockd through an AF_PACKET socket (so
 * nothing the kernel's own stack would refuse to send is out of reach), and prints how many
 * of each kind it sent:
 *   hostile IFACE SRC DST CLIENT_KEY SERVER_PUB OTHER_SERVER_PUB
 * Kinds: truncations of a valid token frame, IPv4 options with junk, an over-long IPv6
 * extension-header chain, IPv4 and IPv6 fragments, wrong IPv4/UDP checksums, wrong sizes,
 * a wrong version, tokens for another server's key, timestamps far and slightly off.
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "token.h"

static int fd;
static struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_halen = 6};
static uint8_t src4[4], dst4[4];

static uint16_t fold(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

/* Ethernet + IPv4 (optional options) + UDP to 62201 with right checksums. Returns length. */
static size_t frame4(uint8_t *f, const uint8_t *pl, size_t n, int optwords, uint16_t frag)
{
	uint8_t *ip = f + 14, *udp;
	size_t ihl = 20 + 4 * (size_t)optwords;
	uint32_t pseudo;

	memset(f, 0xff, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x09\x08\x00", 8);
	memset(ip, 0, ihl);
	ip[0] = (uint8_t)(0x40 | ihl / 4), ip[8] = 64, ip[9] = IPPROTO_UDP;
	put16(ip + 2, (uint32_t)(ihl + 8 + n));
	put16(ip + 6, frag);
	memcpy(ip + 12, src4, 4);
	memcpy(ip + 16, dst4, 4);
	for (int i = 0; i < optwords; i++)
		ip[20 + 4 * i] = 1; /* NOP */
	put16(ip + 10, (uint16_t)~fold(0, ip, ihl));
	udp = ip + ihl;
	put16(udp, 40000), put16(udp + 2, 62201), put16(udp + 4, (uint32_t)(8 + n));
	udp[6] = udp[7] = 0;
	memcpy(udp + 8, pl, n);
	pseudo = fold(0, ip + 12, 8) + IPPROTO_UDP + (uint32_t)(8 + n);
	put16(udp + 6, (uint16_t)~fold(pseudo, udp, 8 + n));
	return 14 + ihl + 8 + n;
}

/* Paced: a burst through veth and a bridge would overflow the kernel's backlog queue
 * (netdev_max_backlog) and be dropped before any capture sees it. */
static int send_frame(const uint8_t *f, size_t n)
{
	static unsigned sent;
	struct timespec pause = {0, 2000000};

	if (++sent % 32 == 0)
		nanosleep(&pause, NULL);
	return sendto(fd, f, n, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)n;
}

static void token(uint8_t out[TOKEN_SIZE], const struct pair_keys *k, const struct keypair *c,
		  const uint8_t server_pk[32], int64_t ts)
{
	struct token t;
	const char *doors[] = {"ssh"};

	memset(&t, 0, sizeof(t));
	t.timestamp = (uint64_t)ts;
	t.addr.family = 4;
	memcpy(t.addr.a, src4, 4);
	if (token_set_doors(&t, doors, 1) != TOKEN_OK)
		exit(1);
	randombytes_buf(t.nonce, sizeof(t.nonce));
	token_seal(out, &t, k, c, server_pk);
}

#define REPORT(name, n) printf("%s %d\n", name, n)

static void truncations(const uint8_t *tok)
{
	uint8_t f[2048];
	size_t full = frame4(f, tok, TOKEN_SIZE, 0, 0);
	int n = 0;

	for (size_t len = 14 + 28; len < full; len++) /* from a bare UDP header up */
		n += send_frame(f, len);
	REPORT("truncated", n);
}

static void junk_with_options(void)
{
	uint8_t f[2048], pl[TOKEN_SIZE];
	int n = 0;

	for (int i = 0; i < 50; i++) {
		randombytes_buf(pl, sizeof(pl));
		n += send_frame(f, frame4(f, pl, sizeof(pl), 1 + i % 10, 0));
	}
	REPORT("ipv4-options-junk", n);
}

static void fragments(const uint8_t *tok)
{
	uint8_t f[2048];
	int n = 0;

	for (int i = 0; i < 50; i++)
		n += send_frame(f, frame4(f, tok, TOKEN_SIZE, 0, 0x2000)); /* more fragments */
	REPORT("ipv4-fragments", n);
}

static void bad_checksums(const uint8_t *tok)
{
	uint8_t f[2048];
	size_t len;
	int n = 0;

	for (int i = 0; i < 50; i++) {
		len = frame4(f, tok, TOKEN_SIZE, 0, 0);
		f[14 + 10 + (i & 1)] ^= 0x5a; /* IPv4 header checksum */
		n += send_frame(f, len);
		len = frame4(f, tok, TOKEN_SIZE, 0, 0);
		f[14 + 20 + 6] ^= 0x5a; /* UDP checksum */
		n += send_frame(f, len);
	}
	REPORT("bad-checksums", n);
}

static void sizes_and_version(const uint8_t *tok)
{
	uint8_t f[2048], pl[1400];
	int n = 0, v = 0;

	randombytes_buf(pl, sizeof(pl));
	for (size_t len = 0; len <= 1400; len += 7)
		if (len != TOKEN_SIZE)
			n += send_frame(f, frame4(f, pl, len, 0, 0));
	REPORT("wrong-sizes", n);
	memcpy(pl, tok, TOKEN_SIZE);
	for (int i = 0; i < 20; i++) {
		pl[0] = (uint8_t)(2 + i);
		v += send_frame(f, frame4(f, pl, TOKEN_SIZE, 0, 0));
	}
	REPORT("wrong-version", v);
}

/* IPv6 with 9 destination-options headers (more than knockd walks), then UDP. */
static void long_ext_chain(void)
{
	uint8_t f[2048], *ip = f + 14;
	size_t off = 40;
	int n = 0;

	memset(f, 0xff, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x09\x86\xdd", 8);
	memset(ip, 0, 40 + 9 * 8 + 8);
	ip[0] = 0x60, ip[6] = IPPROTO_DSTOPTS, ip[7] = 64;
	ip[8] = 0x20, ip[9] = 0x01, ip[10] = 0x0d, ip[11] = 0xb8, ip[23] = 0x10;
	ip[24] = 0x20, ip[25] = 0x01, ip[26] = 0x0d, ip[27] = 0xb8, ip[39] = 0x01;
	for (int i = 0; i < 9; i++, off += 8)
		ip[off] = i < 8 ? IPPROTO_DSTOPTS : IPPROTO_UDP;
	put16(ip + off + 2, 62201), put16(ip + off + 4, 8);
	put16(ip + 4, (uint32_t)(off + 8 - 40));
	for (int i = 0; i < 20; i++)
		n += send_frame(f, 14 + off + 8);
	REPORT("ipv6-long-ext-chain", n);
}

int main(int argc, char **argv)
{
	struct keypair c;
	struct pair_keys k, other;
	uint8_t spk[32], opk[32], tok[TOKEN_SIZE], f[2048];
	char err[512];
	int64_t now = (int64_t)time(NULL);
	int n = 0;

	if (argc != 7 || sodium_init() < 0)
		return fprintf(stderr,
			       "usage: hostile IFACE SRC DST CLIENT_KEY SERVER_PUB OTHER_PUB\n"),
		       2;
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	to.sll_ifindex = (int)if_nametoindex(argv[1]);
	memset(to.sll_addr, 0xff, 6);
	if (fd < 0 || !to.sll_ifindex || inet_pton(AF_INET, argv[2], src4) != 1 ||
	    inet_pton(AF_INET, argv[3], dst4) != 1 ||
	    keys_read_private(argv[4], &c, err, sizeof(err)) < 0 ||
	    keys_parse_public(argv[5], spk) < 0 || keys_parse_public(argv[6], opk) < 0 ||
	    crypto_pair_derive(&k, &c, spk, c.pk, spk) < 0 ||
	    crypto_pair_derive(&other, &c, opk, c.pk, opk) < 0)
		return fprintf(stderr, "hostile: bad arguments %s\n", err), 1;
	token(tok, &k, &c, spk, now);
	truncations(tok);
	junk_with_options();
	fragments(tok);
	bad_checksums(tok);
	sizes_and_version(tok);
	long_ext_chain();
	for (int i = 0; i < 20; i++, n++) {
		token(tok, &other, &c, opk, now);
		send_frame(f, frame4(f, tok, TOKEN_SIZE, 0, 0));
	}
	REPORT("other-server-key", n);
	for (int i = 0; i < 20; i++) {
		token(tok, &k, &c, spk, now + (i & 1 ? 86400 : -86400));
		send_frame(f, frame4(f, tok, TOKEN_SIZE, 0, 0));
	}
	REPORT("timestamps-a-day-off", 20);
	for (int i = 0; i < 40; i++) {
		token(tok, &k, &c, spk, now + (i & 1 ? 75 : -75));
		send_frame(f, frame4(f, tok, TOKEN_SIZE, 0, 0));
	}
	REPORT("timestamps-75s-off", 40);
	return 0;
}
