/* The gate's state, shared by gate.c and gate_watch.c only. */
#ifndef KNOCKD_GATE_INT_H
#define KNOCKD_GATE_INT_H

#include <stddef.h>
#include <stdint.h>

/* Newer than the headers Debian 12 builds with: Linux 6.9's table flag, 6.3's message. */
#define GATE_F_PERSIST          0x4u
#define GATE_MSG_DESTROYSETELEM 30

struct mnl_socket;

struct gate {
	struct mnl_socket *nl; /* writes the table, and owns it when locked */
	struct mnl_socket *ev; /* subscribed to the nftables events */
	uint32_t portid, seq;
	uint32_t pid;  /* the writer's: its own batches are not watched */
	int locked;    /* the table has the owner and persist flags */
	int nolock;    /* the kernel refused them: not asked again */
	int nodestroy; /* the kernel lacks DESTROYSETELEM: grant changes go by sync */
	int dirty;     /* the kernel may not hold what the daemon does: sync */
	int synced;    /* written whole once: grant changes can go by element */
	int errtype;   /* the type of the message the kernel refused last */
	char *buf;
	size_t cap;
};

int gate_watch_open(struct gate *g);

#endif
