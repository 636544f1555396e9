/*
 * Test tool: delivers FILE as the payload of one IPv4/UDP packet SRC -> DST:PORT on a link
 * type the test kernel cannot build from devices alone:
 *   inject vlan IFACE SRC DST PORT FILE  802.1Q-tagged (VLAN 7) Ethernet broadcast frame,
 *                                         sent through an AF_PACKET socket on IFACE
 *   inject tun IFACE SRC DST PORT FILE   raw IP packet written into the TUN device IFACE,
 *                                         which the kernel then receives on it
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* IPv4 + UDP (checksum 0: optional in IPv4) around the payload; returns the length. */
static size_t ip_udp(uint8_t *p, const char *src, const char *dst, int port, const uint8_t *pl,
		     size_t n)
{
	size_t len = 28 + n;
	uint16_t c;

	memset(p, 0, 28);
	p[0] = 0x45, p[2] = (uint8_t)(len >> 8), p[3] = (uint8_t)len, p[8] = 64, p[9] = 17;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
	c = csum(p, 20);
	p[10] = (uint8_t)(c >> 8), p[11] = (uint8_t)c;
	p[20] = 0x30, p[21] = 0x39, p[22] = (uint8_t)(port >> 8), p[23] = (uint8_t)port;
	p[24] = (uint8_t)((8 + n) >> 8), p[25] = (uint8_t)(8 + n);
	memcpy(p + 28, pl, n);
	return len;
}

static int send_vlan(const char *ifname, const uint8_t *ip, size_t n)
{
	uint8_t f[2048];
	struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_halen = 6};
	int fd = socket(AF_PACKET, SOCK_RAW, 0);

	memset(f, 0xff, 6);                            /* broadcast: the bridge floods it */
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x07", 6);  /* locally administered */
	memcpy(f + 12, "\x81\x00\x00\x07\x08\x00", 6); /* 802.1Q, VLAN 7, IPv4 */
	memcpy(f + 18, ip, n);
	to.sll_ifindex = (int)if_nametoindex(ifname);
	memset(to.sll_addr, 0xff, 6);
	if (fd < 0 || !to.sll_ifindex ||
	    sendto(fd, f, 18 + n, 0, (struct sockaddr *)&to, sizeof(to)) != (ssize_t)(18 + n))
		return perror("inject vlan"), 1;
	return 0;
}

static int send_tun(const char *ifname, const uint8_t *ip, size_t n)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR);

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0 || write(fd, ip, n) != (ssize_t)n)
		return perror("inject tun"), 1;
	usleep(200000); /* keep the device attached while the kernel delivers it */
	return 0;
}

int main(int argc, char **argv)
{
	uint8_t pl[1500], ip[2048];
	size_t n, len;
	FILE *f;

	if (argc != 7)
		return fprintf(stderr, "usage: inject vlan|tun IFACE SRC DST PORT FILE\n"), 2;
	f = fopen(argv[6], "rb");
	if (!f)
		return perror(argv[6]), 1;
	n = fread(pl, 1, sizeof(pl), f);
	fclose(f);
	len = ip_udp(ip, argv[3], argv[4], atoi(argv[5]), pl, n);
	return !strcmp(argv[1], "vlan") ? send_vlan(argv[2], ip, len) : send_tun(argv[2], ip, len);
}
