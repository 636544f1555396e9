/*
 * The grant table: (door, address) -> deadline. Pure: both clocks are arguments. Sized at
 * start-up; a linear scan is a few microseconds at 10,000 grants and keeps this simple.
 */
#include "grants.h"

#include <stdlib.h>
#include <string.h>

int grants_init(struct grants *g, size_t cap)
{
	g->v = calloc(cap, sizeof(*g->v));
	g->n = g->nending = 0;
	g->nunauth = 0;
	g->cap = cap;
	g->next_id = 1;
	return g->v ? 0 : -1;
}

void grants_free(struct grants *g)
{
	free(g->v);
	g->v = NULL;
	g->n = g->cap = 0;
}

struct grant *grants_find(struct grants *g, unsigned door, const struct addr *a)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].door == door && !g->v[i].ending && addr_equal(&g->v[i].addr, a))
			return &g->v[i];
	return NULL;
}

struct grant *grants_get(struct grants *g, uint32_t id)
{
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].id == id)
			return &g->v[i];
	return NULL;
}

void grants_set_ending(struct grants *g, struct grant *gr, int why)
{
	if (!gr->ending && why)
		g->nending++;
	else if (gr->ending && !why)
		g->nending--;
	gr->ending = (uint8_t)why;
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
		if (expires > gr->expires_ms)
			gr->expires_ms = expires;
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
	return 0;
}

int64_t grants_next_timeout(const struct grants *g, uint64_t now_ms)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < g->n; i++)
		if (!g->v[i].ending && g->v[i].expires_ms < next)
			next = g->v[i].expires_ms;
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

int grants_remove(struct grants *g, uint32_t id, struct grant *out)
{
	struct grant *gr = grants_get(g, id);

	if (!gr)
		return -1;
	if (out)
		*out = *gr;
	grants_set_ending(g, gr, GRANT_LIVE);
	g->nunauth -= gr->unauth;
	*gr = g->v[--g->n];
	return 0;
}

void grants_mark_unauth(struct grants *g, struct grant *gr)
{
	if (!gr->unauth)
		g->nunauth++;
	gr->unauth = 1;
}
