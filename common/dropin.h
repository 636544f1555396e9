/* Drop-in configuration files: the files an `include = DIR/PATTERN` names, in order. */
#ifndef KNOCK_DROPIN_H
#define KNOCK_DROPIN_H

#include <stddef.h>

#define DROPIN_MAX 1024

/* An absolute path whose wildcards (* ? [) are all in the last component. */
int dropin_check_pattern(const char *pattern, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/*
 * The files matching pattern, sorted by name (byte order), in a malloc'd array for
 * dropin_free; none is not an error. The directory must exist and pass cfg_check_trusted:
 * whoever may add a file there may add a client.
 */
int dropin_list(const char *pattern, char ***paths, size_t *n, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void dropin_free(char **paths, size_t n);

#endif
