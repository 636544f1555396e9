/*
 * The packet parser: the unprivileged child. Captures -> frames -> tokens and knocks ->
 * grant requests to the rule writer over the privsep channel. It holds the client keys;
 * the rule writer does not.
 */
#ifndef KNOCKD_PARSER_H
#define KNOCKD_PARSER_H

#include "config.h"
#include "privsep.h"
#include "seq.h"
#include "sniff.h"
#include "verify.h"

#define MAX_IFACES     8
#define MAX_PARSER_FDS (MAX_IFACES + 1) /* the captures and the channel */

/*
 * What the next packet parser starts with (start-up, reload): the rule writer builds it,
 * daemon_spawn() hands it to the child and the writer drops its copies, so between spawns
 * it is empty.
 */
struct parser_stage {
	struct verifier ver;
	struct seq_engine seq;
	struct sniff sniffs[MAX_IFACES];
	int nsniffs;
	int replay_fd; /* state_dir/replay, append-only */
};

struct parser_ratelimit {
	int64_t window;
	unsigned lines;
	uint64_t suppressed;
};

/* Tokens no client's key explains: one line per 10 s, with how many since the last line. */
struct parser_hintlog {
	int64_t last_line; /* wall-clock second of the last line, 0 = none yet */
	uint64_t count;    /* unknown-hint tokens since that line, this one included */
};

struct parser {
	const struct config *cfg;
	struct verifier *ver;
	struct seq_engine *seq;
	struct sniff *sniffs;
	int nsniffs;
	int chan;      /* to the rule writer */
	int replay_fd; /* state_dir/replay, append-only */
	struct ps_stats st;
	struct parser_ratelimit rl;
	struct parser_hintlog hl;
};

/* Runs until the rule writer closes the channel. Returns the exit status. */
int parser_run(struct parser *p);
/* PS_RELOAD with its descriptors (parser_reload.c): swaps in the new configuration, keys
 * and captures, or keeps the old; answers PS_RELOADED either way. Closes every fd. */
void parser_reload(struct parser *p, const struct ps_msg *m, int *fds, int nfds);

#endif
