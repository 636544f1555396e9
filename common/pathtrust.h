/*
 * Trust in a file before anything opens it: who may have swapped it (every directory above
 * it), and an open that neither blocks nor has side effects (a FIFO, a device).
 */
#ifndef KNOCK_PATHTRUST_H
#define KNOCK_PATHTRUST_H

#include <stddef.h>
#include <sys/stat.h>

/*
 * Every directory from / down to path's parent must be owned by root or by us and be
 * writable by neither group nor others (as sshd's StrictModes), and none may be a symbolic
 * link. One exception: a root-owned directory with the sticky bit (/tmp) passes when the
 * entry below it is root's or ours, since no one else can rename or remove that entry.
 * The message names the directory. path itself is not checked here. Uses lstat(2) only
 * (and getcwd(3) for a relative path).
 */
int pathtrust_dirs(const char *path, char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * Opens a regular file for reading: stat(2) first (lstat with nofollow), so a FIFO, a
 * device or a socket is refused before any open; then open(O_NONBLOCK | O_NOCTTY), fstat
 * and a check that it is still the same regular file. Returns the descriptor (blocking
 * again), *st filled; or -1 with err naming the path.
 */
int pathtrust_open(const char *path, int nofollow, struct stat *st, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
