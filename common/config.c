/*
 * knockd.conf: defaults, whole-file validation (references between sections, required
 * keys, duplicates) and look-ups. Pure. Reading and parsing are config_load.c's.
 */
#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"
#include "seqcost.h"
#include "seqgen.h"

int config_door_index(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->ndoors; i++)
		if (!strcmp(c->doors[i].name, name))
			return (int)i;
	return -1;
}

const char *config_backend_name(int backend)
{
	switch (backend) {
	case BACKEND_IPTABLES:
		return "iptables";
	case BACKEND_NFTABLES:
		return "nftables";
	}
	return "auto";
}

void config_defaults(struct config *c, const char *file)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->file, sizeof(c->file), "%s", file);
	strcpy(c->interfaces, "any");
	strcpy(c->private_key, "/etc/knockd/server.key");
	c->spa_port = DEFAULT_SPA_PORT;
	c->backend = BACKEND_AUTO;
	strcpy(c->nft_table, "inet filter");
	strcpy(c->nft_input_chain, "input");
	strcpy(c->nft_output_chain, "output");
	strcpy(c->nft_forward_chain, "forward");
	strcpy(c->state_dir, "/var/lib/knockd");
	strcpy(c->control_socket, "/run/knockd.sock");
	c->replay_window = 60;
	c->max_grants = 16384;
	c->capture_buffer = CAPTURE_BUFFER_DEFAULT;
	c->seq_base = SEQ_DEFAULT_BASE;
	c->seq_count = SEQ_DEFAULT_COUNT;
	c->seq_len = SEQ_DEFAULT_LEN;
	c->seq_timeout = 10;
	c->gate_lock = 1;
}

static int resolve_doors(const struct config *c, int file, const char *text, int line,
			 uint32_t *mask, char *err, size_t errlen)
{
	const char *cur = text;
	char name[64];
	int r, i;

	*mask = 0;
	while ((r = parse_list_next(&cur, name, sizeof(name))) > 0) {
		i = config_door_index(c, name);
		if (i < 0) {
			cfg_errorf(err, errlen, config_file_name(c, file), line,
				   "door '%s' is not defined", name);
			return -1;
		}
		*mask |= 1u << i;
	}
	if (r < 0 || !*mask) {
		cfg_errorf(err, errlen, config_file_name(c, file), line, "bad door list '%s'",
			   text);
		return -1;
	}
	return 0;
}

/* to and nat_port belong to forward doors; DNAT needs one inner address and one port. */
static int validate_forward(struct config *c, const struct door *d, char *err, size_t errlen)
{
	int fwd = d->direction == DIR_FWD, host = d->to.len == (d->to.addr.family == 4 ? 32 : 128);
	const char *file = config_file_name(c, d->file); /* the main file or a drop-in */

	if (!fwd && (d->to_line || d->nat_line)) {
		cfg_errorf(err, errlen, file, d->to_line ? d->to_line : d->nat_line,
			   "door '%s': %s needs direction = forward", d->name,
			   d->to_line ? "to" : "nat_port");
		return -1;
	}
	if (fwd && !d->to_line) {
		cfg_errorf(err, errlen, file, d->line,
			   "door '%s': direction = forward needs to (the inner host)", d->name);
		return -1;
	}
	if (d->nat_line && d->nports != 1) {
		cfg_errorf(err, errlen, file, d->nat_line,
			   "door '%s': nat_port needs exactly one port in ports", d->name);
		return -1;
	}
	if (d->nat_line && !host) {
		cfg_errorf(err, errlen, file, d->nat_line,
			   "door '%s': nat_port needs to be one address, not a prefix", d->name);
		return -1;
	}
	return 0;
}

static int validate_door(struct config *c, struct door *d, char *err, size_t errlen)
{
	if (!d->nports) {
		cfg_errorf(err, errlen, config_file_name(c, d->file), d->line,
			   "door '%s' has no ports", d->name);
		return -1;
	}
	if (d->ndests && d->direction != DIR_OUT) {
		cfg_errorf(err, errlen, config_file_name(c, d->file), d->line,
			   "door '%s': destinations need direction = out", d->name);
		return -1;
	}
	if (d->owner_line && d->direction != DIR_OUT) {
		cfg_errorf(err, errlen, config_file_name(c, d->file), d->owner_line,
			   "door '%s': owner needs direction = out (it matches this host's own "
			   "sockets)",
			   d->name);
		return -1;
	}
	if (validate_forward(c, d, err, errlen) < 0)
		return -1;
	if (!d->max_ttl)
		d->max_ttl = d->ttl;
	if (d->ttl > d->max_ttl) {
		cfg_errorf(err, errlen, config_file_name(c, d->file), d->line,
			   "door '%s': ttl is above max_ttl", d->name);
		return -1;
	}
	return 0;
}

