/* Pure value parsers shared by the config loaders and the command lines. */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ttlrule.h"

int parse_uint(const char *s, unsigned long max, unsigned long *out, char *err, size_t errlen)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)s[0])) {
		snprintf(err, errlen, "'%s' is not a number", s);
		return -1;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max) {
		snprintf(err, errlen, "'%s' is not a number from 0 to %lu", s, max);
		return -1;
	}
	*out = v;
	return 0;
}

int parse_duration(const char *s, uint32_t *out, char *err, size_t errlen)
{
	static const unsigned long max = TTL_LIMIT;
	unsigned long v, unit = 1;
	char num[16];
	size_t len = strlen(s);

	if (len == 0 || len >= sizeof(num))
		goto bad;
	memcpy(num, s, len + 1);
	switch (num[len - 1]) {
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	default:
		if (!isdigit((unsigned char)num[len - 1]))
			goto bad;
		len++;
	}
	num[len - 1] = '\0';
	if (parse_uint(num, max, &v, err, errlen) < 0 || v * unit > max || v == 0)
		goto bad;
	*out = (uint32_t)(v * unit);
	return 0;
bad:
	snprintf(err, errlen, "bad duration '%s' (want e.g. 90, 90s, 15m, 2h; 1s to 30d)", s);
	return -1;
}

/* 2^32, or one less where long has 32 bits (Windows). */
#if ULONG_MAX > 0xffffffffUL
#define SIZE_NUM_MAX (1UL << 32)
#else
#define SIZE_NUM_MAX ULONG_MAX
#endif

int parse_size(const char *s, uint64_t *out, char *err, size_t errlen)
{
	unsigned long v;
	unsigned shift = 0;
	char num[24];
	size_t len = strlen(s);

	if (len == 0 || len >= sizeof(num))
		goto bad;
	memcpy(num, s, len + 1);
	switch (num[len - 1]) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	default:
		len++;
	}
	num[len - 1] = '\0';
	if (parse_uint(num, SIZE_NUM_MAX, &v, err, errlen) < 0)
		goto bad;
	*out = (uint64_t)v << shift;
	return 0;
bad:
	snprintf(err, errlen, "bad size '%s' (want e.g. 262144, 256k, 1m)", s);
	return -1;
}

int parse_port(const char *s, uint16_t *out, char *err, size_t errlen)
{
	unsigned long v;

	if (parse_uint(s, 65535, &v, err, errlen) < 0 || v == 0) {
		snprintf(err, errlen, "bad port '%s' (want 1 to 65535)", s);
		return -1;
	}
	*out = (uint16_t)v;
	return 0;
}

int parse_bool(const char *s, int *out, char *err, size_t errlen)
{
	static const char *yes[] = {"yes", "true", "on", "1"};
	static const char *no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i]) || !strcasecmp(s, no[i])) {
			*out = !strcasecmp(s, yes[i]);
			return 0;
		}
	}
	snprintf(err, errlen, "bad boolean '%s' (want yes or no)", s);
	return -1;
}

int parse_name(const char *s, char *err, size_t errlen)
{
	size_t len = strlen(s);

	if (len == 0 || len > NAME_MAX_LEN)
		goto bad;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
			goto bad;
	return 0;
bad:
	snprintf(err, errlen, "bad name '%s' (1 to %d of A-Z a-z 0-9 _ . -)", s, NAME_MAX_LEN);
	return -1;
}

int parse_list_next(const char **cursor, char *buf, size_t buflen)
{
	const char *p = *cursor, *end;
	size_t len;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return 0;
	end = strchr(p, ',');
	if (!end)
		end = p + strlen(p);
	*cursor = *end ? end + 1 : end;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	len = (size_t)(end - p);
	if (len == 0 || len >= buflen)
		return -1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return 1;
}

void format_duration(uint32_t secs, char *buf, size_t buflen)
{
	if (secs && secs % 3600 == 0)
		snprintf(buf, buflen, "%uh", secs / 3600);
	else if (secs && secs % 60 == 0)
		snprintf(buf, buflen, "%um", secs / 60);
	else
		snprintf(buf, buflen, "%us", secs);
}
