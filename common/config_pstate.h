/* The parse state and key-table types shared by knockd.conf's section handlers
 * (config_keys.c, config_knockd.c). */
#ifndef KNOCK_CONFIG_PSTATE_H
#define KNOCK_CONFIG_PSTATE_H

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

#endif
