/*
 * knockd.conf: section and key handlers on top of cfgfile, then whole-file validation
 * (references between sections, required keys, duplicates). Pure apart from config_load.
 */
#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"
#include "seqgen.h"
#include "config_keys.h"

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

static void set_defaults(struct config *c, const char *file)
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
	strcpy(c->state_dir, "/var/lib/knockd");
	strcpy(c->control_socket, "/run/knockd.sock");
	c->replay_window = 60;
	c->max_grants = 16384;
	c->capture_buffer = CAPTURE_BUFFER_DEFAULT;
	c->seq_base = SEQ_DEFAULT_BASE;
	c->seq_count = SEQ_DEFAULT_COUNT;
	c->seq_len = SEQ_DEFAULT_LEN;
	c->seq_timeout = 10;
}

static int resolve_doors(const struct config *c, const char *text, int line, uint32_t *mask,
			 char *err, size_t errlen)
{
	const char *cur = text;
	char name[64];
	int r, i;

	*mask = 0;
	while ((r = parse_list_next(&cur, name, sizeof(name))) > 0) {
		i = config_door_index(c, name);
		if (i < 0) {
			cfg_errorf(err, errlen, c->file, line, "door '%s' is not defined", name);
			return -1;
		}
		*mask |= 1u << i;
	}
	if (r < 0 || !*mask) {
		cfg_errorf(err, errlen, c->file, line, "bad door list '%s'", text);
		return -1;
	}
	return 0;
}

static int validate_door(struct config *c, struct door *d, char *err, size_t errlen)
{
	if (!d->nports) {
		cfg_errorf(err, errlen, c->file, d->line, "door '%s' has no ports", d->name);
		return -1;
	}
	if (d->ndests && d->direction != DIR_OUT) {
		cfg_errorf(err, errlen, c->file, d->line,
			   "door '%s': destinations need direction = out", d->name);
		return -1;
	}
	if (!d->max_ttl)
		d->max_ttl = d->ttl;
	if (d->ttl > d->max_ttl) {
		cfg_errorf(err, errlen, c->file, d->line, "door '%s': ttl is above max_ttl",
			   d->name);
		return -1;
	}
	return 0;
}

static int validate_client(struct config *c, size_t i, char *err, size_t errlen)
{
	struct client *cl = &c->clients[i];

	if (!cl->pk_line) {
		cfg_errorf(err, errlen, c->file, cl->line, "client '%s' has no public_key",
			   cl->name);
		return -1;
	}
	for (size_t j = 0; j < i; j++) {
		if (!memcmp(c->clients[j].pk, cl->pk, KEY_PUBLIC_LEN)) {
			cfg_errorf(err, errlen, c->file, cl->pk_line,
				   "client '%s' has the same public_key as client '%s' (line %d)",
				   cl->name, c->clients[j].name, c->clients[j].pk_line);
			return -1;
		}
	}
	if (!cl->doors_line) {
		cfg_errorf(err, errlen, c->file, cl->line, "client '%s' has no doors", cl->name);
		return -1;
	}
	return resolve_doors(c, cl->doors_text, cl->doors_line, &cl->doors, err, errlen);
}

static int validate_seq(struct config *c, struct static_seq *s, char *err, size_t errlen)
{
	if (!s->nsteps || !s->doors_line) {
		cfg_errorf(err, errlen, c->file, s->line, "sequence '%s' needs ports and doors",
			   s->name);
		return -1;
	}
	return resolve_doors(c, s->doors_text, s->doors_line, &s->doors, err, errlen);
}

static int validate_window(struct config *c, struct window *w, char *err, size_t errlen)
{
	if (!w->doors_line || w->minute_of_day < 0 || !w->duration) {
		cfg_errorf(err, errlen, c->file, w->line,
			   "window '%s' needs doors, at and duration", w->name);
		return -1;
	}
	if (resolve_doors(c, w->doors_text, w->doors_line, &w->doors, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < c->ndoors; i++) {
		if ((w->doors & (1u << i)) && c->doors[i].direction != DIR_OUT) {
			cfg_errorf(err, errlen, c->file, w->doors_line,
				   "window '%s': door '%s' is direction = in; windows open egress "
				   "(direction = out) doors only",
				   w->name, c->doors[i].name);
			return -1;
		}
	}
	return 0;
}

static int validate(struct config *c, char *err, size_t errlen)
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
	return 0;
}

int config_parse(struct config *c, const char *file, const char *text, size_t len, char *err,
		 size_t errlen)
{
	struct config_pstate st;
	struct cfg_parser p = {
	    .file = file, .section = config_on_section, .key = config_on_key, .user = &st};

	set_defaults(c, file);
	memset(&st, 0, sizeof(st));
	st.c = c;
	if (cfg_parse_text(&p, text, len, err, errlen) < 0 || validate(c, err, errlen) < 0) {
		config_free(c);
		return -1;
	}
	return 0;
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int ret;

	if (cfg_read_file(path, &text, &len, err, errlen) < 0)
		return -1;
	ret = config_parse(c, path, text, len, err, errlen);
	free(text);
	return ret;
}

void config_free(struct config *c)
{
	free(c->clients);
	free(c->seqs);
	free(c->windows);
	c->clients = NULL;
	c->seqs = NULL;
	c->windows = NULL;
	c->nclients = c->nseqs = c->nwindows = 0;
}
