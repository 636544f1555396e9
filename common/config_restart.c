/*
 * Reload guard: compares the keys the key table marks as needing a restart
 * (config_keys.c), so that a key added to the table with that mark cannot be forgotten here.
 */
#include "config_restart.h"

#include <string.h>

#include "config_knockd.h"

const char *config_restart_key(const struct config *a, const struct config *b)
{
	for (const struct config_keydef *k = config_knockd_keys; k->name; k++) {
		const char *x = (const char *)a + k->off, *y = (const char *)b + k->off;

		if (k->restart == CONFIG_RESTART_VALUE && memcmp(x, y, k->size))
			return k->name;
		if (k->restart == CONFIG_RESTART_STRING && strncmp(x, y, k->size))
			return k->name;
	}
	return NULL;
}
