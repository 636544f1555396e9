/*
 * Benchmark tool, run in the client namespace (HOST: an IPv4 or IPv6 address):
 *   probe open HOST PORT MAX_MS CMD [ARGS...]   runs CMD (the knock), then tries a TCP
 *       connect every 100 microseconds (a dropped SYN is given up after that; on the test
 *       LAN a handshake takes a few tens of microseconds); prints "KNOCK_NS OPEN_NS"
 *       (CLOCK_MONOTONIC) or "timeout"
 *   probe close HOST PORT MAX_MS [SLOW_MS]      connects every 5 ms for SLOW_MS (0),
 *       then every 0.5 ms, each attempt given 1 ms (a dropped SYN is not answered), until
 *       one fails and a second try right after it (given 50 ms) fails too; prints the
 *       CLOCK_MONOTONIC time at which that first failed attempt started, or "timeout"
 *       (the rule went between the start of the last success and that: within about
 *       1.5 ms once past SLOW_MS)
 * The knock time is taken when CMD has exited: its packet has left the client by then.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* One attempt: 1 when connected within wait_us. */
static int attempt(const struct sockaddr_storage *a, long wait_us)
{
	struct timespec wait = {wait_us / 1000000, (wait_us % 1000000) * 1000};
	int fd = socket(a->ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0), err = 0, ok = 0;
	socklen_t len = sizeof(err);
	struct pollfd p = {.fd = fd, .events = POLLOUT};

	if (fd < 0)
		return 0;
	if (connect(fd, (const struct sockaddr *)a,
		    a->ss_family == AF_INET ? sizeof(struct sockaddr_in)
					    : sizeof(struct sockaddr_in6)) == 0)
		ok = 1;
	else if (errno == EINPROGRESS && ppoll(&p, 1, &wait, NULL) == 1 &&
		 getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && !err)
		ok = 1;
	close(fd);
	return ok;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage a = {0};
	struct sockaddr_in *a4 = (struct sockaddr_in *)&a;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&a;
	int64_t start, limit, slow = 0;
	int open_mode;

	if (argc < 5)
		return fprintf(stderr, "usage: probe open|close HOST PORT MAX_MS [CMD...]\n"), 2;
	if (inet_pton(AF_INET, argv[2], &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)atoi(argv[3]));
	} else if (inet_pton(AF_INET6, argv[2], &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)atoi(argv[3]));
	} else {
		return fprintf(stderr, "probe: bad address %s\n", argv[2]), 2;
	}
	open_mode = !strcmp(argv[1], "open");
	if (open_mode) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			execvp(argv[5], argv + 5);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			return fprintf(stderr, "probe: knock command failed\n"), 1;
	}
	start = now_ns();
	limit = start + (int64_t)atoi(argv[4]) * 1000000;
	if (!open_mode && argc > 5)
		slow = (int64_t)atoi(argv[5]) * 1000000;
	while (now_ns() < limit) {
		int64_t t = now_ns();
		int ok = attempt(&a, open_mode ? 100 : 1000);

		if (open_mode && ok) {
			printf("%lld %lld\n", (long long)start, (long long)now_ns());
			return 0;
		}
		/* a failure is the close only if a second try, given 50 ms, fails too: under load
		 * a connect can take longer than 1 ms, or meet a full accept queue */
		if (!open_mode && !ok && !attempt(&a, 50000)) {
			printf("%lld\n", (long long)t);
			return 0;
		}
		if (!open_mode) {
			struct timespec gap = {0, t - start < slow ? 5000000 : 500000};

			nanosleep(&gap, NULL);
		}
	}
	printf("timeout\n");
	return 1;
}
