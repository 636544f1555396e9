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

/* Descriptors a process may write to (write, writev, sendto, sendmsg) and not close. */
#define SANDBOX_MAX_FDS 16
struct sandbox_fds {
	int fd[SANDBOX_MAX_FDS];
	int n;
};

/* Looked up before the fork (NSS reads files): "nobody", else 65534. */
void sandbox_lookup(struct sandbox_user *u);
/*
 * Child: no groups, uid/gid u, no capabilities, no new privileges, not dumpable, seccomp:
 * writes and sends only on fds (a send on a capture socket kills it).
 */
int sandbox_parser(const struct sandbox_user *u, const struct sandbox_fds *fds, char *err,
		   size_t errlen) __attribute__((warn_unused_result));
/* First thing at start-up: descriptors left open by whoever started us are not ours. */
void sandbox_close_inherited(void);
/*
 * Closes every descriptor but 0-2 and keep, except Unix sockets when unix_too (syslog's),
 * which are added to out. Returns 0 or -errno.
 */
int sandbox_close_others(const int *keep, int nkeep, int unix_too, struct sandbox_fds *out);
/*
 * Parent, once started: PR_SET_NO_NEW_PRIVS and a seccomp allowlist of what its loop and
 * its reloads do; execve, ptrace, a write-open, connect and the rest kill or fail.
 * unlink_dir (or -1): the directory descriptor in which unlinkat of a file still works
 * (the control socket's, removed at exit); every other unlink fails with EPERM.
 * save_dir (or -1): state_dir, in which files may be opened for writing and renamed (the
 * last-good copy, lastgood.h); every other rename fails with EPERM.
 */
int sandbox_writer_filter(int unlink_dir, int save_dir, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* The writer's Landlock ruleset (sandbox_landlock.c): no file created, written or
 * executed from then on, but created and written beneath save_dir (or -1: nowhere).
 * Called by sandbox_writer_filter. */
int sandbox_writer_landlock(int save_dir, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Parent, once the parser runs: keeps CAP_NET_ADMIN and CAP_NET_RAW only (effective,
 * permitted, bounding; no inheritable), no core dumps. */
int sandbox_writer(char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
