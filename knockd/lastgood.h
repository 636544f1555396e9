/* The last configuration that loaded, kept in state_dir/last-good.conf: written whenever a
 * configuration is accepted (start, reload), read back when the configuration fails to load
 * at start, so that a typo before a restart does not leave the host without a knock. */
#ifndef KNOCKD_LASTGOOD_H
#define KNOCKD_LASTGOOD_H

#include <stddef.h>

#include "config.h"
#include "config_load.h"

#define LASTGOOD_FILE "last-good.conf"
/* knockd's exit status when the configuration does not load and there is no last-good copy
 * to start on: 1, as for every configuration error (the unit's start limit ends retries). */
#define LASTGOOD_EXIT_NONE 1

/* The state_dir that the (maybe broken) file at conf names in [knockd], or the default. */
void lastgood_state_dir(const char *conf, char *out, size_t len);
/* Loads the last-good copy for the configuration file conf into c; its path in path. */
int lastgood_load(struct config *c, const char *conf, char *path, size_t pathlen, char *err,
		  size_t errlen) __attribute__((warn_unused_result));
/* state_dir, opened for lastgood_save (before the rule writer's sandbox). */
int lastgood_open_dir(const char *state_dir, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Writes t to dirfd/last-good.conf atomically (a temporary file renamed), mode 0600. */
int lastgood_save(int dirfd, const struct config_text *t, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* lastgood_save if t holds text (a failure is logged: the daemon runs on), then frees t. */
void lastgood_keep(int dirfd, struct config_text *t);

#endif
