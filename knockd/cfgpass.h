/*
 * The parsed configuration handed from the rule writer to the packet parser on a reload,
 * through a memfd passed over the channel: the parser cannot open the files itself, and
 * the writer, which can, parses them (with their include files) and reports their errors.
 */
#ifndef KNOCKD_CFGPASS_H
#define KNOCKD_CFGPASS_H

#include <stddef.h>

#include "config.h"

/* What the parser needs to know of each capture passed with the configuration. */
struct cfgpass_capture {
	char iface[64];
	int dlt;
};

/* Writer: a memfd holding c and the captures' names and link types; -1 on error. */
int cfgpass_write(const struct config *c, const struct cfgpass_capture *caps, int ncaps, char *err,
		  size_t errlen) __attribute__((warn_unused_result));
/* Parser: reads it back into c (arrays allocated; config_free releases them) and caps
 * (room for max). Checks every size against the file's; 0 or -1. */
int cfgpass_read(int fd, struct config *c, struct cfgpass_capture *caps, int max, int *ncaps,
		 char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
