/* knockd.conf section and key handlers (one table per section kind). */
#include "config_keys.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_knockd.h"
#include "config_values.h"
#include "knownkeys.h"

struct keydef {
	const char *name;
	config_setter set;
};

enum { SEC_NONE, SEC_KNOCKD, SEC_DOOR, SEC_CLIENT, SEC_SEQ, SEC_WINDOW };

#define CUR(st, arr) (&(st)->c->arr[(st)->idx])

/* [door:NAME] */
static int d_direction(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	(void)line;
	return value_direction(&CUR(st, doors)->direction, v, e, n);
}
static int d_protocol(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	(void)line;
	return value_protocol(&CUR(st, doors)->protocol, v, e, n);
}
static int d_ports(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	struct door *d = CUR(st, doors);

	(void)line;
	return value_port_list(d->ports, DOOR_MAX_PORTS, &d->nports, v, e, n);
}
static int d_ttl(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	(void)line;
	return parse_duration(v, &CUR(st, doors)->ttl, e, n);
}
static int d_max_ttl(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	(void)line;
	return parse_duration(v, &CUR(st, doors)->max_ttl, e, n);
}
static int d_dests(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	struct door *d = CUR(st, doors);

	(void)line;
	return value_prefix_list(d->dests, DOOR_MAX_DESTS, &d->ndests, v, e, n);
}
static int d_exempt(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	struct door *d = CUR(st, doors);

	(void)line;
	return value_prefix_list(d->exempt, GATE_MAX_EXEMPT, &d->nexempt, v, e, n);
}

static int d_to(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	struct door *d = CUR(st, doors);

	d->to_line = line;
	return value_prefix(&d->to, v, e, n);
}
static int d_nat_port(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	struct door *d = CUR(st, doors);

	d->nat_line = line;
	return parse_port(v, &d->nat_port, e, n);
}

static int d_owner(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	CUR(st, doors)->owner_line = line;
	return value_owner(CUR(st, doors), v, e, n);
}

static const struct keydef door_keys[] = {{"direction", d_direction},
					  {"protocol", d_protocol},
					  {"ports", d_ports},
					  {"ttl", d_ttl},
					  {"max_ttl", d_max_ttl},
					  {"destinations", d_dests},
					  {"to", d_to},
					  {"nat_port", d_nat_port},
					  {"owner", d_owner},
					  {"exempt", d_exempt},
					  {NULL, NULL}};

/* [client:NAME] */
static int c_public_key(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	struct client *cl = CUR(st, clients);

	if (keys_parse_public(v, cl->pk) < 0) {
		snprintf(e, n, "bad public_key '%s' (want a base64 Ed25519 key from knock pubkey)",
			 v);
		return -1;
	}
	if (knownkeys_refuse(cl->pk, "public_key", e, n) < 0)
		return -1;
	cl->pk_line = line;
	return 0;
}
static int c_doors(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	struct client *cl = CUR(st, clients);

	cl->doors_line = line;
	return value_string(cl->doors_text, sizeof(cl->doors_text), v, e, n);
}
static int c_sequence(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	(void)line;
	return parse_bool(v, &CUR(st, clients)->sequence, e, n);
}
static int c_nat(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	(void)line;
	return parse_bool(v, &CUR(st, clients)->nat, e, n);
}

static const struct keydef client_keys[] = {{"public_key", c_public_key},
					    {"doors", c_doors},
					    {"sequence", c_sequence},
					    {"nat", c_nat},
					    {NULL, NULL}};

/* [sequence:NAME] */
static int s_ports(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	struct static_seq *s = CUR(st, seqs);

	(void)line;
	return value_seq_steps(s->steps, SEQ_MAX_STEPS, &s->nsteps, v, e, n);
}
static int s_timeout(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	(void)line;
	return value_duration_range(&CUR(st, seqs)->timeout, v, 1, 300, e, n);
}
static int s_doors(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	struct static_seq *s = CUR(st, seqs);

	s->doors_line = line;
	return value_string(s->doors_text, sizeof(s->doors_text), v, e, n);
}

