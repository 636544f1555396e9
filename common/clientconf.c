/* The client configuration (knock.conf): [knock], [host:NAME] profiles, [group:NAME]s;
 * their section and key handlers (clientfile.c reads the file). */
#include "clientconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"
#include "config.h"
#include "config_values.h"
#include "knownkeys.h"
#include "seqgen.h"

static int add_group(struct clientconf_pstate *st, const char *name, int line, char *err,
		     size_t errlen)
{
	struct client_config *c = st->c;
	const struct host_group *dup;
	struct host_group *g;

	if (parse_name(name, err, errlen) < 0)
		return -1;
	dup = clientconf_find_group(c, name);
	if (dup) {
		snprintf(err, errlen, "duplicate [group:%s] (first at line %d)", name, dup->line);
		return -1;
	}
	g = realloc(c->groups, (c->ngroups + 1) * sizeof(*g));
	if (!g) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->groups = g;
	g = &c->groups[c->ngroups++];
	memset(g, 0, sizeof(*g));
	strcpy(g->name, name);
	g->line = line;
	st->kind = 3;
	return 0;
}

int clientconf_on_section(void *user, const char *name, int line, char *err, size_t errlen)
{
	struct clientconf_pstate *st = user;
	struct client_config *c = st->c;
	struct host_profile *h;

	st->seen = 0;
	if (!strcmp(name, "knock")) {
		if (st->knock_line) {
			snprintf(err, errlen, "second [knock] section (first at line %d)",
				 st->knock_line);
			return -1;
		}
		st->kind = 1;
		st->knock_line = line;
		return 0;
	}
	if (!strncmp(name, "group:", 6))
		return add_group(st, name + 6, line, err, errlen);
	if (strncmp(name, "host:", 5)) {
		snprintf(err, errlen, "unknown section [%s] (want knock, host:NAME or group:NAME)",
			 name);
		return -1;
	}
	if (parse_name(name + 5, err, errlen) < 0)
		return -1;
	if (clientconf_find(c, name + 5)) {
		snprintf(err, errlen, "duplicate [%s] (first at line %d)", name,
			 clientconf_find(c, name + 5)->line);
		return -1;
	}
	h = realloc(c->hosts, (c->nhosts + 1) * sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->hosts = h;
	h = &c->hosts[c->nhosts++];
	memset(h, 0, sizeof(*h));
	strcpy(h->name, name + 5);
	h->spa_port = DEFAULT_SPA_PORT;
	h->seq_base = SEQ_DEFAULT_BASE;
	h->seq_count = SEQ_DEFAULT_COUNT;
	h->seq_len = SEQ_DEFAULT_LEN;
	h->line = line;
	st->kind = 2;
	return 0;
}

static int host_key(struct host_profile *h, int i, const char *v, char *err, size_t errlen)
{
	switch (i) {
	case 0:
		return value_string(h->address, sizeof(h->address), v, err, errlen);
	case 1:
		/* base64 of 32 bytes; the point is checked where the profile is used */
		if (keys_decode_public(v, h->server_pk) < 0) {
			snprintf(err, errlen, "bad server_public_key '%s' (want base64 Ed25519)",
				 v);
			return -1;
		}
		if (knownkeys_refuse(h->server_pk, "server_public_key", err, errlen) < 0)
			return -1;
		h->has_pk = 1;
		return 0;
	case 2:
		return parse_port(v, &h->spa_port, err, errlen);
	case 3:
		return value_string(h->doors, sizeof(h->doors), v, err, errlen);
	case 4:
		return parse_duration(v, &h->ttl, err, errlen);
	case 5:
		return value_port_range(&h->seq_base, &h->seq_count, v, err, errlen);
	default:
		return value_seq_length(&h->seq_len, v, err, errlen);
	}
}

int clientconf_on_key(void *user, const char *key, const char *value, int line, char *err,
		      size_t errlen)
{
	static const char *host_keys[] = {
	    "address", "server_public_key", "spa_port",        "doors",
	    "ttl",     "sequence_ports",    "sequence_length", NULL};
	struct clientconf_pstate *st = user;
	int i;

	if (st->kind == 0) {
		snprintf(err, errlen, "key '%s' outside a section", key);
		return -1;
	}
	if (st->kind == 1) {
		if (strcmp(key, "private_key")) {
			snprintf(err, errlen, "unknown key '%s' in [knock]", key);
			return -1;
		}
		return value_string(st->c->private_key, sizeof(st->c->private_key), value, err,
				    errlen);
	}
	if (st->kind == 3) {
		struct host_group *g = &st->c->groups[st->c->ngroups - 1];

		if (strcmp(key, "hosts") || g->hosts_line) {
			snprintf(err, errlen, "%s key '%s' in a [group:] section (want hosts)",
				 g->hosts_line && !strcmp(key, "hosts") ? "duplicate" : "unknown",
				 key);
			return -1;
		}
		g->hosts_line = line;
		return value_string(g->hosts_text, sizeof(g->hosts_text), value, err, errlen);
	}
	for (i = 0; host_keys[i] && strcmp(host_keys[i], key); i++)
		;
	if (!host_keys[i] || (st->seen & (1u << i))) {
		snprintf(err, errlen, "%s key '%s' in a [host:] section",
			 host_keys[i] ? "duplicate" : "unknown", key);
		return -1;
	}
	st->seen |= 1u << i;
	if (i == 1)
		st->c->hosts[st->c->nhosts - 1].pk_line = line;
	return host_key(&st->c->hosts[st->c->nhosts - 1], i, value, err, errlen);
}

int clientconf_check_hosts(const struct client_config *c, char *err, size_t errlen)
{
	for (size_t i = 0; i < c->nhosts; i++) {
		const struct host_profile *h = &c->hosts[i];

		if (!h->address[0] || !h->has_pk) {
			cfg_errorf(err, errlen, c->file, h->line,
				   "host '%s' needs address and server_public_key", h->name);
			return -1;
		}
	}
	return 0;
}

void clientconf_start(struct client_config *c, struct clientconf_pstate *st, const char *file)
{
	memset(c, 0, sizeof(*c));
	memset(st, 0, sizeof(*st));
	st->c = c;
	snprintf(c->file, sizeof(c->file), "%s", file);
	strcpy(c->private_key, "~/.config/knock/id");
}

const struct host_profile *clientconf_find(const struct client_config *c, const char *name)
{
	for (size_t i = 0; i < c->nhosts; i++)
		if (!strcmp(c->hosts[i].name, name))
			return &c->hosts[i];
	return NULL;
}

const struct host_group *clientconf_find_group(const struct client_config *c, const char *name)
{
	for (size_t i = 0; i < c->ngroups; i++)
		if (!strcmp(c->groups[i].name, name))
			return &c->groups[i];
	return NULL;
}

void clientconf_free(struct client_config *c)
{
	free(c->hosts);
	free(c->groups);
	c->hosts = NULL;
	c->groups = NULL;
	c->nhosts = c->ngroups = 0;
}
