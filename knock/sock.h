/*
 * Client sockets that are close-on-exec (and optionally non-blocking) on any POSIX system
 * (knock/sock.c) and on Windows (knock/win/sock_win.c).
 */
#ifndef KNOCK_SOCK_H
#define KNOCK_SOCK_H

/* socket(2) with FD_CLOEXEC, and O_NONBLOCK if nonblock: a descriptor, or -1 (errno set). */
int sock_open(int family, int type, int nonblock);
struct addrinfo;
/* A TCP connection to ai within timeout_ms: a blocking socket, or -1. */
int sock_connect(const struct addrinfo *ai, int timeout_ms);

#endif
