/* Frame parser: link types, IPv4 options, IPv6 extension headers, fragments, truncation. */
#include <netinet/in.h>
#include <pcap/dlt.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"
#include "tap.h"

static const uint8_t payload[5] = {'h', 'e', 'l', 'l', 'o'};

static uint16_t csum(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v;
}

static void ipv4_fix(uint8_t *p)
{
	p[10] = p[11] = 0;
	put16(p + 10, (uint16_t)~csum(0, p, (size_t)(p[0] & 15) * 4));
}

/* Fills the IPv6 UDP checksum: full when partial is 0, else only the pseudo-header sum. */
static void udp6_fix(uint8_t *ip, uint8_t *udp, size_t ulen, int partial)
{
	uint32_t pseudo = csum(0, ip + 8, 32) + IPPROTO_UDP + (uint32_t)ulen;

	udp[6] = udp[7] = 0;
	put16(udp + 6, partial ? csum(pseudo, NULL, 0) : (uint16_t)~csum(pseudo, udp, ulen));
}

static size_t udp(uint8_t *p, uint16_t dport)
{
	p[0] = 0x30, p[1] = 0x39; /* 12345 */
	p[2] = (uint8_t)(dport >> 8), p[3] = (uint8_t)dport;
	p[4] = 0, p[5] = 8 + sizeof(payload);
	p[6] = p[7] = 0;
	memcpy(p + 8, payload, sizeof(payload));
	return 8 + sizeof(payload);
}

/* IPv4 with optional options words and flags/fragment field. */
static size_t ipv4(uint8_t *p, int optwords, uint16_t frag)
{
	size_t ihl = 20 + 4 * (size_t)optwords, len;

	memset(p, 0, ihl);
	p[0] = (uint8_t)(0x40 | (ihl / 4));
	p[6] = (uint8_t)(frag >> 8), p[7] = (uint8_t)frag;
	p[8] = 64, p[9] = IPPROTO_UDP;
	memcpy(p + 12, "\xc0\x00\x02\x0a", 4); /* 192.0.2.10 */
	memcpy(p + 16, "\xc0\x00\x02\x01", 4);
	for (int i = 0; i < optwords; i++)
		p[20 + 4 * i] = 1; /* NOP options */
	len = ihl + udp(p + ihl, 62201);
	p[2] = (uint8_t)(len >> 8), p[3] = (uint8_t)len;
	ipv4_fix(p);
	return len;
}

/* IPv6 with a hop-by-hop and a destination-options header, or a fragment header. */
static size_t ipv6(uint8_t *p, int frag)
{
	size_t off = 40, len;

	memset(p, 0, 40);
	p[0] = 0x60;
	p[6] = IPPROTO_HOPOPTS, p[7] = 64;
	p[8] = 0x20, p[9] = 0x01, p[10] = 0x0d, p[11] = 0xb8, p[23] = 0x10;
	p[24] = 0x20, p[25] = 0x01, p[26] = 0x0d, p[27] = 0xb8, p[39] = 0x01;
	memset(p + off, 0, 8);
	p[off] = frag ? IPPROTO_FRAGMENT : IPPROTO_DSTOPTS; /* hop-by-hop, 8 bytes */
	off += 8;
	memset(p + off, 0, 16);
	p[off] = IPPROTO_UDP, p[off + 1] = 1; /* dest opts or fragment, 16 bytes */
	off += frag ? 8 : 16;
	len = off + udp(p + off, 62201);
	p[4] = (uint8_t)((len - 40) >> 8), p[5] = (uint8_t)(len - 40);
	udp6_fix(p, p + off, len - off, 0);
	return len;
}

static size_t ether(uint8_t *f, int vlans, int v6)
{
	size_t off = 12;

	memset(f, 0, 12);
	for (int i = 0; i < vlans; i++) {
		f[off] = i ? 0x81 : 0x88, f[off + 1] = i ? 0x00 : 0xa8;
		f[off + 2] = 0, f[off + 3] = 7;
		off += 4;
	}
	f[off] = v6 ? 0x86 : 0x08, f[off + 1] = v6 ? 0xdd : 0x00;
	off += 2;
	return off + (v6 ? ipv6(f + off, 0) : ipv4(f + off, 0, 0));
}

static int is_knock(const struct pkt *p, int family)
{
	return p->proto == IPPROTO_UDP && p->dport == 62201 && p->sport == 12345 &&
	       p->src.family == family && p->payload_len == sizeof(payload) &&
	       !memcmp(p->payload, payload, sizeof(payload));
}

