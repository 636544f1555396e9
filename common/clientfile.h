/* Reading knock.conf (clientfile.c): a checked struct client_config, groups resolved. */
#ifndef KNOCK_CLIENTFILE_H
#define KNOCK_CLIENTFILE_H

#include <stddef.h>

#include "clientconf.h"

/* Pure: parses text, checks the profiles and resolves the groups ("file:line: reason"). */
int clientfile_parse(struct client_config *c, const char *file, const char *text, size_t len,
		     char *err, size_t errlen) __attribute__((warn_unused_result));
int clientfile_load(struct client_config *c, const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
