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

/*
 * The parts a commit writes one after the other, as the libiptc backend does (one
 * iptc_commit per family and table, nat before filter, IPv4 before IPv6).
 */
enum fake_fw_part { FAKE_V4_NAT, FAKE_V4_FILTER, FAKE_V6_NAT, FAKE_V6_FILTER, FAKE_NPARTS };

struct fake_fw_rule {
	uint32_t id;
	unsigned parts;                 /* bit p: part p holds its rules */
	int64_t pdeadline[FAKE_NPARTS]; /* the deadline of its rules in each part */
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
	int fail_part;    /* > 0: the next commit writing part fail_part - 1 fails there, after
			     the parts before it were written (then back to 0) */
	unsigned commits; /* commit calls, including empty and failed ones */
	unsigned failed;  /* of which failed */
	unsigned misuse;  /* a "fresh" add of an id already present, a table overflow */
	unsigned changes; /* changes applied by successful commits */
};

extern const struct fw_backend fake_fw_backend;

/* Makes fw use f (emptied). */
void fake_fw_attach(struct fw *fw, struct fake_fw *f);
const struct fake_fw_rule *fake_fw_find(const struct fake_fw *f, uint32_t id);
/* Whether every part holding rules of id has them with this deadline (and some part does). */
int fake_fw_whole(const struct fake_fw *f, uint32_t id, int64_t deadline);

#endif
