/*
 * Pure frame parser: link layer (Ethernet/VLAN, Linux cooked v1/v2, raw IP) -> IPv4/IPv6
 * (options, extension headers) -> UDP/TCP. No allocation; the result points into the frame.
 */
#ifndef KNOCKD_PKT_H
#define KNOCKD_PKT_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

enum pkt_err {
	PKT_OK = 0,
	PKT_E_TRUNCATED = -1, /* shorter than its headers say */
	PKT_E_LINK = -2,      /* link type or ethertype we do not handle */
	PKT_E_IP = -3,        /* bad IP header */
	PKT_E_FRAGMENT = -4,  /* fragments never carry a knock */
	PKT_E_PROTO = -5,     /* neither UDP nor TCP */
	PKT_E_TRANSPORT = -6, /* bad UDP/TCP header */
	PKT_E_CHECKSUM = -7,  /* IPv4 header or UDP/TCP checksum wrong */
};
#define PKT_NERR 8

struct pkt {
	struct addr src, dst;
	uint8_t proto; /* IPPROTO_UDP or IPPROTO_TCP */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	const uint8_t *payload;
	size_t payload_len;
};

/* dlt is pcap's link type (DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, ...). */
int pkt_parse(struct pkt *out, int dlt, const uint8_t *frame, size_t caplen)
    __attribute__((warn_unused_result));
const char *pkt_strerror(int err);

#endif
