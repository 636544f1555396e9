/*
 * Client sockets that are close-on-exec (and optionally non-blocking). Linux and the BSDs
 * take SOCK_CLOEXEC / SOCK_NONBLOCK in the type; macOS lacks them, so there the flags are
 * set with fcntl(2) right after socket(2) (the client is single-threaded: no exec can slip
 * in between). Windows has its own: knock/win/sock_win.c.
 */
#include "sock.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#if defined(SOCK_CLOEXEC) && defined(SOCK_NONBLOCK)
int sock_open(int family, int type, int nonblock)
{
	return socket(family, type | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
}
#else
int sock_open(int family, int type, int nonblock)
{
	int fd = socket(family, type, 0), fl, saved;

	if (fd < 0)
		return -1;
	fl = fcntl(fd, F_GETFL);
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || fl < 0 ||
	    (nonblock && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}
#endif

/* One attempt, at most timeout_ms: a connected (blocking) socket, or -1. */
int sock_connect(const struct addrinfo *ai, int timeout_ms)
{
	struct pollfd p;
	int fd = sock_open(ai->ai_family, SOCK_STREAM, 1), err = 0;
	socklen_t len = sizeof(err);

	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		goto done;
	if (errno != EINPROGRESS)
		goto fail;
	p = (struct pollfd){.fd = fd, .events = POLLOUT};
	if (poll(&p, 1, timeout_ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 ||
	    err)
		goto fail;
done:
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
fail:
	close(fd);
	return -1;
}
