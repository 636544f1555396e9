/*
 * Pure frame parser: link layer (Ethernet/VLAN, Linux cooked v1/v2, raw IP) -> IPv4/IPv6
 * (options, extension headers) -> UDP/TCP. No allocation; the result points into the frame.
 * Every length is checked against what was captured before it is read.
 */
#include "pkt.h"

#include <netinet/in.h>
#include <pcap/dlt.h>
#include <string.h>

#define ETHERTYPE_IPV4  0x0800
#define ETHERTYPE_IPV6  0x86dd
#define ETHERTYPE_VLAN  0x8100
#define ETHERTYPE_QINQ  0x88a8
#define MAX_VLAN_TAGS   2
#define MAX_EXT_HEADERS 8

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/*
 * A transport checksum is right when the whole segment sums to 0xffff. A sender that left
 * the checksum to offload (veth, virtio: CHECKSUM_PARTIAL) puts only the pseudo-header sum
 * in the field, and that is what a capture on such a path sees: accepted too. The token is
 * authenticated end to end by its AEAD tag either way; this drops corrupted datagrams early.
 */
static int checksum_ok(const struct pkt *o, const uint8_t *seg, size_t len, int csum_off)
{
	uint32_t pseudo = 0;
	uint16_t field = (uint16_t)(seg[csum_off] << 8 | seg[csum_off + 1]);
	size_t alen = o->src.family == 4 ? 4 : 16;

	if (field == 0 && o->proto == IPPROTO_UDP && o->src.family == 4)
		return 1; /* no checksum: optional for UDP over IPv4 */
	pseudo = sum16(pseudo, o->src.a, alen);
	pseudo = sum16(pseudo, o->dst.a, alen);
	pseudo += o->proto + (uint32_t)len;
	if (fold(sum16(pseudo, seg, len)) == 0xffff)
		return 1;
	return field == fold(pseudo);
}

static int transport(struct pkt *o, const uint8_t *p, size_t len)
{
	if (o->proto == IPPROTO_UDP) {
		uint16_t ulen;

		if (len < 8)
			return PKT_E_TRUNCATED;
		ulen = be16(p + 4);
		if (ulen < 8 || ulen > len)
			return PKT_E_TRANSPORT;
		if (!checksum_ok(o, p, ulen, 6))
			return PKT_E_CHECKSUM;
		o->payload = p + 8;
		o->payload_len = ulen - 8u;
	} else if (o->proto == IPPROTO_TCP) {
		size_t off;

		if (len < 20)
			return PKT_E_TRUNCATED;
		off = (size_t)(p[12] >> 4) * 4;
		if (off < 20 || off > len)
			return PKT_E_TRANSPORT;
		if (!checksum_ok(o, p, len, 16))
			return PKT_E_CHECKSUM;
		o->tcp_flags = p[13];
		o->payload = p + off;
		o->payload_len = len - off;
	} else {
		return PKT_E_PROTO;
	}
	o->sport = be16(p);
	o->dport = be16(p + 2);
	return PKT_OK;
}

static int ipv4(struct pkt *o, const uint8_t *p, size_t len)
{
	size_t ihl, total;

	if (len < 20)
		return PKT_E_TRUNCATED;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	total = be16(p + 2);
	if ((p[0] >> 4) != 4 || ihl < 20 || total < ihl)
		return PKT_E_IP;
	if (total > len || ihl > len)
		return PKT_E_TRUNCATED;
	if (fold(sum16(0, p, ihl)) != 0xffff)
		return PKT_E_CHECKSUM; /* the IP header checksum is never offloaded on receive */
	if (be16(p + 6) & 0x3fff)      /* MF or a fragment offset */
		return PKT_E_FRAGMENT;
	o->src.family = o->dst.family = 4;
	memcpy(o->src.a, p + 12, 4);
	memcpy(o->dst.a, p + 16, 4);
	o->proto = p[9];
	return transport(o, p + ihl, total - ihl);
}

static int ipv6(struct pkt *o, const uint8_t *p, size_t len)
{
	size_t off = 40, end;
	uint8_t next;

	if (len < 40)
		return PKT_E_TRUNCATED;
	if ((p[0] >> 4) != 6)
		return PKT_E_IP;
	end = 40 + (size_t)be16(p + 4);
	if (end > len)
		return PKT_E_TRUNCATED;
	o->src.family = o->dst.family = 6;
	memcpy(o->src.a, p + 8, 16);
	memcpy(o->dst.a, p + 24, 16);
	next = p[6];
	for (int i = 0; i <= MAX_EXT_HEADERS; i++) {
		size_t hlen;

		switch (next) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case IPPROTO_AH:
			if (off + 8 > end)
				return PKT_E_TRUNCATED;
			hlen = next == IPPROTO_AH ? ((size_t)p[off + 1] + 2) * 4
						  : ((size_t)p[off + 1] + 1) * 8;
			next = p[off];
			off += hlen;
			if (off > end)
				return PKT_E_TRUNCATED;
			continue;
		case IPPROTO_FRAGMENT:
			return PKT_E_FRAGMENT;
		default:
			o->proto = next;
			return transport(o, p + off, end - off);
		}
	}
	return PKT_E_IP; /* too many extension headers */
}

static int network(struct pkt *o, uint16_t ethertype, const uint8_t *p, size_t len)
{
	if (ethertype == ETHERTYPE_IPV4)
		return ipv4(o, p, len);
	if (ethertype == ETHERTYPE_IPV6)
		return ipv6(o, p, len);
	return PKT_E_LINK;
}

static int ethernet(struct pkt *o, const uint8_t *p, size_t len)
{
	size_t off = 12;
	uint16_t type;

	if (len < 14)
		return PKT_E_TRUNCATED;
	type = be16(p + off);
	for (int tags = 0; (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ); tags++) {
		if (tags == MAX_VLAN_TAGS)
			return PKT_E_LINK;
		off += 4;
		if (len < off + 2)
			return PKT_E_TRUNCATED;
		type = be16(p + off);
	}
	off += 2;
	return network(o, type, p + off, len - off);
}

static int raw_ip(struct pkt *o, const uint8_t *p, size_t len)
{
	if (len < 1)
		return PKT_E_TRUNCATED;
	if ((p[0] >> 4) == 4)
		return ipv4(o, p, len);
	if ((p[0] >> 4) == 6)
		return ipv6(o, p, len);
	return PKT_E_IP;
}

int pkt_parse(struct pkt *out, int dlt, const uint8_t *frame, size_t caplen)
{
	memset(out, 0, sizeof(*out));
	switch (dlt) {
	case DLT_EN10MB:
		return ethernet(out, frame, caplen);
	case DLT_LINUX_SLL: /* 16-byte header, protocol at 14 */
		if (caplen < 16)
			return PKT_E_TRUNCATED;
		return network(out, be16(frame + 14), frame + 16, caplen - 16);
	case DLT_LINUX_SLL2: /* 20-byte header, protocol at 0 */
		if (caplen < 20)
			return PKT_E_TRUNCATED;
		return network(out, be16(frame), frame + 20, caplen - 20);
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return raw_ip(out, frame, caplen);
	}
	return PKT_E_LINK;
}

const char *pkt_strerror(int err)
{
	static const char *names[PKT_NERR] = {"ok",       "truncated", "link",      "ip-header",
					      "fragment", "protocol",  "transport", "checksum"};

	return (err <= 0 && err > -PKT_NERR) ? names[-err] : "unknown";
}
