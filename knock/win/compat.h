/*
 * The POSIX names the portable client (knock/, common/) uses, on Windows (mingw-w64 through
 * zig cc): force-included in every file of the Windows build (-include), with the headers
 * of include/ standing in for <sys/socket.h>, <netinet/in.h>, <arpa/inet.h> and <netdb.h>.
 * Sockets are Winsock's: small integers in practice, so they travel in an int like a file
 * descriptor, and close() and connect() below tell them apart or map their errors to errno;
 * stat() and fstat() fill st_dev and st_ino with the file's identity (compat.c).
 */
#ifndef KNOCK_WIN_COMPAT_H
#define KNOCK_WIN_COMPAT_H

#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0601 /* Windows 7: WSA_FLAG_NO_HANDLE_INHERIT */
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <direct.h>
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* No exec on Windows: close-on-exec means "not inherited"; and files are read byte for byte. */
#undef O_CLOEXEC
#define O_CLOEXEC  (_O_NOINHERIT | _O_BINARY)
#define O_NOFOLLOW 0
#define SHUT_WR    SD_SEND
#ifndef CLOCK_MONOTONIC
#define CLOCK_MONOTONIC 1
#endif

/* No symbolic links, terminals or non-blocking files to ask for: plain files only. */
#define O_NONBLOCK      0
#define O_NOCTTY        0
#define S_ISLNK(m)      0
#define lstat(path, st) stat(path, st)
#define F_GETFL         3
#define F_SETFL         4
typedef unsigned uid_t;

#define mkdir(path, mode) _mkdir(path)
#define fsync(fd)         _commit(fd)
/* Only the daemon's trusted-file checks ask for it (the C runtime's st_uid is 0 too). */
#define geteuid() 0

int win_close(int fd);
int win_fcntl(int fd, int cmd, ...);
int win_stat(const char *path, struct stat *st);
int win_fstat(int fd, struct stat *st);
int win_connect(int fd, const struct sockaddr *sa, int len);
ssize_t win_send(int fd, const void *buf, size_t len, int flags);
int win_nanosleep(const struct timespec *t, struct timespec *left);
int win_clock_gettime(int clock, struct timespec *t);
const char *win_gai_strerror(int e);
#define close(fd)            win_close(fd)
#define fcntl                win_fcntl
#define stat(path, st)       win_stat(path, st)
#define fstat(fd, st)        win_fstat(fd, st)
#define connect(fd, sa, len) win_connect((int)(fd), sa, (int)(len))
#define send(fd, b, n, f)    win_send(fd, b, n, f)
#define nanosleep            win_nanosleep
#define clock_gettime        win_clock_gettime
#undef gai_strerror
#define gai_strerror win_gai_strerror

#endif
