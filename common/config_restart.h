/* Which [knockd] keys a reload cannot change: the restart column of the key table. */
#ifndef KNOCK_CONFIG_RESTART_H
#define KNOCK_CONFIG_RESTART_H

#include "config.h"

/* The name of the first key that needs a restart and differs between a and b, or NULL. */
const char *config_restart_key(const struct config *a, const struct config *b);

#endif
