/* libFuzzer: the frame parser, for every link type it knows (the first byte picks one). */
#include <pcap/dlt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4,
				   DLT_IPV6,   9999};
	struct pkt p;
	uint8_t *frame;

	if (size < 1)
		return 0;
	/* An exact-size copy, so any read past the captured length is caught. */
	frame = malloc(size - 1 ? size - 1 : 1);
	memcpy(frame, data + 1, size - 1);
	if (pkt_parse(&p, dlts[data[0] % 7], frame, size - 1) == PKT_OK && p.payload_len &&
	    (p.payload < frame || p.payload + p.payload_len > frame + size - 1))
		abort(); /* the payload must lie inside the frame */
	free(frame);
	return 0;
}
