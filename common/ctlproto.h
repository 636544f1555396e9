/*
 * The knockctl <-> knockd control protocol: one request line, then "OK" or "ERR reason" and
 * a body, then the server closes. Pure parsing and formatting, shared by both sides.
 *   list | status | flush | reload | revoke ID | open DOOR [ttl=SECONDS] [addr=IP]   [json]
 */
#ifndef KNOCK_CTLPROTO_H
#define KNOCK_CTLPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "parse.h"

#define CTL_LINE_MAX 256

enum ctl_verb { CTL_LIST, CTL_STATUS, CTL_FLUSH, CTL_REVOKE, CTL_OPEN, CTL_RELOAD };

struct ctl_request {
	int verb;
	int json;
	uint32_t id;                 /* revoke */
	char door[NAME_MAX_LEN + 1]; /* open */
	uint32_t ttl;                /* open: 0 = the door's default */
	struct addr addr;            /* open: family 0 = none given */
};

/* Parses one request line (without the newline). Returns 0, or -1 with a reason. */
int ctl_parse(const char *line, struct ctl_request *r, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Formats a request as a line (with the newline). */
int ctl_format(const struct ctl_request *r, char *buf, size_t len);

#endif
