/*
 * The grant service's set-up, adoption of a previous run's rules, reconfiguration and
 * iteration (grantsvc.h); its admission, batch and commit are in daemon_grants.c.
 */
#include "grantsvc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "privsep.h" /* enum grant_origin */

static int setup(struct grantsvc *s, struct config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->gen = 1;
	return grants_init(&s->grants, cfg->max_grants);
}

int grantsvc_init(struct grantsvc *s, struct config *cfg, char *err, size_t errlen)
{
	if (setup(s, cfg) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (fw_open(&s->fw[0], cfg, err, errlen) < 0)
		return -1;
	s->nfw = 1;
	return 0;
}

int grantsvc_attach(struct grantsvc *s, struct config *cfg, const struct fw *fw)
{
	if (setup(s, cfg) < 0)
		return -1;
	s->fw[0] = *fw;
	s->nfw = 1;
	return 0;
}

void grantsvc_close_targets(struct grantsvc *s)
{
	for (size_t i = 0; i < s->nfw; i++)
		fw_close(&s->fw[i]);
	s->nfw = 0;
}

void grantsvc_free(struct grantsvc *s)
{
	grantsvc_close_targets(s);
	grants_free(&s->grants);
	if (s->cfg) {
		config_free(s->cfg);
		free(s->cfg);
		s->cfg = NULL;
	}
}

static int adopt(struct grantsvc *s, const struct fw_found *f, int door,
		 const struct grant_clock *now)
{
	struct grant g;

	if (grants_get(&s->grants, f->id))
		return 0; /* the same grant's IPv6 twin */
	memset(&g, 0, sizeof(g));
	g.id = f->id;
	g.door = (uint16_t)door;
	g.origin = ORIGIN_ADOPTED;
	g.addr = f->addr;
	g.opened = now->wall_ms / 1000;
	g.deadline = f->deadline;
	return grants_adopt(&s->grants, &g, now);
}

int grantsvc_reconcile(struct grantsvc *s, const struct grant_clock *now, char *err, size_t errlen)
{
	size_t max = (size_t)s->cfg->max_grants * 2, n = 0, ndel = 0;
	struct fw_found *f = calloc(max, sizeof(*f));
	struct door *doors = calloc(max, sizeof(*doors));
	struct fw_change *del = calloc(max, sizeof(*del));
	int ret = -1;

	if (!f || !doors || !del || fw_list(&s->fw[0], f, max, &n, err, errlen) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		int door = config_door_index(s->cfg, f[i].door);

		if (door >= 0 && s->cfg->doors[door].direction == f[i].direction &&
		    f[i].deadline >= now->wall_ms / 1000 && adopt(s, &f[i], door, now) == 0)
			continue;
		/* Expired, or its door is gone: delete it by id from the chain it sits in. */
		snprintf(doors[ndel].name, sizeof(doors[ndel].name), "%s", f[i].door);
		doors[ndel].direction = f[i].direction;
		del[ndel].op = FW_DEL;
		del[ndel].rule.id = f[i].id;
		del[ndel].rule.addr = f[i].addr; /* which table(s) it is in */
		del[ndel].rule.door = &doors[ndel];
		ndel++;
	}
	if (fw_commit(&s->fw[0], del, ndel, err, errlen) < 0)
		goto out;
	if (n)
		log_info("reconcile: %zu rule(s) found, %zu grant(s) adopted, %zu removed", n,
			 s->grants.n, ndel);
	ret = 0;
out:
	free(f);
	free(doors);
	free(del);
	return ret;
}

static int same_rules(const struct door *a, const struct door *b)
{
	return a->protocol == b->protocol && a->nports == b->nports &&
	       !memcmp(a->ports, b->ports, sizeof(a->ports[0]) * (size_t)a->nports) &&
	       a->ndests == b->ndests &&
	       !memcmp(a->dests, b->dests, sizeof(a->dests[0]) * (size_t)a->ndests) &&
	       !memcmp(&a->to, &b->to, sizeof(a->to)) && a->nat_port == b->nat_port;
}

static int door_kept(const struct config *oc, const struct config *nc, const struct grant *g)
{
	const struct door *old = &oc->doors[g->door];
	int k = config_door_index(nc, old->name);

	return k >= 0 && nc->doors[k].direction == old->direction;
}

int grantsvc_end_removed(struct grantsvc *s, const struct config *nc, char *err, size_t errlen)
{
	uint32_t *ended = calloc(s->grants.n + 1, sizeof(*ended));
	size_t n = 0, left = 0;

	if (!ended) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < s->grants.n; i++) {
		struct grant *g = &s->grants.v[i];

		if (!door_kept(s->cfg, nc, g) && !g->ending) {
			grants_set_ending(&s->grants, g, GRANT_DOOR_REMOVED);
			ended[n++] = g->id;
		}
	}
	(void)grantsvc_commit(s, 0, NULL);
	for (size_t i = 0; i < n; i++) { /* a failed commit applied nothing (fw.h) */
		struct grant *g = grants_get(&s->grants, ended[i]);

		if (g)
			grants_set_ending(&s->grants, g, GRANT_LIVE);
	}
	for (size_t i = 0; i < s->grants.n; i++)
		left += !door_kept(s->cfg, nc, &s->grants.v[i]);
	free(ended);
	if (left)
		snprintf(err, errlen,
			 "the rules of %zu grant(s) of removed doors could not be deleted "
			 "(firewall commit failed)",
			 left);
	return left ? -1 : 0;
}

