/* Packet capture: the only libpcap user. One capture socket per configured interface. */
#ifndef KNOCKD_SNIFF_H
#define KNOCKD_SNIFF_H

#include <stddef.h>
#include <stdint.h>

struct sniff {
	int dlt;
	int fd;
	char iface[64];
};

/* caplen: bytes captured; wirelen: the frame's length (more when the snaplen cut it). */
typedef void (*sniff_cb)(void *user, int dlt, const uint8_t *frame, size_t caplen, size_t wirelen);

/*
 * A packet socket with a BPF filter and a small snaplen, non-blocking. filter: a pcap
 * expression; on Ethernet it is also applied behind an 802.1Q tag. buffer: the bound of
 * the socket's receive queue in bytes (capture_buffer; the kernel counts each frame's
 * buffers, about 1 to 2 KiB for a small frame).
 */
int sniff_open(struct sniff *s, const char *iface, const char *filter, uint32_t buffer, char *err,
	       size_t errlen) __attribute__((warn_unused_result));
/* Handles what is queued now (bounded batch). Returns frames handled, or -1. */
int sniff_dispatch(struct sniff *s, sniff_cb cb, void *user);
void sniff_close(struct sniff *s);
/* Packet parser: a capture the writer opened and passed over the channel. */
void sniff_adopt(struct sniff *s, int fd, int dlt, const char *iface);

#endif