static const struct keydef seq_keys[] = {
    {"ports", s_ports}, {"timeout", s_timeout}, {"doors", s_doors}, {NULL, NULL}};

/* [window:NAME] */
static int w_doors(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	struct window *w = CUR(st, windows);

	w->doors_line = line;
	return value_string(w->doors_text, sizeof(w->doors_text), v, e, n);
}
static int w_at(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	(void)line;
	return value_time_of_day(&CUR(st, windows)->minute_of_day, v, e, n);
}
static int w_days(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	(void)line;
	return value_days(&CUR(st, windows)->days, v, e, n);
}
static int w_duration(struct config_pstate *st, const char *v, int line, char *e, size_t n)
{
	(void)line;
	return value_duration_range(&CUR(st, windows)->duration, v, 1, 86400, e, n);
}

static const struct keydef window_keys[] = {
    {"doors", w_doors}, {"at", w_at}, {"days", w_days}, {"duration", w_duration}, {NULL, NULL}};

static const struct keydef *const tables[] = {NULL,        NULL,     door_keys,
					      client_keys, seq_keys, window_keys};
static const char *const kind_names[] = {"", "knockd", "door", "client", "sequence", "window"};

static int kind_of(const char *name, const char **rest)
{
	size_t len;

	if (!strcmp(name, "knockd")) {
		*rest = NULL;
		return SEC_KNOCKD;
	}
	for (int k = SEC_DOOR; k <= SEC_WINDOW; k++) {
		len = strlen(kind_names[k]);
		if (!strncmp(name, kind_names[k], len) && name[len] == ':') {
			*rest = name + len + 1;
			return k;
		}
	}
	return SEC_NONE;
}

static int grow(void **arr, size_t n, size_t size)
{
	void *p = realloc(*arr, (n + 1) * size);

	if (!p)
		return -1;
	*arr = p;
	memset((char *)p + n * size, 0, size);
	return 0;
}

/* Finds a same-named entity of one kind; returns its line (and file) or 0. */
static int duplicate_line(const struct config *c, int kind, const char *name, int *file)
{
	size_t i;

	switch (kind) {
	case SEC_DOOR:
		i = (size_t)config_door_index(c, name);
		*file = i < c->ndoors ? c->doors[i].file : 0;
		return i < c->ndoors ? c->doors[i].line : 0;
	case SEC_CLIENT:
		for (i = 0; i < c->nclients; i++)
			if (!strcmp(c->clients[i].name, name)) {
				*file = c->clients[i].file;
				return c->clients[i].line;
			}
		break;
	case SEC_SEQ:
		for (i = 0; i < c->nseqs; i++)
			if (!strcmp(c->seqs[i].name, name)) {
				*file = c->seqs[i].file;
				return c->seqs[i].line;
			}
		break;
	case SEC_WINDOW:
		for (i = 0; i < c->nwindows; i++)
			if (!strcmp(c->windows[i].name, name)) {
				*file = c->windows[i].file;
				return c->windows[i].line;
			}
		break;
	}
	return 0;
}

static int add_door(struct config_pstate *st, const char *name, int line, char *err, size_t n)
{
	struct config *c = st->c;
	struct door *d;

	if (c->ndoors == CONFIG_MAX_DOORS) {
		snprintf(err, n, "more than %d doors", CONFIG_MAX_DOORS);
		return -1;
	}
	st->idx = c->ndoors++;
	d = &c->doors[st->idx];
	memset(d, 0, sizeof(*d));
	strcpy(d->name, name);
	d->direction = DIR_IN;
	d->protocol = IPPROTO_TCP;
	d->ttl = 30;
	d->line = line;
	d->file = st->file;
	return 0;
}

