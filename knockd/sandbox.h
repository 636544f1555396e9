/* Dropping privileges: the packet parser to nobody in a seccomp sandbox, the rule writer to
 * the capabilities it still needs. */
#ifndef KNOCKD_SANDBOX_H
#define KNOCKD_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

struct sandbox_user {
	uid_t uid;
	gid_t gid;
};

/* Looked up before the fork (NSS reads files): "nobody", else 65534. */
void sandbox_lookup(struct sandbox_user *u);
/* Child: no groups, uid/gid u, no capabilities, no new privileges, not dumpable, seccomp. */
int sandbox_parser(const struct sandbox_user *u, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Parent: keeps CAP_NET_ADMIN, CAP_NET_RAW, CAP_SETUID, CAP_SETGID; no core dumps. */
int sandbox_writer(char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
