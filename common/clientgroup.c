/*
 * knock.conf [group:NAME]s: each group's hosts resolved to a flat list of profiles. In a
 * hosts list a name means the [host:] profile of that name if there is one, else the
 * [group:] (so [group:prod] may list [host:prod]); nested groups are expanded, and a group
 * reached again while it is being expanded is a loop.
 */
#include "clientgroup.h"

#include <stdio.h>
#include <string.h>

#include "cfgfile.h"

struct walk {
	struct client_config *c;
	struct host_group *top;         /* the group being resolved */
	const struct host_group **path; /* groups being expanded, outermost first */
	size_t depth;
	char *err;
	size_t errlen;
};

static int add_member(struct walk *w, size_t host, const struct host_group *g)
{
	struct host_group *t = w->top;

	for (size_t i = 0; i < t->nmembers; i++)
		if (t->members[i] == host)
			return 0;
	if (t->nmembers == GROUP_MAX_MEMBERS) {
		cfg_errorf(w->err, w->errlen, w->c->file, g->hosts_line,
			   "group '%s' has more than %d hosts", t->name, GROUP_MAX_MEMBERS);
		return -1;
	}
	t->members[t->nmembers++] = host;
	return 0;
}

static int loop_error(struct walk *w, const struct host_group *g, const struct host_group *again)
{
	char chain[256] = "";
	size_t i = 0;

	while (w->path[i] != again)
		i++;
	for (; i < w->depth; i++)
		snprintf(chain + strlen(chain), sizeof(chain) - strlen(chain), "%s -> ",
			 w->path[i]->name);
	snprintf(chain + strlen(chain), sizeof(chain) - strlen(chain), "%s", again->name);
	cfg_errorf(w->err, w->errlen, w->c->file, g->hosts_line, "group '%s' contains itself (%s)",
		   again->name, chain);
	return -1;
}

static int expand(struct walk *w, const struct host_group *g)
{
	const char *cur = g->hosts_text;
	char name[NAME_MAX_LEN + 2];
	int r;

	w->path[w->depth++] = g;
	while ((r = parse_list_next(&cur, name, sizeof(name))) > 0) {
		const struct host_profile *h = clientconf_find(w->c, name);
		const struct host_group *sub = h ? NULL : clientconf_find_group(w->c, name);

		if (h) {
			if (add_member(w, (size_t)(h - w->c->hosts), g) < 0)
				return -1;
			continue;
		}
		if (!sub) {
			cfg_errorf(w->err, w->errlen, w->c->file, g->hosts_line,
				   "group '%s': '%s' is neither a [host:] profile nor a [group:]",
				   g->name, name);
			return -1;
		}
		for (size_t i = 0; i < w->depth; i++)
			if (w->path[i] == sub)
				return loop_error(w, g, sub);
		if (expand(w, sub) < 0)
			return -1;
	}
	if (r < 0) {
		cfg_errorf(w->err, w->errlen, w->c->file, g->hosts_line,
			   "group '%s': bad hosts list '%s'", g->name, g->hosts_text);
		return -1;
	}
	w->depth--;
	return 0;
}

int clientgroup_resolve(struct client_config *c, char *err, size_t errlen)
{
	const struct host_group *path[64];
	struct walk w = {.c = c, .path = path, .err = err, .errlen = errlen};

	if (c->ngroups > sizeof(path) / sizeof(path[0])) {
		cfg_errorf(err, errlen, c->file, c->groups[64].line,
			   "more than 64 [group:] sections");
		return -1;
	}
	for (size_t i = 0; i < c->ngroups; i++) {
		struct host_group *g = &c->groups[i];

		if (!g->hosts_line) {
			cfg_errorf(err, errlen, c->file, g->line, "group '%s' has no hosts",
				   g->name);
			return -1;
		}
		w.top = g;
		w.depth = 0;
		g->nmembers = 0;
		if (expand(&w, g) < 0)
			return -1;
		if (!g->nmembers) {
			cfg_errorf(err, errlen, c->file, g->hosts_line, "group '%s' has no hosts",
				   g->name);
			return -1;
		}
	}
	return 0;
}
