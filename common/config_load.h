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

/* The text of every file config_load_keep read, each after a line CONFIG_TEXT_PART "LEN PATH". */
#define CONFIG_TEXT_PART "#@knockd-file "
struct config_text {
	char *buf;
	size_t len;
};
/* config_load, and the text it read into keep (emptied on failure; config_text_free). */
int config_load_keep(struct config *c, const char *path, struct config_text *keep, char *err,
		     size_t errlen) __attribute__((warn_unused_result));
/*
 * Pure but for the server key's path check: the files kept by config_load_keep, read back
 * (the last-good copy, named name): messages say "name[PATH]:LINE", PATH the file it was.
 */
int config_load_text(struct config *c, const char *name, const char *text, size_t len, char *err,
		     size_t errlen) __attribute__((warn_unused_result));
void config_text_free(struct config_text *t);

#endif
