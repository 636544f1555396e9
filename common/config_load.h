/* Reading knockd.conf (config_load.c): the parsers give a validated struct config. */
#ifndef KNOCK_CONFIG_LOAD_H
#define KNOCK_CONFIG_LOAD_H

#include <stddef.h>

#include "config.h"

/*
 * Pure: parses and validates text; on error fills err with "file:line: reason". An include
 * is checked but not read: drop-in files are config_load's.
 */
int config_parse(struct config *c, const char *file, const char *text, size_t len, char *err,
		 size_t errlen) __attribute__((warn_unused_result));
/*
 * Reads path and then the drop-in files its include names (each refused if group or others
 * may write it or neither root nor we own it), then validates the whole.
 */
int config_load(struct config *c, const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
