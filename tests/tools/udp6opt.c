/*
 * Test tool: sends FILE as one UDP datagram to [ADDR]:PORT over IPv6 with a destination
 * options extension header (PadN), so a test can prove knockd walks IPv6 extension headers
 * on the wire. Usage: udp6opt ADDR PORT FILE
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	/* next header (kernel fills it), length 0 (= 8 bytes), PadN of 4 zero bytes */
	static const unsigned char dstopts[8] = {0, 0, 1, 4, 0, 0, 0, 0};
	struct sockaddr_in6 to = {.sin6_family = AF_INET6};
	unsigned char buf[2048];
	size_t n;
	FILE *f;
	int fd;

	if (argc != 4)
		return fprintf(stderr, "usage: udp6opt ADDR PORT FILE\n"), 2;
	if (inet_pton(AF_INET6, argv[1], &to.sin6_addr) != 1)
		return fprintf(stderr, "udp6opt: bad address %s\n", argv[1]), 2;
	to.sin6_port = htons((uint16_t)atoi(argv[2]));
	f = fopen(argv[3], "rb");
	if (!f)
		return perror(argv[3]), 1;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (fd < 0 || setsockopt(fd, IPPROTO_IPV6, IPV6_DSTOPTS, dstopts, sizeof(dstopts)) < 0)
		return perror("udp6opt: socket/IPV6_DSTOPTS"), 1;
	if (sendto(fd, buf, n, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)n)
		return perror("udp6opt: sendto"), 1;
	close(fd);
	return 0;
}