static int add_entity(struct config_pstate *st, int kind, const char *name, int line, char *err,
		      size_t n)
{
	struct config *c = st->c;
	int file = 0, dup = duplicate_line(c, kind, name, &file);

	if (dup && file == st->file) {
		snprintf(err, n, "duplicate [%s:%s] (first at line %d)", kind_names[kind], name,
			 dup);
		return -1;
	}
	if (dup) {
		snprintf(err, n, "duplicate [%s:%s] (first at %s:%d)", kind_names[kind], name,
			 config_file_name(c, file), dup);
		return -1;
	}
	if (kind == SEC_DOOR)
		return add_door(st, name, line, err, n);
	if (kind == SEC_CLIENT) {
		if (grow((void **)&c->clients, c->nclients, sizeof(*c->clients)) < 0)
			goto oom;
		st->idx = c->nclients++;
		strcpy(c->clients[st->idx].name, name);
		c->clients[st->idx].line = line;
		c->clients[st->idx].file = st->file;
	} else if (kind == SEC_SEQ) {
		if (c->nseqs == CONFIG_MAX_STATIC_SEQS) {
			snprintf(err, n, "more than %d [sequence:] sections",
				 CONFIG_MAX_STATIC_SEQS);
			return -1;
		}
		if (grow((void **)&c->seqs, c->nseqs, sizeof(*c->seqs)) < 0)
			goto oom;
		st->idx = c->nseqs++;
		strcpy(c->seqs[st->idx].name, name);
		c->seqs[st->idx].line = line;
		c->seqs[st->idx].file = st->file;
		c->seqs[st->idx].timeout = 5;
	} else {
		if (grow((void **)&c->windows, c->nwindows, sizeof(*c->windows)) < 0)
			goto oom;
		st->idx = c->nwindows++;
		strcpy(c->windows[st->idx].name, name);
		c->windows[st->idx].line = line;
		c->windows[st->idx].file = st->file;
		c->windows[st->idx].minute_of_day = -1;
		c->windows[st->idx].days = 0x7f;
	}
	return 0;
oom:
	snprintf(err, n, "out of memory");
	return -1;
}

int config_on_section(void *user, const char *name, int line, char *err, size_t errlen)
{
	struct config_pstate *st = user;
	const char *sub;

	st->kind = kind_of(name, &sub);
	st->seen = 0;
	if (st->kind == SEC_NONE) {
		snprintf(err, errlen,
			 "unknown section [%s] (want knockd, door:, client:, sequence:, window:)",
			 name);
		return -1;
	}
	if (st->kind == SEC_KNOCKD) {
		if (st->file) {
			snprintf(err, errlen,
				 "[knockd] belongs in the main file (%s), not in a "
				 "drop-in file",
				 config_file_name(st->c, 0));
			return -1;
		}
		if (st->knockd_line) {
			snprintf(err, errlen, "second [knockd] section (first at line %d)",
				 st->knockd_line);
			return -1;
		}
		st->knockd_line = line;
		return 0;
	}
	if (parse_name(sub, err, errlen) < 0)
		return -1;
	return add_entity(st, st->kind, sub, line, err, errlen);
}

static int key_index(const struct keydef *t, const char *key)
{
	for (int i = 0; t[i].name; i++)
		if (!strcmp(t[i].name, key))
			return i;
	return -1;
}

int config_on_key(void *user, const char *key, const char *value, int line, char *err,
		  size_t errlen)
{
	struct config_pstate *st = user;
	const struct keydef *t = tables[st->kind];
	int i;

	if (st->kind == SEC_NONE) {
		snprintf(err, errlen, "key '%s' outside a section", key);
		return -1;
	}
	for (i = 0; !t && config_knockd_keys[i].name && strcmp(config_knockd_keys[i].name, key);)
		i++; /* [knockd]: its table has the restart column */
	i = t ? key_index(t, key) : config_knockd_keys[i].name ? i : -1;
	if (i < 0) {
		snprintf(err, errlen, "unknown key '%s' in a [%s] section", key,
			 kind_names[st->kind]);
		return -1;
	}
	if (st->seen & (1u << i)) {
		snprintf(err, errlen, "duplicate key '%s'", key);
		return -1;
	}
	st->seen |= 1u << i;
	return (t ? t[i].set : config_knockd_keys[i].set)(st, value, line, err, errlen);
}
