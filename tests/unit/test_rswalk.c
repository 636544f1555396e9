/*
 * The ruleset probes' jump walk (rswalk.h) on hand-built rulesets: the layouts of legacy ufw
 * (ESTABLISHED accepted in a user chain) and firewalld's iptables backend (a drop three jumps
 * deep), cycles, depth and size bounds, a chain that cannot be read.
 */
#include <stdio.h>
#include <string.h>

#include "rswalk.h"
#include "tap.h"

struct row {
	const char *chain;
	unsigned what;
	const char *jump;
};

struct ruleset {
	const struct row *rows;
	size_t n;
	int reads;
	const char *fail; /* reading this chain fails */
};

static int read_rows(struct rswalk *w, const char *chain, void *ctx)
{
	struct ruleset *rs = ctx;

	rs->reads++;
	if (rs->fail && !strcmp(chain, rs->fail))
		return -1;
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->rows[i].chain, chain))
			rswalk_rule(w, rs->rows[i].what, rs->rows[i].jump);
	return 0;
}

#define RS(rows)                                                                                   \
	{                                                                                          \
		rows, sizeof(rows) / sizeof(rows[0]), 0, NULL                                      \
	}

/* ufw on legacy iptables: INPUT only jumps; ufw-before-input accepts ESTABLISHED. */
static const struct row ufw[] = {
    {"INPUT", 0, "ufw-before-logging-input"},
    {"INPUT", 0, "ufw-before-input"},
    {"INPUT", 0, "ufw-after-input"},
    {"ufw-before-input", 0, NULL}, /* -i lo -j ACCEPT */
    {"ufw-before-input", RSWALK_ESTABLISHED, NULL},
    {"ufw-before-input", RSWALK_DROP, NULL}, /* --ctstate INVALID -j DROP */
    {"ufw-before-input", 0, "ufw-user-input"},
    {"ufw-user-input", 0, NULL}, /* --dport 22 -j ACCEPT */
    {"ufw-after-input", 0, "ufw-skip-to-policy-input"},
};

/* firewalld's iptables backend: the drop is in IN_public_deny, three jumps below INPUT. */
static const struct row firewalld[] = {
    {"INPUT", RSWALK_ESTABLISHED, NULL},   {"INPUT", 0, "INPUT_direct"},
    {"INPUT", 0, "INPUT_ZONES"},           {"INPUT_ZONES", 0, "IN_public"},
    {"IN_public", 0, "IN_public_pre"},     {"IN_public", 0, "IN_public_log"},
    {"IN_public", 0, "IN_public_deny"},    {"IN_public", 0, "IN_public_allow"},
    {"IN_public_deny", RSWALK_DROP, NULL},
};

/* The same without the drop: nothing drops. */
static const struct row firewalld_open[] = {
    {"INPUT", 0, "INPUT_ZONES"},
    {"INPUT_ZONES", 0, "IN_public"},
    {"IN_public", 0, "IN_public_allow"},
};

/* A cycle A -> B -> A, and B -> C, which accepts ESTABLISHED. */
static const struct row cycle[] = {
    {"A", 0, "B"},
    {"B", 0, "A"},
    {"B", 0, "C"},
    {"C", RSWALK_ESTABLISHED, NULL},
};

static char names[400][16];
static struct row deep[400];

/* c0 -> c1 -> ... -> c<len>, a drop in the last one. */
static struct ruleset chain_of(int len)
{
	for (int i = 0; i <= len; i++) {
		snprintf(names[i], sizeof(names[i]), "c%d", i);
		deep[i] = (struct row){names[i], 0, NULL};
	}
	for (int i = 0; i < len; i++)
		deep[i].jump = names[i + 1];
	deep[len].what = RSWALK_DROP;
	return (struct ruleset){deep, (size_t)len + 1, 0, NULL};
}

/* c0 jumps to n chains, the last of which drops. */
static struct ruleset fan_of(int n)
{
	for (int i = 0; i < n; i++) {
		snprintf(names[i + 1], sizeof(names[i + 1]), "c%d", i + 1);
		deep[i] = (struct row){"c0", 0, names[i + 1]};
	}
	deep[n] = (struct row){names[n], RSWALK_DROP, NULL};
	return (struct ruleset){deep, (size_t)n + 1, 0, NULL};
}

static void layouts(void)
{
	struct rswalk w;
	struct ruleset rs = RS(ufw), fd = RS(firewalld), fo = RS(firewalld_open), cy = RS(cycle);
	int r;

	ok(rswalk_run(&w, "INPUT", read_rows, &rs) == 0 && w.established,
	   "legacy ufw: the ESTABLISHED accept in ufw-before-input is found");
	ok(w.drops && !strcmp(w.drop_chain, "ufw-before-input") && !w.truncated,
	   "... and its INVALID drop, in ufw-before-input (got '%s')", w.drop_chain);
	ok(rs.reads == 6, "... each of the 6 chains read once (read %d)", rs.reads);
	ok(rswalk_run(&w, "INPUT", read_rows, &fd) == 0 && w.drops,
	   "firewalld (iptables backend): the drop three jumps deep is found");
	ok(!strcmp(w.drop_chain, "IN_public_deny"), "... in IN_public_deny (got '%s')",
	   w.drop_chain);
	ok(rswalk_run(&w, "INPUT", read_rows, &fo) == 0 && !w.drops && !w.established,
	   "the same layout without the drop: neither drops nor accepts established");
	r = rswalk_run(&w, "A", read_rows, &cy);
	ok(r == 0 && w.established && cy.reads == 3,
	   "a cycle A -> B -> A ends: 3 chains read (%d), C's accept found", cy.reads);
}

static void bounds(void)
{
	struct rswalk w;
	int r;
	struct ruleset rs = chain_of(RSWALK_DEPTH);

	ok(rswalk_run(&w, "c0", read_rows, &rs) == 0 && w.drops && !w.truncated &&
	       !strcmp(w.drop_chain, names[RSWALK_DEPTH]),
	   "a drop %d jumps deep is found (in %s)", RSWALK_DEPTH, w.drop_chain);
	rs = chain_of(RSWALK_DEPTH + 1);
	deep[RSWALK_DEPTH + 1].what = 0; /* nothing drops: only the bound can say so */
	r = rswalk_run(&w, "c0", read_rows, &rs);
	ok(r == 0 && w.truncated && w.drops,
	   "%d jumps deep: the walk stops and counts as dropping (cannot tell)", RSWALK_DEPTH + 1);
	ok(rs.reads == RSWALK_DEPTH + 1, "... after reading %d chains (%d)", RSWALK_DEPTH + 1,
	   rs.reads);
	rs = fan_of(RSWALK_CHAINS + 10);
	deep[RSWALK_CHAINS + 10].what = 0;
	r = rswalk_run(&w, "c0", read_rows, &rs);
	ok(r == 0 && w.truncated && w.drops && rs.reads == RSWALK_CHAINS,
	   "%d chains: %d read, the walk counts as dropping", RSWALK_CHAINS + 11, rs.reads);
	rs = fan_of(100);
	ok(rswalk_run(&w, "c0", read_rows, &rs) == 0 && !w.truncated && w.drops &&
	       !strcmp(w.drop_chain, "c100"),
	   "positive control: 101 chains are all read, the drop in c100 found");
	rs = (struct ruleset)RS(firewalld);
	rs.fail = "IN_public";
	ok(rswalk_run(&w, "INPUT", read_rows, &rs) < 0 && w.drops,
	   "a chain that cannot be read: -1, and counts as dropping");
}

int main(void)
{
	layouts();
	bounds();
	return tap_done();
}
