/*
 * Test tool: captures the first UDP datagram to PORT on IFACE and writes its payload to
 * OUTFILE, so a test can re-send a real token byte for byte. Prints "ready" once capturing;
 * gives up after SECONDS. Usage: wiretap IFACE PORT OUTFILE SECONDS
 */
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pkt.h"

static int save(const struct pkt *p, const char *out)
{
	FILE *f = fopen(out, "wb");

	if (!f || fwrite(p->payload, 1, p->payload_len, f) != p->payload_len)
		return 1;
	return fclose(f) ? 1 : 0;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE], expr[64];
	struct bpf_program prog;
	struct pcap_pkthdr *h;
	const u_char *bytes;
	pcap_t *p;
	time_t end;

	if (argc != 5)
		return fprintf(stderr, "usage: wiretap IFACE PORT OUTFILE SECONDS\n"), 2;
	p = pcap_create(argv[1], err);
	if (!p || pcap_set_immediate_mode(p, 1) || pcap_activate(p) < 0)
		return fprintf(stderr, "wiretap: %s\n", p ? pcap_geterr(p) : err), 1;
	snprintf(expr, sizeof(expr), "udp dst port %s", argv[2]);
	if (pcap_compile(p, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0 ||
	    pcap_setfilter(p, &prog) < 0 || pcap_setnonblock(p, 1, err) < 0)
		return fprintf(stderr, "wiretap: %s\n", pcap_geterr(p)), 1;
	printf("ready\n");
	fflush(stdout);
	end = time(NULL) + atoi(argv[4]);
	while (time(NULL) < end) {
		struct pollfd pfd = {.fd = pcap_get_selectable_fd(p), .events = POLLIN};
		struct pkt pk;

		poll(&pfd, 1, 100);
		while (pcap_next_ex(p, &h, &bytes) == 1) {
			if (pkt_parse(&pk, pcap_datalink(p), bytes, h->caplen) == PKT_OK &&
			    pk.proto == IPPROTO_UDP)
				return save(&pk, argv[3]);
		}
	}
	fprintf(stderr, "wiretap: nothing captured in %s s\n", argv[4]);
	return 1;
}
