/* Pure value parsers shared by the config loaders and the command lines. */
#ifndef KNOCK_PARSE_H
#define KNOCK_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define NAME_MAX_LEN 31 /* door, client, host profile names */

/* Each returns 0, or -1 with a one-line reason in err (which names the bad value). */
int parse_duration(const char *s, uint32_t *out, char *err, size_t errlen);
int parse_port(const char *s, uint16_t *out, char *err, size_t errlen);
int parse_bool(const char *s, int *out, char *err, size_t errlen);
int parse_name(const char *s, char *err, size_t errlen);
int parse_uint(const char *s, unsigned long max, unsigned long *out, char *err, size_t errlen);
/* A size in bytes: a number with an optional binary unit k, m or g (256k = 262144). */
int parse_size(const char *s, uint64_t *out, char *err, size_t errlen);

/*
 * Splits a comma-separated list: copies the next trimmed item into buf and advances *cursor.
 * Returns 1 for an item, 0 at the end, -1 when an item is empty or longer than buflen - 1.
 */
int parse_list_next(const char **cursor, char *buf, size_t buflen);

/* Formats a duration as the shortest exact unit: 30s, 15m, 2h. */
void format_duration(uint32_t secs, char *buf, size_t buflen);

#endif
