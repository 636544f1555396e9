/* Directory-chain checks and a non-blocking, type-checked open (see pathtrust.h). */
#include "pathtrust.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef S_ISVTX
#define S_ISVTX 01000
#endif

static int ours(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* dir (lstat'ed as *st) may hold a trusted entry named by child (a full path). */
static int dir_ok(const char *dir, const struct stat *st, const char *child, char *err,
		  size_t errlen)
{
	struct stat cst;

	if (!ours(st->st_uid)) {
		snprintf(err, errlen,
			 "%s: directory owned by uid %u, neither root nor us (uid %u): refused "
			 "(it could swap %s)",
			 dir, (unsigned)st->st_uid, (unsigned)geteuid(), child);
		return -1;
	}
	if (!(st->st_mode & (S_IWGRP | S_IWOTH)))
		return 0;
	/* sticky and root's (/tmp): others may add entries, not replace ours */
	if ((st->st_mode & S_ISVTX) && st->st_uid == 0 && lstat(child, &cst) == 0) {
		if (ours(cst.st_uid))
			return 0;
		snprintf(err, errlen,
			 "%s: sticky directory writable by others (mode %04o) holding %s, owned "
			 "by uid %u, neither root nor us: refused",
			 dir, (unsigned)(st->st_mode & 07777), child, (unsigned)cst.st_uid);
		return -1;
	}
	snprintf(err, errlen,
		 "%s: directory writable by group or others (mode %04o): refused (it could swap "
		 "%s); run chmod go-w %s",
		 dir, (unsigned)(st->st_mode & 07777), child, dir);
	return -1;
}

/*
 * Walks the absolute path abs: each directory above its last component, by lstat(2) alone.
 * A symbolic link on the way is refused rather than followed: where it leads could only
 * be learnt with readlink(2), which the rule writer's seccomp filter does not allow on a
 * reload, and start and reload must agree.
 */
static int walk(const char *abs, char *err, size_t errlen)
{
	char dir[PATH_MAX], child[PATH_MAX];
	struct stat st;

	strcpy(dir, "/");
	for (const char *p = strchr(abs + 1, '/');; p = strchr(p + 1, '/')) {
		const char *end = p ? p : abs + strlen(abs);
		size_t n = (size_t)(end - abs);

		if (n == 0 || n >= sizeof(child)) /* "//..." or too long: nothing to check */
			return 0;
		memcpy(child, abs, n);
		child[n] = '\0';
		if (lstat(dir, &st) < 0) {
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
			return -1;
		}
		if (S_ISLNK(st.st_mode)) {
			snprintf(err, errlen,
				 "%s: a symbolic link on the way to %s: refused (name the real "
				 "path)",
				 dir, abs);
			return -1;
		}
		if (S_ISDIR(st.st_mode) && dir_ok(dir, &st, child, err, errlen) < 0)
			return -1;
		if (!p || !p[1])
			return 0;
		memcpy(dir, child, n + 1);
	}
}

int pathtrust_dirs(const char *path, char *err, size_t errlen)
{
	char abs[PATH_MAX];

	if (path[0] == '/') {
		if (strlen(path) >= sizeof(abs)) {
			snprintf(err, errlen, "%.64s...: path too long", path);
			return -1;
		}
		strcpy(abs, path);
	} else { /* only before the sandbox: knockd reloads by the absolute path */
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)) ||
		    snprintf(abs, sizeof(abs), "%s/%s", strcmp(cwd, "/") ? cwd : "", path) >=
			(int)sizeof(abs)) {
			snprintf(err, errlen, "%s: cannot make the path absolute", path);
			return -1;
		}
	}
	return walk(abs, err, errlen);
}

int pathtrust_open(const char *path, int nofollow, struct stat *st, char *err, size_t errlen)
{
	struct stat fst;
	int fd;

	if ((nofollow ? lstat(path, st) : stat(path, st)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s: not a regular file%s", path,
			 S_ISFIFO(st->st_mode)  ? " (a FIFO)"
			 : S_ISLNK(st->st_mode) ? " (a symbolic link)"
						: "");
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0 || fstat(fd, &fst) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(fst.st_mode) || fst.st_dev != st->st_dev || fst.st_ino != st->st_ino) {
		snprintf(err, errlen, "%s: changed while being opened: refused", path);
		goto fail;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	*st = fst;
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}
