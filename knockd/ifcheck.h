/* knockd -t: the capture interfaces the configuration names exist (and are up). */
#ifndef KNOCKD_IFCHECK_H
#define KNOCKD_IFCHECK_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"

/* -1 with "FILE:LINE: reason" in err when a named interface does not exist; a note on out
 * for each one that is down. "any" is always there. */
int ifcheck_config(const struct config *c, FILE *out, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
