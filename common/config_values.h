/* Value parsers for knockd.conf keys: each fills one field or explains the bad value. */
#ifndef KNOCK_CONFIG_VALUES_H
#define KNOCK_CONFIG_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

int value_string(char *dst, size_t dstlen, const char *v, char *err, size_t errlen);
int value_path(char *dst, size_t dstlen, const char *v, char *err, size_t errlen);
int value_backend(int *out, const char *v, char *err, size_t errlen);
int value_nft_table(char *dst, size_t dstlen, const char *v, char *err, size_t errlen);
int value_duration_range(uint32_t *out, const char *v, uint32_t min, uint32_t max, char *err,
			 size_t errlen);
/* A size (parse_size) from min to max bytes. */
int value_size_range(uint32_t *out, const char *v, uint32_t min, uint32_t max, char *err,
		     size_t errlen);
int value_direction(int *out, const char *v, char *err, size_t errlen);
int value_protocol(int *out, const char *v, char *err, size_t errlen);
int value_port_list(uint16_t *ports, int max, int *n, const char *v, char *err, size_t errlen);
int value_prefix(struct prefix *p, const char *v, char *err, size_t errlen);
int value_prefix_list(struct prefix *p, int max, int *n, const char *v, char *err, size_t errlen);
int value_seq_steps(struct seq_step *s, int max, int *n, const char *v, char *err, size_t errlen);
int value_time_of_day(int *minute_of_day, const char *v, char *err, size_t errlen);
int value_days(uint8_t *days, const char *v, char *err, size_t errlen);
/* "61000-61999": base and count; at least 16 ports. */
int value_port_range(uint16_t *base, uint16_t *count, const char *v, char *err, size_t errlen);
/* owner = USER|UID: a user name (looked up now, it must exist) or a numeric uid. */
int value_owner(struct door *d, const char *v, char *err, size_t errlen);
int value_seq_length(int *out, const char *v, char *err, size_t errlen);

#endif
