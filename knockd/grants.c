/*
 * The grant table: (door, address) -> deadline. Pure: both clocks are arguments. Sized at
 * start-up, with two indexes (grants_idx.h: by id, by door and address) and the earliest
 * expiry kept: a knock, a commit's outcome or the loop's timeout costs the same at 100,000
 * grants as at 10. Only an expiry tick scans the table.
 */
#include "grants.h"

#include <stdlib.h>
#include <string.h>

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	return h ^ (h >> 33);
}

static uint64_t key_hash(unsigned door, const struct addr *a)
{
	uint64_t h = 1469598103934665603ULL ^ door ^ ((uint64_t)a->family << 16);
	size_t len = a->family == 6 ? 16 : 4;

	for (size_t i = 0; i < len; i++)
		h = (h ^ a->a[i]) * 1099511628211ULL;
	return mix(h);
}

static uint64_t id_hash(uint32_t id)
{
	return mix(id);
}

static uint64_t by_id(const void *ctx, uint32_t val)
{
	return id_hash(((const struct grants *)ctx)->v[val - 1].id);
}

static uint64_t by_key(const void *ctx, uint32_t val)
{
	const struct grant *gr = &((const struct grants *)ctx)->v[val - 1];

	return key_hash(gr->door, &gr->addr);
}

/* Indexes the grant at position i. */
static void index_add(struct grants *g, size_t i)
{
	grants_idx_put(&g->byid, id_hash(g->v[i].id), (uint32_t)i + 1);
	grants_idx_put(&g->bykey, key_hash(g->v[i].door, &g->v[i].addr), (uint32_t)i + 1);
}

/* A live grant's expiry may be the earliest. */
static void next_offer(struct grants *g, const struct grant *gr)
{
	if (!gr->ending && gr->expires_ms < g->next->ms)
		g->next->ms = gr->expires_ms;
}

/* A grant that may have been the earliest no longer expires then. */
static void next_drop(struct grants *g, const struct grant *gr)
{
	if (gr->expires_ms <= g->next->ms)
		g->next->stale = 1;
}

int grants_init(struct grants *g, size_t cap)
{
	memset(g, 0, sizeof(*g));
	g->v = calloc(cap, sizeof(*g->v));
	g->next = calloc(1, sizeof(*g->next));
	g->cap = cap;
	g->next_id = 1;
	if (!g->v || !g->next || grants_idx_init(&g->byid, cap) < 0 ||
	    grants_idx_init(&g->bykey, cap) < 0) {
		grants_free(g);
		return -1;
	}
	g->next->ms = UINT64_MAX;
	return 0;
}

void grants_free(struct grants *g)
{
	free(g->v);
	free(g->next);
	grants_idx_free(&g->byid);
	grants_idx_free(&g->bykey);
	g->v = NULL;
	g->next = NULL;
	g->n = g->cap = 0;
}

void grants_reindex(struct grants *g)
{
	memset(g->byid.slot, 0, (g->byid.mask + 1) * sizeof(*g->byid.slot));
	memset(g->bykey.slot, 0, (g->bykey.mask + 1) * sizeof(*g->bykey.slot));
	for (size_t i = 0; i < g->n; i++)
		index_add(g, i);
	g->next->stale = 1;
}

struct grant *grants_find(struct grants *g, unsigned door, const struct addr *a)
{
	const struct grants_idx *x = &g->bykey;

	for (size_t i = (size_t)key_hash(door, a) & x->mask; x->slot[i]; i = (i + 1) & x->mask) {
		struct grant *gr = &g->v[x->slot[i] - 1];

		if (gr->door == door && !gr->ending && addr_equal(&gr->addr, a))
			return gr;
	}
	return NULL;
}

struct grant *grants_get(struct grants *g, uint32_t id)
{
	const struct grants_idx *x = &g->byid;

	for (size_t i = (size_t)id_hash(id) & x->mask; x->slot[i]; i = (i + 1) & x->mask)
		if (g->v[x->slot[i] - 1].id == id)
			return &g->v[x->slot[i] - 1];
	return NULL;
}

void grants_set_ending(struct grants *g, struct grant *gr, int why)
{
	if (!gr->ending && why) {
		g->nending++;
		next_drop(g, gr);
	} else if (gr->ending && !why) {
		g->nending--;
	}
	gr->ending = (uint8_t)why;
	next_offer(g, gr);
}

/* The monotonic instant at which the wall-clock second `deadline` ends. */
static uint64_t mono_end_of(int64_t deadline, const struct grant_clock *now)
{
	int64_t ms = (deadline + 1) * 1000 - now->wall_ms;

	return now->mono_ms + (uint64_t)(ms > 0 ? ms : 0);
}

/* The last wall-clock second the kernel rule matches: the one ending at or after the
 * instant ttl_ms from now (the deadline rounded up to its second). */
