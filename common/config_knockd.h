/* knockd.conf's [knockd] section keys (config_knockd.c). */
#ifndef KNOCK_CONFIG_KNOCKD_H
#define KNOCK_CONFIG_KNOCKD_H

#include "config_pstate.h"

/* The [knockd] section's keys, ending with a NULL name; the restart column says which of
 * them a reload cannot change. */
extern const struct config_keydef *const config_knockd_keys;

#endif
