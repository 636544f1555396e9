/*
 * Persistence of the replay cache in state_dir, so a token accepted before a restart stays
 * refused after it. Append-only records, compacted at start-up.
 */
#ifndef KNOCKD_REPLAY_STORE_H
#define KNOCKD_REPLAY_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "replay.h"

/*
 * Checks state_dir (ours, writable by no one else), loads the file's records into r (sized
 * anew for r's clients plus what the file holds; implausible records are dropped with a
 * warning, never a refusal to start), rewrites the file without what is long expired;
 * returns the append fd. An unreadable file or a foreign magic is an error.
 */
int replay_store_open(const char *state_dir, struct replay *r, int64_t now, char *err,
		      size_t errlen) __attribute__((warn_unused_result));
int replay_store_append(int fd, const uint8_t id[REPLAY_ID_LEN], int64_t expires)
    __attribute__((warn_unused_result));

#endif