/* Moves every grant to its door's index in nc; the ids of those whose door changed its
 * rules go to rewrite. Nothing is queued (end_removed committed it), and a queued change
 * names a copy of its door (batch_doors), never the configuration about to be freed. */
static size_t carry_grants(struct grantsvc *s, const struct config *nc, uint32_t *rewrite)
{
	size_t n = 0;

	for (size_t i = 0; i < s->grants.n; i++) {
		struct grant *g = &s->grants.v[i];
		const struct door *old = &s->cfg->doors[g->door];
		int k = config_door_index(nc, old->name);

		if (!g->ending && !same_rules(old, &nc->doors[k]))
			rewrite[n++] = g->id;
		g->door = (uint16_t)k;
	}
	grants_reindex(&s->grants); /* door indexes are part of the key */
	return n;
}

/* The firewall targets learn the new configuration (what its doors need besides
 * input and output): told once, not patched from individual grants. */
static void tell_targets(struct grantsvc *s)
{
	char err[256];

	for (size_t i = 0; i < s->nfw; i++)
		if (fw_reconfigure(&s->fw[i], s->cfg, err, sizeof(err)) < 0)
			log_err("firewall %s: the new configuration: %s", fw_name(&s->fw[i]), err);
}

int grantsvc_reconfigure(struct grantsvc *s, struct config *nc, size_t *nrewritten, char *err,
			 size_t errlen)
{
	uint32_t *rewrite = calloc(s->grants.n + 1, sizeof(*rewrite));
	size_t n;

	*nrewritten = 0;
	if (!rewrite) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (grantsvc_end_removed(s, nc, err, errlen) < 0) {
		free(rewrite);
		return -1;
	}
	n = carry_grants(s, nc, rewrite);
	config_free(s->cfg); /* nothing is queued (end_removed committed it all) */
	free(s->cfg);
	s->cfg = nc;
	s->gen++;
	tell_targets(s);
	for (size_t i = 0; i < n; i++)
		grantsvc_rewrite(s, rewrite[i]);
	(void)grantsvc_commit(s, 0, NULL);
	free(rewrite);
	*nrewritten = n;
	return 0;
}

const struct grant *grantsvc_grants(const struct grantsvc *s, size_t *n)
{
	*n = s->grants.n;
	return s->grants.v;
}

const struct config *grantsvc_config(const struct grantsvc *s)
{
	return s->cfg;
}

const struct fw_backend *grantsvc_backend(const struct grantsvc *s)
{
	return s->fw[0].b;
}

int64_t grantsvc_next_timeout(const struct grantsvc *s, uint64_t now_ms)
{
	int64_t t = grants_next_timeout(&s->grants, now_ms);

	if ((s->grants.nending || s->rewrite_due) && (t < 0 || t > GRANTSVC_RETRY_MS))
		t = GRANTSVC_RETRY_MS;
	return t;
}
