/* Value parsers for knockd.conf keys: each fills one field or explains the bad value. */
#include "config_values.h"

#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int value_string(char *dst, size_t dstlen, const char *v, char *err, size_t errlen)
{
	if (!*v || strlen(v) >= dstlen) {
		snprintf(err, errlen, "value '%s' is empty or longer than %zu characters", v,
			 dstlen - 1);
		return -1;
	}
	strcpy(dst, v);
	return 0;
}

int value_path(char *dst, size_t dstlen, const char *v, char *err, size_t errlen)
{
	if (v[0] != '/') {
		snprintf(err, errlen, "path '%s' is not absolute", v);
		return -1;
	}
	return value_string(dst, dstlen, v, err, errlen);
}

int value_backend(int *out, const char *v, char *err, size_t errlen)
{
	static const char *names[] = {"auto", "iptables", "nftables"};

	for (int i = 0; i < 3; i++) {
		if (!strcmp(v, names[i])) {
			*out = i;
			return 0;
		}
	}
	snprintf(err, errlen, "bad backend '%s' (want auto, iptables or nftables)", v);
	return -1;
}

int value_nft_table(char *dst, size_t dstlen, const char *v, char *err, size_t errlen)
{
	char fam[16], name[64];

	if (sscanf(v, "%15s %63s", fam, name) != 2 ||
	    (strcmp(fam, "inet") && strcmp(fam, "ip") && strcmp(fam, "ip6"))) {
		snprintf(err, errlen, "bad nft_table '%s' (want FAMILY NAME, e.g. inet filter)", v);
		return -1;
	}
	return value_string(dst, dstlen, v, err, errlen);
}

int value_duration_range(uint32_t *out, const char *v, uint32_t min, uint32_t max, char *err,
			 size_t errlen)
{
	char lo[16], hi[16];

	if (parse_duration(v, out, err, errlen) < 0)
		return -1;
	if (*out < min || *out > max) {
		format_duration(min, lo, sizeof(lo));
		format_duration(max, hi, sizeof(hi));
		snprintf(err, errlen, "duration '%s' is out of range (%s to %s)", v, lo, hi);
		return -1;
	}
	return 0;
}

int value_size_range(uint32_t *out, const char *v, uint32_t min, uint32_t max, char *err,
		     size_t errlen)
{
	uint64_t x;

	if (parse_size(v, &x, err, errlen) < 0)
		return -1;
	if (x < min || x > max) {
		snprintf(err, errlen, "size '%s' is out of range (%uk to %um)", v, min >> 10,
			 max >> 20);
		return -1;
	}
	*out = (uint32_t)x;
	return 0;
}

int value_direction(int *out, const char *v, char *err, size_t errlen)
{
	if (!strcmp(v, "in") || !strcmp(v, "out") || !strcmp(v, "forward")) {
		*out = !strcmp(v, "in") ? DIR_IN : !strcmp(v, "out") ? DIR_OUT : DIR_FWD;
		return 0;
	}
	snprintf(err, errlen, "bad direction '%s' (want in, out or forward)", v);
	return -1;
}

int value_protocol(int *out, const char *v, char *err, size_t errlen)
{
	if (!strcmp(v, "tcp") || !strcmp(v, "udp")) {
		*out = !strcmp(v, "tcp") ? IPPROTO_TCP : IPPROTO_UDP;
		return 0;
	}
	snprintf(err, errlen, "bad protocol '%s' (want tcp or udp)", v);
	return -1;
}

int value_port_list(uint16_t *ports, int max, int *n, const char *v, char *err, size_t errlen)
{
	const char *cur = v;
	char item[16];
	int r;

	*n = 0;
	while ((r = parse_list_next(&cur, item, sizeof(item))) > 0) {
		if (*n == max) {
			snprintf(err, errlen, "more than %d ports in '%s'", max, v);
			return -1;
		}
		if (parse_port(item, &ports[*n], err, errlen) < 0)
			return -1;
		(*n)++;
	}
	if (r < 0 || !*n) {
		snprintf(err, errlen, "bad port list '%s'", v);
		return -1;
	}
	return 0;
}

static int prefix_parse(const char *s, struct prefix *out)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	unsigned long len;
	char *end;
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);

	if (alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (addr_parse(buf, &out->addr) < 0)
		return -1;
	len = out->addr.family == 4 ? 32 : 128;
	if (slash) {
		unsigned long max = len;

		len = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || len > max)
			return -1;
	}
	out->len = (uint8_t)len;
	return 0;
}

int value_prefix_list(struct prefix *p, int max, int *n, const char *v, char *err, size_t errlen)
{
	const char *cur = v;
	char item[64];
	int r;

	*n = 0;
	while ((r = parse_list_next(&cur, item, sizeof(item))) > 0) {
		if (*n == max || prefix_parse(item, &p[*n]) < 0) {
			snprintf(err, errlen, "bad address '%s' (want at most %d of ADDR[/LEN])",
				 item, max);
			return -1;
		}
		(*n)++;
	}
	if (r < 0 || !*n) {
		snprintf(err, errlen, "bad address list '%s'", v);
		return -1;
	}
	return 0;
}

