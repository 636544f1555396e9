/*
 * Windows: Winsock started before main(), the console's streams made binary (our output is
 * byte for byte the POSIX client's), and the few POSIX calls compat.h maps.
 */
#include <windows.h>

#include <stdio.h>
#include <stdlib.h>

__attribute__((constructor)) static void win_start(void)
{
	WSADATA wsa;

	if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) {
		fprintf(stderr, "knock: Winsock failed to start\n");
		exit(1);
	}
	_setmode(0, _O_BINARY);
	_setmode(1, _O_BINARY);
	_setmode(2, _O_BINARY);
}

static int wsa_errno(int e)
{
	switch (e) {
	case WSAEWOULDBLOCK:
	case WSAEINPROGRESS:
		return EINPROGRESS;
	case WSAECONNREFUSED:
		return ECONNREFUSED;
	case WSAENETUNREACH:
		return ENETUNREACH;
	case WSAEHOSTUNREACH:
		return EHOSTUNREACH;
	case WSAETIMEDOUT:
		return ETIMEDOUT;
	case WSAEAFNOSUPPORT:
		return EAFNOSUPPORT;
	case WSAEADDRNOTAVAIL:
		return EADDRNOTAVAIL;
	default:
		return EIO;
	}
}

/* A socket handle is closed as a socket; anything else is a C runtime file descriptor. */
#undef close
int win_close(int fd)
{
	if (closesocket((SOCKET)fd) == 0)
		return 0;
	if (WSAGetLastError() == WSAENOTSOCK)
		return _close(fd);
	errno = EIO;
	return -1;
}

/* Files keep no flags that fcntl(2) could read or set here. */
int win_fcntl(int fd, int cmd, ...)
{
	(void)fd;
	(void)cmd;
	return 0;
}

/*
 * The C runtime's stat() gives the drive in st_dev and fstat() the descriptor, and both a
 * zero st_ino: the file's identity (is the file opened the file checked?) comes from its
 * volume serial number and file index instead.
 */
static void identity(HANDLE h, struct stat *st)
{
	BY_HANDLE_FILE_INFORMATION fi;

	if (h == INVALID_HANDLE_VALUE || !GetFileInformationByHandle(h, &fi))
		return;
	st->st_dev = (_dev_t)fi.dwVolumeSerialNumber;
	st->st_ino = (_ino_t)(fi.nFileIndexLow ^ (fi.nFileIndexLow >> 16) ^ fi.nFileIndexHigh);
}

#undef stat
int win_stat(const char *path, struct stat *st)
{
	HANDLE h;

	if (stat(path, st) < 0)
		return -1;
	h = CreateFileA(path, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
			OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS, NULL);
	st->st_dev = 0;
	st->st_ino = 0;
	identity(h, st);
	if (h != INVALID_HANDLE_VALUE)
		CloseHandle(h);
	return 0;
}

#undef fstat
int win_fstat(int fd, struct stat *st)
{
	if (fstat(fd, st) < 0)
		return -1;
	st->st_dev = 0;
	st->st_ino = 0;
	identity((HANDLE)_get_osfhandle(fd), st);
	return 0;
}

#undef connect
int win_connect(int fd, const struct sockaddr *sa, int len)
{
	if (connect((SOCKET)fd, sa, len) == 0)
		return 0;
	errno = wsa_errno(WSAGetLastError());
	return -1;
}

#undef send
ssize_t win_send(int fd, const void *buf, size_t len, int flags)
{
	int n = send((SOCKET)fd, buf, (int)len, flags);

	if (n == SOCKET_ERROR) {
		errno = wsa_errno(WSAGetLastError());
		return -1;
	}
	return n;
}

int win_nanosleep(const struct timespec *t, struct timespec *left)
{
	(void)left;
	Sleep((DWORD)(t->tv_sec * 1000 + (t->tv_nsec + 999999) / 1000000));
	return 0;
}

/* Only CLOCK_MONOTONIC is asked for. */
int win_clock_gettime(int clock, struct timespec *t)
{
	ULONGLONG ms = GetTickCount64();

	(void)clock;
	t->tv_sec = (time_t)(ms / 1000);
	t->tv_nsec = (long)(ms % 1000) * 1000000;
	return 0;
}

/* mingw's gai_strerror is an inline that zig's headers leave out: the system's message. */
const char *win_gai_strerror(int e)
{
	static char msg[256];
	DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
				 (DWORD)e, 0, msg, sizeof(msg), NULL);

	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r' || msg[n - 1] == '.'))
		msg[--n] = '\0';
	if (n == 0)
		snprintf(msg, sizeof(msg), "name resolution failed (error %d)", e);
	return msg;
}
