/*
 * The rule writer's file system rights, by Landlock: after start-up it may read files (the
 * configuration, the key, /sys for libpcap) but create, write or execute none, nor remove a
 * directory (removing a file is left to the seccomp filter, which allows it only in the
 * control socket's directory, at exit), except beneath save_dir (state_dir), where it
 * creates and writes the last-good copy (lastgood.c). Its seccomp filter already kills a
 * write-mode open elsewhere or an execve; what only Landlock can refuse is a bind() that
 * creates a Unix socket's file (seccomp cannot read the path), and a write-mode open
 * relative to save_dir's descriptor that leads out of it.
 */
#include "sandbox.h"

#include <errno.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

#define WRITER_DENIED                                                                              \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
	 LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_MAKE_CHAR |                            \
	 LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |                               \
	 LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |                             \
	 LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM)

/* save_dir (or -1): files may be created (a rename's target too) and written beneath it. */
static int allow_save_dir(long fd, int save_dir)
{
	struct landlock_path_beneath_attr pb = {.allowed_access = LANDLOCK_ACCESS_FS_WRITE_FILE |
								  LANDLOCK_ACCESS_FS_MAKE_REG,
						.parent_fd = save_dir};

	if (save_dir < 0)
		return 0;
	return syscall(SYS_landlock_add_rule, fd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0 ? -1 : 0;
}

/* Needs PR_SET_NO_NEW_PRIVS first. A kernel without Landlock: a warning, and the writer
 * runs without it (its seccomp filter still holds). */
int sandbox_writer_landlock(int save_dir, char *err, size_t errlen)
{
	struct landlock_ruleset_attr attr = {.handled_access_fs = WRITER_DENIED};
	long fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);

	if (fd < 0 && (errno == ENOSYS || errno == EOPNOTSUPP)) {
		log_warn("this kernel has no Landlock: the rule writer could create files "
			 "(Unix sockets) after start-up");
		return 0;
	}
	if (fd < 0 || allow_save_dir(fd, save_dir) < 0 ||
	    syscall(SYS_landlock_restrict_self, fd, 0) < 0) {
		snprintf(err, errlen, "rule writer: cannot restrict its file access: %s",
			 strerror(errno));
		if (fd >= 0)
			close((int)fd);
		return -1;
	}
	close((int)fd);
	return 0;
}
