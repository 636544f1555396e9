/*
 * Benchmark tool: sends N tokens of one nat = yes client, each naming its own address in
 * 2001:db8:1::/64, about 16,000 a second (faster bursts overflow the veth backlog queue),
 * so that knockd opens N concurrent grants. Usage:
 *   mass CLIENT_KEY SERVER_PUB DST PORT N TTL [FIRST [PER_MS [LOG]]]
 * FIRST (1): the first address index; PER_MS (16): tokens sent between 1 ms pauses; LOG: a
 * file that gets "ADDRESS REALTIME_NS" per token, taken right after its send().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "token.h"

int main(int argc, char **argv)
{
	struct sockaddr_in dst = {.sin_family = AF_INET};
	struct keypair c;
	struct pair_keys k;
	uint8_t spk[32], pkt[TOKEN_SIZE];
	char err[512];
	const char *doors[] = {"ssh"};
	struct timespec pause = {0, 1000000};
	int fd, n, first = argc > 7 ? atoi(argv[7]) : 1, per = argc > 8 ? atoi(argv[8]) : 16;
	FILE *log = argc > 9 ? fopen(argv[9], "w") : NULL;

	if (argc < 7 || argc > 10 || (argc > 9 && !log) || per < 1 || sodium_init() < 0 ||
	    keys_read_private(argv[1], &c, err, sizeof(err)) < 0 ||
	    keys_parse_public(argv[2], spk) < 0 || crypto_pair_derive(&k, &c, spk, c.pk, spk) < 0 ||
	    inet_pton(AF_INET, argv[3], &dst.sin_addr) != 1)
		return fprintf(stderr, "usage: mass CLIENT_KEY SERVER_PUB DST PORT N TTL "
				       "[FIRST [PER_MS [LOG]]]\n"),
		       2;
	dst.sin_port = htons((uint16_t)atoi(argv[4]));
	n = atoi(argv[5]);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0)
		return perror("mass"), 1;
	for (int i = first; i < first + n; i++) {
		struct token t;
		struct timespec sent;
		char a[INET6_ADDRSTRLEN];

		memset(&t, 0, sizeof(t));
		t.timestamp = (uint64_t)time(NULL);
		t.ttl = (uint32_t)atoi(argv[6]);
		inet_pton(AF_INET6, "2001:db8:1::", t.addr.a);
		t.addr.family = 6;
		t.addr.a[12] = (uint8_t)(i >> 24), t.addr.a[13] = (uint8_t)(i >> 16);
		t.addr.a[14] = (uint8_t)(i >> 8), t.addr.a[15] = (uint8_t)i;
		if (token_set_doors(&t, doors, 1) != TOKEN_OK)
			return 1;
		randombytes_buf(t.nonce, sizeof(t.nonce));
		token_seal(pkt, &t, &k, &c, spk);
		/* a server with no firewall answers port unreachable (nothing listens: knockd
		 * captures), which the next send() reports: that send is tried again */
		if (send(fd, pkt, sizeof(pkt), 0) != (ssize_t)sizeof(pkt) &&
		    (errno != ECONNREFUSED ||
		     send(fd, pkt, sizeof(pkt), 0) != (ssize_t)sizeof(pkt)))
			return perror("mass: send"), 1;
		clock_gettime(CLOCK_REALTIME, &sent);
		if (log)
			fprintf(log, "%s %lld\n", inet_ntop(AF_INET6, t.addr.a, a, sizeof(a)),
				(long long)sent.tv_sec * 1000000000 + sent.tv_nsec);
		if ((i - first + 1) % per == 0) /* 16: ~16,000/s, bursts the veth backlog takes */
			nanosleep(&pause, NULL);
	}
	if (log)
		fclose(log);
	printf("sent %d\n", n);
	return 0;
}
