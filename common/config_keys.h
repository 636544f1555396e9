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

typedef int (*config_setter)(struct config_pstate *st, const char *v, int line, char *err,
			     size_t n);

/* restart: a reload cannot change the key (config_restart.h); its value is a number, or a
 * string (a char array) */
enum { CONFIG_RELOADABLE, CONFIG_RESTART_VALUE, CONFIG_RESTART_STRING };

struct config_keydef {
	const char *name;
	config_setter set;
	int restart;      /* CONFIG_RELOADABLE, or how to compare the value */
	size_t off, size; /* restart keys: where the value is in struct config */
};

int config_on_section(void *user, const char *name, int line, char *err, size_t errlen);
int config_on_key(void *user, const char *key, const char *value, int line, char *err,
		  size_t errlen);

#endif
