/*
 * A group's members on Windows, one after another in this process (there is no fork): for
 * each, stderr is pointed at a temporary file that is read back as the member's messages.
 */
#include "spawn.h"

#include <windows.h>

#include <fcntl.h>
#include <io.h>
#include <stdio.h>

/* A file deleted when closed, under %TEMP%: a descriptor, or -1. */
static int temp_fd(void)
{
	char dir[MAX_PATH], path[MAX_PATH];

	if (!GetTempPathA(sizeof(dir), dir) || !GetTempFileNameA(dir, "knk", 0, path))
		return -1;
	return _open(path, _O_RDWR | _O_BINARY | _O_TEMPORARY | _O_NOINHERIT);
}

static void run_one(struct member *m, spawn_one_fn one, const struct send_opts *o,
		    enum group_mode mode, char **args, int nargs)
{
	int fd = temp_fd(), saved, rc;
	int k;

	if (fd < 0)
		return;
	fflush(stderr);
	saved = _dup(2);
	if (saved < 0 || _dup2(fd, 2) < 0) {
		_close(fd);
		return;
	}
	rc = one(o, m->name, mode, args, nargs);
	fflush(stderr);
	_dup2(saved, 2);
	_close(saved);
	m->ran = 1;
	m->ok = rc == 0;
	_lseek(fd, 0, SEEK_SET);
	k = _read(fd, m->out, (unsigned)(sizeof(m->out) - 1));
	m->len = k > 0 ? (size_t)k : 0;
	_close(fd);
}

void spawn_members(struct member *m, size_t n, spawn_one_fn one, const struct send_opts *o,
		   enum group_mode mode, char **args, int nargs)
{
	fflush(stdout);
	for (size_t i = 0; i < n; i++)
		run_one(&m[i], one, o, mode, args, nargs);
}
