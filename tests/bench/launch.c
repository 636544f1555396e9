/*
 * Benchmark tool, run in the client namespace: client invoke -> packet on the wire.
 *   launch IFACE DST CMD [ARGS...]   takes CLOCK_REALTIME, forks and execs CMD (a knock
 *       client), and prints the nanoseconds from then to the kernel's timestamp of the first
 *       IPv4 packet to DST that leaves IFACE (a packet socket sees it as it is handed to the
 *       device); "timeout" after 2 s. The neighbour entry for DST must be resolved already,
 *       or the time would include ARP.
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int open_capture(const char *iface)
{
	/* ETH_P_ALL: only such sockets see what leaves (dev_queue_xmit_nit) */
	int fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL)), on = 1;
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};

	sll.sll_ifindex = (int)if_nametoindex(iface);
	if (fd < 0 || !sll.sll_ifindex ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof(on)) < 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -1;
	return fd;
}

/* The kernel timestamp (ns) of the next outgoing IPv4 packet to dst; -1 after the wait. */
static int64_t first_packet(int fd, struct in_addr dst, int wait_ms)
{
	uint8_t buf[64], ctl[256];
	struct pollfd p = {.fd = fd, .events = POLLIN};

	while (poll(&p, 1, wait_ms) == 1) {
		struct sockaddr_ll from;
		struct iovec iov = {buf, sizeof(buf)};
		struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
				   .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
		ssize_t n = recvmsg(fd, &m, 0);
		const struct iphdr *ip = (const struct iphdr *)buf;

		/* outgoing on a veth; on loopback, seen only as it comes back in */
		if (n < (ssize_t)sizeof(*ip) || from.sll_protocol != htons(ETH_P_IP) ||
		    (from.sll_pkttype != PACKET_OUTGOING && from.sll_pkttype != PACKET_HOST) ||
		    ip->daddr != dst.s_addr)
			continue;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
			struct timespec ts;

			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SO_TIMESTAMPNS)
				continue;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct in_addr dst;
	struct timespec t0;
	int64_t t1;
	int fd, st;
	pid_t pid;

	if (argc < 4 || inet_pton(AF_INET, argv[2], &dst) != 1)
		return fprintf(stderr, "usage: launch IFACE DST-IPV4 CMD [ARGS...]\n"), 2;
	fd = open_capture(argv[1]);
	if (fd < 0)
		return perror("launch: packet socket"), 2;
	clock_gettime(CLOCK_REALTIME, &t0);
	pid = fork();
	if (pid == 0) {
		execvp(argv[3], argv + 3);
		_exit(127);
	}
	if (pid < 0)
		return perror("launch: fork"), 2;
	t1 = first_packet(fd, dst, 2000);
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		return fprintf(stderr, "launch: %s failed\n", argv[3]), 1;
	if (t1 < 0)
		return printf("timeout\n"), 1;
	printf("%lld\n", (long long)(t1 - ((int64_t)t0.tv_sec * 1000000000 + t0.tv_nsec)));
	return 0;
}
