/* The gate's state, shared by gate.c and gate_watch.c only. */
#ifndef KNOCKD_GATE_INT_H
#define KNOCKD_GATE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Newer than the headers Debian 12 builds with: Linux 6.9's table flag, 6.3's message. */
#define GATE_F_PERSIST          0x4u
#define GATE_MSG_DESTROYSETELEM 30

struct mnl_socket;
struct mnl_nlmsg_batch;
struct gate_grant;
struct door;

/* A live grant of an out door (gate_out.c), by id. */
struct gate_out {
	uint32_t id;
	char door[NAME_MAX_LEN + 1];
	int64_t deadline_ms;
};

struct gate {
	struct mnl_socket *nl; /* writes the table, and owns it when locked */
	struct mnl_socket *ev; /* subscribed to the nftables events */
	uint32_t portid, seq;
	uint32_t pid;     /* the writer's: its own batches are not watched */
	int locked;       /* the table has the owner and persist flags */
	int nolock;       /* the kernel refused them: not asked again */
	int nodestroy;    /* the kernel lacks DESTROYSETELEM: grant changes go by sync */
	int dirty;        /* the kernel may not hold what the daemon does: sync */
	int synced;       /* written whole once: grant changes can go by element */
	int errtype;      /* the type of the message the kernel refused last */
	size_t begin_len; /* the batch's size after its begin message */
	int changed;      /* the last batch sent held a change (the generation moved by one) */
	char *buf;
	size_t cap;
	struct gate_out *out; /* the out doors' live grants */
	size_t nout, capout;
};

int gate_watch_open(struct gate *g);
/* Out doors (gate_out.c): tracks a grant (or its end); -1 out of memory. */
int gate_out_track(struct gate *g, const struct gate_grant *gg, int del);
void gate_out_reset(struct gate *g);
/* The door's port elements: each port with the door's latest grant deadline, none if no
 * grant lives (destroy: delete the old ones first). */
int gate_out_emit(struct gate *g, struct mnl_nlmsg_batch *b, const struct door *d, int64_t now_ms,
		  int destroy);

#endif
