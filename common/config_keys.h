/* knockd.conf section and key handlers (one table per section kind). */
#ifndef KNOCK_CONFIG_KEYS_H
#define KNOCK_CONFIG_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct config_pstate {
	struct config *c;
	int kind;      /* enum in config_keys.c */
	size_t idx;    /* the current door/client/sequence/window */
	uint32_t seen; /* keys already set in the current section */
	int knockd_line;
	int file; /* index in config files: 0 the main file, else a drop-in */
};

int config_on_section(void *user, const char *name, int line, char *err, size_t errlen);
int config_on_key(void *user, const char *key, const char *value, int line, char *err,
		  size_t errlen);

#endif
