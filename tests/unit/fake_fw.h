/*
 * The fake firewall backend promised by knockd/fw.h: keeps our rules in memory, one entry
 * per grant id, and fails on demand, so that unit tests (and fuzzers) can drive the daemon's
 * whole grant path without root or a kernel.
 */
#ifndef KNOCK_FAKE_FW_H
#define KNOCK_FAKE_FW_H

#include <stddef.h>
#include <stdint.h>

#include "fw.h"

#define FAKE_FW_MAX 4096

enum fake_fw_fail {
	FAKE_FW_OK,      /* every commit succeeds */
	FAKE_FW_FIRST,   /* the next commit fails, then back to FAKE_FW_OK */
	FAKE_FW_ALWAYS,  /* every commit fails */
	FAKE_FW_DELETES, /* every commit that deletes a rule fails (nothing of it applied) */
};

struct fake_fw_rule {
	uint32_t id;
	char door[NAME_MAX_LEN + 1];
	int direction;
	struct addr addr;
	int64_t deadline;
};

struct fake_fw {
	struct fake_fw_rule r[FAKE_FW_MAX];
	size_t n;
	int fail;         /* enum fake_fw_fail */
	int lose;         /* the next good commit finds our chains gone (a ruleset reload) */
	unsigned fail_in; /* > 0: the commit that many from now fails (1: the next one) */
	unsigned commits; /* commit calls, including empty and failed ones */
	unsigned failed;  /* of which failed */
	unsigned misuse;  /* a "fresh" add of an id already present, a table overflow */
	unsigned changes; /* changes applied by successful commits */
};

extern const struct fw_backend fake_fw_backend;

/* Makes fw use f (emptied). */
void fake_fw_attach(struct fw *fw, struct fake_fw *f);
const struct fake_fw_rule *fake_fw_find(const struct fake_fw *f, uint32_t id);

#endif
