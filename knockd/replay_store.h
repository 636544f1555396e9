/*
 * Persistence of the replay cache in state_dir, so a token accepted before a restart stays
 * refused after it. Append-only records, compacted at start-up.
 */
#ifndef KNOCKD_REPLAY_STORE_H
#define KNOCKD_REPLAY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "replay.h"

/* Loads live records into r, rewrites the file without expired ones; returns an fd. */
int replay_store_open(const char *state_dir, struct replay *r, int64_t now, char *err,
		      size_t errlen) __attribute__((warn_unused_result));
/*
 * For a reload, while the running packet parser still appends to the file: loads the live
 * records into r without rewriting the file (a restart compacts it) and returns an fd to
 * append to; *rfd stays open after the last record read, for replay_store_catch_up().
 */
int replay_store_reopen(const char *state_dir, struct replay *r, int64_t now, int *rfd, char *err,
			size_t errlen) __attribute__((warn_unused_result));
/* Once that parser has stopped: loads the records it appended since, and closes rfd. */
int replay_store_catch_up(int rfd, struct replay *r, int64_t now, char *err, size_t errlen)
    __attribute__((warn_unused_result));
int replay_store_append(int fd, const uint8_t id[REPLAY_ID_LEN], int64_t expires)
    __attribute__((warn_unused_result));

#endif
