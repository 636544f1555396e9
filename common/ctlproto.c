/*
 * The knockctl <-> knockd control protocol: one request line, then "OK" or "ERR reason" and
 * a body, then the server closes. Pure parsing and formatting, shared by both sides.
 */
#include "ctlproto.h"

#include <stdio.h>
#include <string.h>

#include "ttlrule.h"

static const char *const verbs[] = {"list", "status", "flush", "revoke", "open", "reload"};

static int parse_arg(struct ctl_request *r, const char *tok, char *err, size_t errlen)
{
	unsigned long v;

	if (!strcmp(tok, "json")) {
		r->json = 1;
	} else if (r->verb == CTL_OPEN && !strncmp(tok, "ttl=", 4)) {
		if (parse_uint(tok + 4, TTL_LIMIT, &v, err, errlen) < 0)
			return -1;
		r->ttl = (uint32_t)v;
	} else if (r->verb == CTL_OPEN && !strncmp(tok, "addr=", 5)) {
		if (addr_parse(tok + 5, &r->addr) < 0) {
			snprintf(err, errlen, "bad address '%s'", tok + 5);
			return -1;
		}
	} else if (r->verb == CTL_OPEN && !r->door[0]) {
		if (parse_name(tok, err, errlen) < 0)
			return -1;
		strcpy(r->door, tok);
	} else if (r->verb == CTL_REVOKE && !r->id) {
		if (parse_uint(tok, UINT32_MAX, &v, err, errlen) < 0 || !v) {
			snprintf(err, errlen, "bad grant id '%s'", tok);
			return -1;
		}
		r->id = (uint32_t)v;
	} else {
		snprintf(err, errlen, "unexpected '%s'", tok);
		return -1;
	}
	return 0;
}

int ctl_parse(const char *line, struct ctl_request *r, char *err, size_t errlen)
{
	char buf[CTL_LINE_MAX], *save = NULL, *tok;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (strlen(line) >= sizeof(buf)) {
		snprintf(err, errlen, "request too long");
		return -1;
	}
	strcpy(buf, line);
	tok = strtok_r(buf, " ", &save);
	for (i = 0; tok && i < sizeof(verbs) / sizeof(verbs[0]) && strcmp(tok, verbs[i]); i++)
		;
	if (!tok || i == sizeof(verbs) / sizeof(verbs[0])) {
		snprintf(err, errlen, "unknown request '%s'", tok ? tok : "");
		return -1;
	}
	r->verb = (int)i;
	while ((tok = strtok_r(NULL, " ", &save)))
		if (parse_arg(r, tok, err, errlen) < 0)
			return -1;
	if ((r->verb == CTL_OPEN && !r->door[0]) || (r->verb == CTL_REVOKE && !r->id)) {
		snprintf(err, errlen, "%s needs %s", verbs[r->verb],
			 r->verb == CTL_OPEN ? "a door" : "a grant id");
		return -1;
	}
	return 0;
}

int ctl_format(const struct ctl_request *r, char *buf, size_t len)
{
	char a[ADDR_STRLEN];
	int n = snprintf(buf, len, "%s", verbs[r->verb]);

	if (r->verb == CTL_REVOKE)
		n += snprintf(buf + n, len - (size_t)n, " %u", r->id);
	if (r->verb == CTL_OPEN) {
		n += snprintf(buf + n, len - (size_t)n, " %s", r->door);
		if (r->ttl)
			n += snprintf(buf + n, len - (size_t)n, " ttl=%u", r->ttl);
		if (r->addr.family) {
			addr_format(&r->addr, a, sizeof(a));
			n += snprintf(buf + n, len - (size_t)n, " addr=%s", a);
		}
	}
	n += snprintf(buf + n, len - (size_t)n, "%s\n", r->json ? " json" : "");
	return (n > 0 && (size_t)n < len) ? 0 : -1;
}
