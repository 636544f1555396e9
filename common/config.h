/* The server configuration (knockd.conf): types, loading and validation. */
#ifndef KNOCK_CONFIG_H
#define KNOCK_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "keys.h"
#include "parse.h"

#define CONFIG_MAX_DOORS       32 /* a client's doors are a 32-bit mask */
#define DOOR_MAX_PORTS         15 /* what one multiport match takes */
#define DOOR_MAX_DESTS         8
#define GATE_MAX_EXEMPT        16 /* exempt = CIDR,... (per door and in [knockd]) */
#define SEQ_MAX_STEPS          16
#define CONFIG_MAX_STATIC_SEQS 16
#define DEFAULT_SPA_PORT       62201
/* capture_buffer: each capture socket's receive queue, in bytes (knockd.conf(5) says why) */
#define CAPTURE_BUFFER_DEFAULT (8u << 20)
#define CAPTURE_BUFFER_MIN     (64u << 10)
#define CAPTURE_BUFFER_MAX     (64u << 20)

enum backend { BACKEND_AUTO, BACKEND_IPTABLES, BACKEND_NFTABLES };
enum direction { DIR_IN, DIR_OUT, DIR_FWD };

struct prefix {
	struct addr addr;
	uint8_t len;
};

struct door {
	char name[NAME_MAX_LEN + 1];
	int direction;
	int protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t ports[DOOR_MAX_PORTS];
	int nports;
	uint32_t ttl, max_ttl;
	struct prefix dests[DOOR_MAX_DESTS];
	int ndests;
	struct prefix to;  /* direction = forward: the inner host (addr.family 0: not set) */
	uint16_t nat_port; /* forward: DNAT this gateway port to to:ports[0] (0: none) */
	/* direction = out, owner = USER|UID: only sockets of this uid (resolved at load) */
	int has_owner;
	uint32_t owner_uid;
	char owner_name[NAME_MAX_LEN + 1];     /* as written, or the uid's name */
	struct prefix exempt[GATE_MAX_EXEMPT]; /* sources (out: destinations) the gate lets by */
	int nexempt;
	int line, to_line, nat_line, owner_line;
	int file; /* where it was defined: config_file_name() */
};

struct client {
	char name[NAME_MAX_LEN + 1];
	uint8_t pk[KEY_PUBLIC_LEN];
	uint32_t doors; /* bit i = config doors[i] */
	int sequence, nat;
	int line, pk_line, doors_line;
	int file;
	char doors_text[256]; /* resolved after the whole file is read */
};

struct seq_step {
	uint16_t port;
	int protocol;
};

struct static_seq {
	char name[NAME_MAX_LEN + 1];
	struct seq_step steps[SEQ_MAX_STEPS];
	int nsteps;
	uint32_t timeout;
	uint32_t doors;
	int line, doors_line;
	int file;
	char doors_text[256];
};

struct window {
	char name[NAME_MAX_LEN + 1];
	uint32_t doors;
	int minute_of_day; /* "at", local time */
	uint8_t days;      /* bit 0 = Sunday ... bit 6 = Saturday */
	uint32_t duration;
	int line, doors_line;
	int file;
	char doors_text[256];
};

struct config {
	char file[PATH_MAX];
	char interfaces[256];
	char private_key[PATH_MAX];
	uint16_t spa_port;
	int backend;
	char nft_table[64], nft_input_chain[64], nft_output_chain[64], nft_forward_chain[64];
	char state_dir[PATH_MAX];
	char control_socket[PATH_MAX];
	uint32_t replay_window;
	uint32_t max_grants;
	uint32_t capture_buffer;               /* bytes per interface */
	uint16_t seq_base, seq_count;          /* sequence_ports: the watched range */
	int seq_len;                           /* sequence_length */
	int seq_line;                          /* the later of their lines, 0 = both defaults */
	uint32_t seq_timeout;                  /* sequence_timeout */
	struct prefix exempt[GATE_MAX_EXEMPT]; /* [knockd] exempt: for every door */
	int nexempt;
	int gate_lock;          /* own the gate table (owner+persist flags) where the kernel can */
	char include[PATH_MAX]; /* drop-in files: DIR/PATTERN, "" = none */
	int include_line;
	int interfaces_line; /* 0: not set (the default, any) */
	char **files;        /* [0] the main file, then each drop-in read (config_load only) */
	size_t nfiles;

	struct door doors[CONFIG_MAX_DOORS];
	size_t ndoors;
	struct client *clients;
	size_t nclients;
	struct static_seq *seqs;
	size_t nseqs;
	struct window *windows;
	size_t nwindows;
};

/* c emptied, with every default; file names it. config_parse/config_load (config_load.h)
 * start with this and end with config_validate. */
void config_defaults(struct config *c, const char *file);
/* The whole file's checks; on error fills err with "file:line: reason". */
int config_validate(struct config *c, char *err, size_t errlen) __attribute__((warn_unused_result));
/* The file an entity's `file` index names. */
const char *config_file_name(const struct config *c, int file);
void config_free(struct config *c);

int config_door_index(const struct config *c, const char *name);
const char *config_backend_name(int backend);

#endif