static int validate_client(struct config *c, size_t i, char *err, size_t errlen)
{
	struct client *cl = &c->clients[i];

	if (!cl->pk_line) {
		cfg_errorf(err, errlen, config_file_name(c, cl->file), cl->line,
			   "client '%s' has no public_key", cl->name);
		return -1;
	}
	for (size_t j = 0; j < i; j++) {
		if (!memcmp(c->clients[j].pk, cl->pk, KEY_PUBLIC_LEN)) {
			const struct client *o = &c->clients[j];
			char where[PATH_MAX + 16];

			snprintf(where, sizeof(where), "%s%s%d",
				 o->file == cl->file ? "line " : config_file_name(c, o->file),
				 o->file == cl->file ? "" : ":", o->pk_line);
			cfg_errorf(err, errlen, config_file_name(c, cl->file), cl->pk_line,
				   "client '%s' has the same public_key as client '%s' (%s)",
				   cl->name, o->name, where);
			return -1;
		}
	}
	if (!cl->doors_line) {
		cfg_errorf(err, errlen, config_file_name(c, cl->file), cl->line,
			   "client '%s' has no doors", cl->name);
		return -1;
	}
	return resolve_doors(c, cl->file, cl->doors_text, cl->doors_line, &cl->doors, err, errlen);
}

static int validate_seq(struct config *c, struct static_seq *s, char *err, size_t errlen)
{
	if (!s->nsteps || !s->doors_line) {
		cfg_errorf(err, errlen, config_file_name(c, s->file), s->line,
			   "sequence '%s' needs ports and doors", s->name);
		return -1;
	}
	return resolve_doors(c, s->file, s->doors_text, s->doors_line, &s->doors, err, errlen);
}

static int validate_window(struct config *c, struct window *w, char *err, size_t errlen)
{
	if (!w->doors_line || w->minute_of_day < 0 || !w->duration) {
		cfg_errorf(err, errlen, config_file_name(c, w->file), w->line,
			   "window '%s' needs doors, at and duration", w->name);
		return -1;
	}
	if (resolve_doors(c, w->file, w->doors_text, w->doors_line, &w->doors, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < c->ndoors; i++) {
		if ((w->doors & (1u << i)) && c->doors[i].direction != DIR_OUT) {
			cfg_errorf(err, errlen, config_file_name(c, w->file), w->doors_line,
				   "window '%s': door '%s' is direction = in; windows open egress "
				   "(direction = out) doors only",
				   w->name, c->doors[i].name);
			return -1;
		}
	}
	return 0;
}

/* Sequences a keyless host could guess cheaply are refused (knockd.conf(5), SEQUENCES). */
static int validate_seq_cost(const struct config *c, char *err, size_t errlen)
{
	char cost[96];

	if (seqcost_knocks(c->seq_count, c->seq_len) >= SEQCOST_FLOOR)
		return 0;
	seqcost_describe(c->seq_count, c->seq_len, cost, sizeof(cost));
	cfg_errorf(err, errlen, c->file, c->seq_line,
		   "sequence_ports %u-%u with sequence_length %d: a host without the key opens a "
		   "client's doors after %s; at least %.0e are needed: widen sequence_ports or "
		   "raise sequence_length",
		   c->seq_base, c->seq_base + c->seq_count - 1u, c->seq_len, cost, SEQCOST_FLOOR);
	return -1;
}

int config_validate(struct config *c, char *err, size_t errlen)
{
	if (!c->ndoors) {
		cfg_errorf(err, errlen, c->file, 1, "no [door:NAME] section");
		return -1;
	}
	for (size_t i = 0; i < c->ndoors; i++)
		if (validate_door(c, &c->doors[i], err, errlen) < 0)
			return -1;
	for (size_t i = 0; i < c->nclients; i++)
		if (validate_client(c, i, err, errlen) < 0)
			return -1;
	for (size_t i = 0; i < c->nseqs; i++)
		if (validate_seq(c, &c->seqs[i], err, errlen) < 0)
			return -1;
	for (size_t i = 0; i < c->nwindows; i++)
		if (validate_window(c, &c->windows[i], err, errlen) < 0)
			return -1;
	return validate_seq_cost(c, err, errlen);
}

const char *config_file_name(const struct config *c, int file)
{
	return file > 0 && (size_t)file < c->nfiles ? c->files[file] : c->file;
}

void config_free(struct config *c)
{
	for (size_t i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c->clients);
	free(c->seqs);
	free(c->windows);
	c->files = NULL;
	c->clients = NULL;
	c->seqs = NULL;
	c->windows = NULL;
	c->nclients = c->nseqs = c->nwindows = c->nfiles = 0;
}
