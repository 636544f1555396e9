/* Client sockets on Windows: never inherited by child processes, optionally non-blocking. */
#include "sock.h"

#include <winsock2.h>
#include <ws2tcpip.h>

int sock_open(int family, int type, int nonblock)
{
	SOCKET s =
	    WSASocketW(family, type, 0, NULL, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
	u_long on = 1;

	if (s == INVALID_SOCKET) {
		errno = EIO;
		return -1;
	}
	if (nonblock && ioctlsocket(s, FIONBIO, &on) != 0) {
		closesocket(s);
		errno = EIO;
		return -1;
	}
	return (int)s;
}

/* One attempt, at most timeout_ms: a connected (blocking) socket, or -1. */
int sock_connect(const struct addrinfo *ai, int timeout_ms)
{
	int fd = sock_open(ai->ai_family, SOCK_STREAM, 1), err = 0, len = sizeof(err);
	SOCKET s = (SOCKET)fd;
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	fd_set w, x;
	u_long off = 0;

	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS)
		goto fail;
	FD_ZERO(&w);
	FD_ZERO(&x);
	FD_SET(s, &w);
	FD_SET(s, &x);
	/* A refused connection shows in the exception set on Windows, not the write set. */
	if (select(0, NULL, &w, &x, &tv) != 1 || !FD_ISSET(s, &w) ||
	    getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&err, &len) != 0 || err)
		goto fail;
	if (ioctlsocket(s, FIONBIO, &off) != 0)
		goto fail;
	return fd;
fail:
	closesocket(s);
	return -1;
}
