/*
 * Knocking the members of a group, each as `knock MEMBER ...` would, with what each writes
 * to stderr kept apart: POSIX systems run them at once, a child process each (spawn.c);
 * Windows runs them one after another (knock/win/spawn_win.c).
 */
#ifndef KNOCK_SPAWN_H
#define KNOCK_SPAWN_H

#include <stddef.h>

#include "send.h"

/* How a group's members are knocked (group.h). */
enum group_mode { GROUP_TOKEN, GROUP_SEQUENCE, GROUP_STATIC };

struct member {
	const char *name;
	int ran;       /* it could be started */
	int ok;        /* and it succeeded */
	char out[512]; /* its messages, cut to fit */
	size_t len;
};

/* Knocks one member (group_knock_one): its exit status. */
typedef int (*spawn_one_fn)(const struct send_opts *o, const char *host, enum group_mode mode,
			    char **args, int nargs);

/* Fills ran, ok, out and len of each of the n members (their names set), each knocked by one. */
void spawn_members(struct member *m, size_t n, spawn_one_fn one, const struct send_opts *o,
		   enum group_mode mode, char **args, int nargs);

#endif
