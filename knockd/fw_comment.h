/*
 * The rule comment that names a grant inside the kernel, written by every backend and read
 * back at start-up (reconcile, adoption):
 * "knockd id=17 door=ssh addr=192.0.2.10 exp=1790000000", with " reply" on a grant's
 * reply-direction companion rule. Pure.
 */
#ifndef KNOCKD_FW_COMMENT_H
#define KNOCKD_FW_COMMENT_H

#include <stddef.h>

#include "fw.h"

void fw_comment_format(char *buf, size_t len, const struct fw_rule *r, int reply);
/* 0, or -1 if s is not one of our comments. */
int fw_comment_parse(const char *s, struct fw_found *out);

#endif