int value_prefix(struct prefix *p, const char *v, char *err, size_t errlen)
{
	if (prefix_parse(v, p) == 0)
		return 0;
	snprintf(err, errlen, "bad address '%s' (want one ADDR[/LEN], IPv4 or IPv6)", v);
	return -1;
}

static int seq_step(struct seq_step *s, char *item, char *err, size_t errlen)
{
	char *colon = strchr(item, ':');

	s->protocol = IPPROTO_TCP;
	if (colon) {
		*colon = '\0';
		if (value_protocol(&s->protocol, colon + 1, err, errlen) < 0)
			return -1;
	}
	return parse_port(item, &s->port, err, errlen);
}

int value_seq_steps(struct seq_step *s, int max, int *n, const char *v, char *err, size_t errlen)
{
	const char *cur = v;
	char item[32];
	int r;

	*n = 0;
	while ((r = parse_list_next(&cur, item, sizeof(item))) > 0) {
		if (*n == max) {
			snprintf(err, errlen, "more than %d knocks in '%s'", max, v);
			return -1;
		}
		if (seq_step(&s[*n], item, err, errlen) < 0)
			return -1;
		(*n)++;
	}
	if (r < 0 || *n < 2) {
		snprintf(err, errlen, "bad knock list '%s' (want 2 or more PORT[:tcp|udp])", v);
		return -1;
	}
	return 0;
}

int value_time_of_day(int *minute_of_day, const char *v, char *err, size_t errlen)
{
	unsigned h, m;
	char tail;

	if (sscanf(v, "%2u:%2u%c", &h, &m, &tail) != 2 || h > 23 || m > 59 || strlen(v) != 5) {
		snprintf(err, errlen, "bad time '%s' (want HH:MM, 00:00 to 23:59)", v);
		return -1;
	}
	*minute_of_day = (int)(h * 60 + m);
	return 0;
}

int value_days(uint8_t *days, const char *v, char *err, size_t errlen)
{
	static const char *names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
	const char *cur = v;
	char item[8];
	int r, i;

	*days = 0;
	while ((r = parse_list_next(&cur, item, sizeof(item))) > 0) {
		for (i = 0; i < 7 && strcasecmp(item, names[i]); i++)
			;
		if (i == 7)
			break;
		*days |= (uint8_t)(1u << i);
	}
	if (r != 0 || !*days) {
		snprintf(err, errlen, "bad days '%s' (want a list of mon,tue,wed,thu,fri,sat,sun)",
			 v);
		return -1;
	}
	return 0;
}

int value_port_range(uint16_t *base, uint16_t *count, const char *v, char *err, size_t errlen)
{
	char lo[8], hi[8], tail;
	uint16_t a, b;

	if (sscanf(v, "%7[0-9]-%7[0-9]%c", lo, hi, &tail) != 2 ||
	    parse_port(lo, &a, err, errlen) < 0 || parse_port(hi, &b, err, errlen) < 0 || b < a ||
	    b - a + 1 < 16) {
		snprintf(err, errlen, "bad port range '%s' (want LOW-HIGH, 16 ports or more)", v);
		return -1;
	}
	*base = a;
	*count = (uint16_t)(b - a + 1);
	return 0;
}

int value_seq_length(int *out, const char *v, char *err, size_t errlen)
{
	unsigned long n;

	if (parse_uint(v, 8, &n, err, errlen) < 0 || n < 2) {
		snprintf(err, errlen, "bad sequence_length '%s' (want 2 to 8)", v);
		return -1;
	}
	*out = (int)n;
	return 0;
}

/* A name is resolved through NSS now, when the configuration loads: a user that does not
 * exist is an error here, not a rule that silently matches nobody. */
int value_owner(struct door *d, const char *v, char *err, size_t errlen)
{
	char buf[4096], *end;
	struct passwd pw, *res = NULL;
	unsigned long uid = strtoul(v, &end, 10);

	if (*v >= '0' && *v <= '9' && !*end && uid < 0xffffffffUL) {
		d->owner_uid = (uint32_t)uid;
		if (getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) || !res ||
		    strlen(res->pw_name) >= sizeof(d->owner_name))
			snprintf(d->owner_name, sizeof(d->owner_name), "%lu", uid);
		else
			strcpy(d->owner_name, res->pw_name);
		d->has_owner = 1;
		return 0;
	}
	if (!*v || strlen(v) >= sizeof(d->owner_name) ||
	    getpwnam_r(v, &pw, buf, sizeof(buf), &res) || !res) {
		snprintf(err, errlen, "owner '%s': no such user (want a user name or a uid)", v);
		return -1;
	}
	d->owner_uid = (uint32_t)res->pw_uid;
	strcpy(d->owner_name, v);
	d->has_owner = 1;
	return 0;
}
