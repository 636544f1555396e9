/* knock GROUP ...: every profile of a knock.conf [group:] knocked at once. */
#ifndef KNOCK_GROUP_H
#define KNOCK_GROUP_H

#include "send.h"
#include "spawn.h"

/*
 * If name is a [group:] of the client config, knocks each member as mode says (spawn.h),
 * prints one line per member to stdout and returns the exit status (1 naming each member
 * that failed); returns -1 if name is no group (or the config cannot be read: the
 * single-host path then says why).
 */
int group_run(const struct send_opts *o, const char *name, enum group_mode mode, char **args,
	      int nargs);
/* One member, as `knock MEMBER ...` would: the exit status. */
int group_knock_one(const struct send_opts *o, const char *host, enum group_mode mode, char **args,
		    int nargs);

#endif