static void link_types(void)
{
	uint8_t f[256];
	struct pkt p;
	size_t n;

	n = ether(f, 0, 0);
	ok(pkt_parse(&p, DLT_EN10MB, f, n) == PKT_OK && is_knock(&p, 4) && p.src.a[3] == 10,
	   "Ethernet / IPv4 / UDP");
	n = ether(f, 2, 0);
	ok(pkt_parse(&p, DLT_EN10MB, f, n) == PKT_OK && is_knock(&p, 4), "802.1ad + 802.1Q tags");
	n = ether(f, 0, 1);
	ok(pkt_parse(&p, DLT_EN10MB, f, n) == PKT_OK && is_knock(&p, 6) && p.src.a[15] == 0x10,
	   "Ethernet / IPv6 with hop-by-hop and destination options / UDP");
	memset(f, 0, 16);
	f[14] = 0x08, f[15] = 0x00;
	n = 16 + ipv4(f + 16, 0, 0);
	ok(pkt_parse(&p, DLT_LINUX_SLL, f, n) == PKT_OK && is_knock(&p, 4), "Linux cooked v1");
	memset(f, 0, 20);
	f[0] = 0x86, f[1] = 0xdd;
	n = 20 + ipv6(f + 20, 0);
	ok(pkt_parse(&p, DLT_LINUX_SLL2, f, n) == PKT_OK && is_knock(&p, 6), "Linux cooked v2");
	n = ipv4(f, 0, 0);
	ok(pkt_parse(&p, DLT_RAW, f, n) == PKT_OK && is_knock(&p, 4), "raw IPv4 (tun)");
	n = ipv6(f, 0);
	ok(pkt_parse(&p, DLT_RAW, f, n) == PKT_OK && is_knock(&p, 6), "raw IPv6 (WireGuard)");
	ok(pkt_parse(&p, 9999, f, n) == PKT_E_LINK, "unknown link type refused");
}

static void ip_details(void)
{
	uint8_t f[256];
	struct pkt p;
	size_t n;

	n = ipv4(f, 3, 0);
	ok(pkt_parse(&p, DLT_RAW, f, n) == PKT_OK && is_knock(&p, 4), "IPv4 with options");
	n = ipv4(f, 0, 0x2000);
	ok(pkt_parse(&p, DLT_RAW, f, n) == PKT_E_FRAGMENT, "IPv4 first fragment (MF) dropped");
	n = ipv4(f, 0, 0x0010);
	ok(pkt_parse(&p, DLT_RAW, f, n) == PKT_E_FRAGMENT, "IPv4 later fragment dropped");
	n = ipv6(f, 1);
	ok(pkt_parse(&p, DLT_RAW, f, n) == PKT_E_FRAGMENT, "IPv6 fragment header dropped");
	n = ipv4(f, 0, 0);
	f[9] = IPPROTO_ICMP;
	ipv4_fix(f);
	ok(pkt_parse(&p, DLT_RAW, f, n) == PKT_E_PROTO, "ICMP is not a knock");
	n = ipv4(f, 0, 0);
	f[20 + 5] = 200; /* UDP length beyond the datagram */
	ok(pkt_parse(&p, DLT_RAW, f, n) == PKT_E_TRANSPORT, "UDP length beyond IP refused");
	n = ipv4(f, 0, 0);
	f[0] = 0x44; /* IHL 16 bytes */
	ok(pkt_parse(&p, DLT_RAW, f, n) == PKT_E_IP, "IHL below 20 refused");
}

static void checksums(void)
{
	uint8_t f[256];
	struct pkt p;
	size_t n;

	n = ipv4(f, 0, 0);
	f[8] = 63; /* TTL changed, header checksum not */
	ok(pkt_parse(&p, DLT_RAW, f, n) == PKT_E_CHECKSUM, "wrong IPv4 header checksum dropped");
	n = ipv4(f, 0, 0);
	put16(f + 26, 0x1234);
	ok(pkt_parse(&p, DLT_RAW, f, n) == PKT_E_CHECKSUM, "wrong UDP checksum (IPv4) dropped");
	n = ipv6(f, 0);
	ok(pkt_parse(&p, DLT_RAW, f, n) == PKT_OK, "right UDP checksum (IPv6) accepted");
	f[n - 1] ^= 1;
	ok(pkt_parse(&p, DLT_RAW, f, n) == PKT_E_CHECKSUM, "a flipped payload bit: dropped");
	f[n - 1] ^= 1;
	udp6_fix(f, f + 64, n - 64, 1);
	ok(pkt_parse(&p, DLT_RAW, f, n) == PKT_OK,
	   "offloaded (pseudo-header only) checksum, as captured on veth: accepted");
	put16(f + 64 + 6, 0);
	ok(pkt_parse(&p, DLT_RAW, f, n) == PKT_E_CHECKSUM, "no checksum over IPv6: dropped");
}

static void truncation(void)
{
	uint8_t f[256];
	struct pkt p;
	size_t n = ether(f, 1, 1);
	int bad = 0;

	/* Each length parses a heap copy of exactly that length, so ASan sees any overread. */
	for (size_t len = 0; len < n; len++) {
		uint8_t *copy = malloc(len ? len : 1);

		memcpy(copy, f, len);
		if (pkt_parse(&p, DLT_EN10MB, copy, len) == PKT_OK)
			bad++;
		free(copy);
	}
	ok(bad == 0, "every truncation of a %zu-byte frame refused", n);
	n = ether(f, 0, 0);
	memset(f + n, 0, 20);
	ok(pkt_parse(&p, DLT_EN10MB, f, n + 20) == PKT_OK && p.payload_len == sizeof(payload),
	   "Ethernet padding after the IP datagram is ignored");
}

int main(void)
{
	link_types();
	ip_details();
	checksums();
	truncation();
	return tap_done();
}