static int64_t kernel_deadline(uint64_t ttl_ms, const struct grant_clock *now)
{
	int64_t end = now->wall_ms + (int64_t)ttl_ms;

	return end > 0 ? (end - 1) / 1000 : 0;
}

int grants_open(struct grants *g, unsigned door, const struct addr *a, int origin, uint64_t ttl_ms,
		const struct grant_clock *now, struct grant **out)
{
	struct grant *gr = grants_find(g, door, a);
	int64_t deadline = kernel_deadline(ttl_ms, now);
	uint64_t expires = now->mono_ms + ttl_ms;

	if (gr) {
		if (expires > gr->expires_ms) {
			next_drop(g, gr);
			gr->expires_ms = expires;
		}
		if (deadline > gr->deadline)
			gr->deadline = deadline;
		*out = gr;
		return 0;
	}
	if (g->n == g->cap)
		return -1;
	gr = &g->v[g->n++];
	memset(gr, 0, sizeof(*gr));
	gr->id = g->next_id++;
	gr->door = (uint16_t)door;
	gr->origin = (uint8_t)origin;
	gr->addr = *a;
	gr->opened = now->wall_ms / 1000;
	gr->deadline = deadline;
	gr->expires_ms = expires;
	index_add(g, g->n - 1);
	next_offer(g, gr);
	*out = gr;
	return 1;
}

int grants_adopt(struct grants *g, const struct grant *in, const struct grant_clock *now)
{
	struct grant *gr;

	if (g->n == g->cap || in->deadline < now->wall_ms / 1000)
		return -1;
	gr = &g->v[g->n++];
	*gr = *in;
	gr->ending = GRANT_LIVE;
	gr->expires_ms = mono_end_of(in->deadline, now);
	if (in->id >= g->next_id)
		g->next_id = in->id + 1;
	index_add(g, g->n - 1);
	next_offer(g, gr);
	return 0;
}

int64_t grants_next_timeout(const struct grants *g, uint64_t now_ms)
{
	uint64_t next = g->next->ms;

	if (g->next->stale) {
		next = UINT64_MAX;
		for (size_t i = 0; i < g->n; i++)
			if (!g->v[i].ending && g->v[i].expires_ms < next)
				next = g->v[i].expires_ms;
		g->next->ms = next;
		g->next->stale = 0;
	}
	if (next == UINT64_MAX)
		return -1;
	return next <= now_ms ? 0 : (int64_t)(next - now_ms);
}

size_t grants_expire(struct grants *g, uint64_t now_ms)
{
	size_t n = 0;

	for (size_t i = 0; i < g->n; i++) {
		if (!g->v[i].ending && g->v[i].expires_ms <= now_ms + GRANTS_BATCH_MS) {
			grants_set_ending(g, &g->v[i], GRANT_EXPIRED);
			n++;
		}
	}
	return n;
}

/* Takes position i (slot pos in byid) out of both indexes; the last grant moves into i. */
static void unindex(struct grants *g, size_t i, long pos)
{
	size_t last = g->n - 1;
	long k = grants_idx_find(&g->bykey, by_key(g, (uint32_t)i + 1), (uint32_t)i + 1);

	grants_idx_del(&g->byid, (size_t)pos, by_id, g);
	if (k >= 0)
		grants_idx_del(&g->bykey, (size_t)k, by_key, g);
	if (i == last)
		return;
	pos = grants_idx_find(&g->byid, by_id(g, (uint32_t)last + 1), (uint32_t)last + 1);
	k = grants_idx_find(&g->bykey, by_key(g, (uint32_t)last + 1), (uint32_t)last + 1);
	if (pos >= 0)
		g->byid.slot[pos] = (uint32_t)i + 1;
	if (k >= 0)
		g->bykey.slot[k] = (uint32_t)i + 1;
}

int grants_remove(struct grants *g, uint32_t id, struct grant *out)
{
	struct grant *gr = grants_get(g, id);
	size_t i;

	if (!gr)
		return -1;
	i = (size_t)(gr - g->v);
	if (out)
		*out = *gr;
	next_drop(g, gr);
	g->nending -= gr->ending != GRANT_LIVE;
	g->nunauth -= gr->unauth;
	unindex(g, i, grants_idx_find(&g->byid, id_hash(id), (uint32_t)i + 1));
	*gr = g->v[--g->n];
	return 0;
}

void grants_set_expires(struct grants *g, struct grant *gr, uint64_t expires_ms)
{
	next_drop(g, gr);
	gr->expires_ms = expires_ms;
	next_offer(g, gr);
}

void grants_mark_unauth(struct grants *g, struct grant *gr)
{
	if (!gr->unauth)
		g->nunauth++;
	gr->unauth = 1;
}
