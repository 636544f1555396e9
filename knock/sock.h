/* Client sockets that are close-on-exec (and optionally non-blocking) on any POSIX system. */
#ifndef KNOCK_SOCK_H
#define KNOCK_SOCK_H

/* socket(2) with FD_CLOEXEC, and O_NONBLOCK if nonblock: a descriptor, or -1 (errno set). */
int sock_open(int family, int type, int nonblock);

#endif
