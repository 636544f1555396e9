/*
 * <pwd.h> on Windows: no user database to ask. Only the daemon's owner doors
 * (common/config_values.c) look users up; the client compiles that file but never calls it.
 */
#ifndef KNOCK_WIN_PWD_H
#define KNOCK_WIN_PWD_H

#include <errno.h>
#include <stddef.h>

#include "../compat.h"

struct passwd {
	char *pw_name;
	uid_t pw_uid;
};

static inline int getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len,
			     struct passwd **res)
{
	(void)uid, (void)pw, (void)buf, (void)len;
	*res = NULL;
	return ENOENT;
}

static inline int getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len,
			     struct passwd **res)
{
	(void)name, (void)pw, (void)buf, (void)len;
	*res = NULL;
	return ENOENT;
}

#endif
