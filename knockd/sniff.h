/* Packet capture: the only libpcap user. One handle per configured interface. */
#ifndef KNOCKD_SNIFF_H
#define KNOCKD_SNIFF_H

#include <stddef.h>
#include <stdint.h>

struct sniff {
	void *pcap; /* pcap_t; NULL for a detached capture (a socket read with recv()) */
	int dlt;
	int fd;
	char iface[64];
};

/* caplen: bytes captured; wirelen: the frame's length (more when the snaplen cut it). */
typedef void (*sniff_cb)(void *user, int dlt, const uint8_t *frame, size_t caplen, size_t wirelen);

/* Immediate mode, non-blocking, small snaplen, a BPF filter. */
/* filter: a pcap expression; on Ethernet it is also applied behind an 802.1Q tag.
 * buffer: the capture ring's size in bytes (capture_buffer). */
int sniff_open(struct sniff *s, const char *iface, const char *filter, uint32_t buffer, char *err,
	       size_t errlen) __attribute__((warn_unused_result));
/* Handles what is queued now (bounded batch). Returns frames handled, or -1. */
int sniff_dispatch(struct sniff *s, sniff_cb cb, void *user);
void sniff_close(struct sniff *s);
/*
 * Rule writer, on a reload: keeps only the socket (with the filter libpcap attached) in
 * s->fd, to be handed to the packet parser; pcap is closed. 0 or -1.
 */
int sniff_detach(struct sniff *s, char *err, size_t errlen) __attribute__((warn_unused_result));
/* Packet parser: a detached capture received from the writer; read with recv(). */
void sniff_adopt(struct sniff *s, int fd, int dlt, const char *iface);

#endif
