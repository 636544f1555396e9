/* knockd.conf section and key handlers (one table per section kind). */
#ifndef KNOCK_CONFIG_KEYS_H
#define KNOCK_CONFIG_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "config_pstate.h"

int config_on_section(void *user, const char *name, int line, char *err, size_t errlen);
int config_on_key(void *user, const char *key, const char *value, int line, char *err,
		  size_t errlen);

#endif
