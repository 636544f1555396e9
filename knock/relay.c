/* knock -W's relay on POSIX systems: one poll(2) loop; Windows: knock/win/relay_win.c. */
#include "relay.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

/* Copies stdin to the socket and the socket to stdout until the server closes. */
int relay_run(int sock)
{
	struct pollfd p[2] = {{.fd = 0, .events = POLLIN}, {.fd = sock, .events = POLLIN}};
	char buf[16384];

	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return 1;
		for (int i = 0; i < 2; i++) {
			ssize_t n, w = 0;

			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0 && i == 1)
				return 0; /* the server closed: we are done */
			if (n <= 0) {
				shutdown(sock, SHUT_WR); /* our side is done sending */
				p[0].fd = -1;
				continue;
			}
			while (w < n) {
				ssize_t k = write(i ? 1 : sock, buf + w, (size_t)(n - w));

				if (k <= 0)
					return 1;
				w += k;
			}
		}
	}
}
