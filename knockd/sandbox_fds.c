/*
 * The descriptors each process keeps: whatever knockd inherited is closed at start-up, and
 * the parser closes all but its own (keeping syslog's socket, which it may write to).
 */
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static int kept(const int *keep, int nkeep, int fd)
{
	for (int i = 0; i < nkeep; i++)
		if (keep[i] == fd)
			return 1;
	return fd <= 2;
}

int sandbox_close_others(const int *keep, int nkeep, int unix_too, struct sandbox_fds *out)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	int dfd, dom;
	socklen_t len;

	if (!dir)
		return -errno;
	dfd = dirfd(dir);
	while ((e = readdir(dir))) {
		int fd = e->d_name[0] == '.' ? -1 : atoi(e->d_name);

		if (fd < 0 || fd == dfd || kept(keep, nkeep, fd))
			continue;
		len = sizeof(dom);
		if (unix_too && getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) == 0 &&
		    dom == AF_UNIX && out->n < SANDBOX_MAX_FDS) {
			out->fd[out->n++] = fd; /* syslog's socket, opened by openlog() */
			continue;
		}
		close(fd);
	}
	closedir(dir);
	return 0;
}

void sandbox_close_inherited(void)
{
	if (close_range(3, ~0U, 0) == 0)
		return;
	for (int fd = 3; fd < 65536; fd++) /* a kernel before 5.9 */
		close(fd);
}
