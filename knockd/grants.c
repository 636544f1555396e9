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
	g->n = 0;
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
		if (g->v[i].door == door && addr_equal(&g->v[i].addr, a))
			return &g->v[i];
	return NULL;
}

/* The monotonic instant at which the wall-clock second `deadline` ends. */
static uint64_t mono_end_of(int64_t deadline, const struct grant_clock *now)
{
	int64_t ms = (deadline + 1) * 1000 - now->wall_ms;

	return now->mono_ms + (uint64_t)(ms > 0 ? ms : 0);
}

int grants_open(struct grants *g, unsigned door, const struct addr *a, int origin, uint32_t ttl,
		const struct grant_clock *now, struct grant **out)
{
	struct grant *gr = grants_find(g, door, a);
	int64_t deadline = now->wall_ms / 1000 + ttl;
	uint64_t expires = mono_end_of(deadline, now);

	if (gr) {
		if (expires > gr->expires_ms) {
			gr->expires_ms = expires;
			gr->deadline = deadline;
		}
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
	gr->expires_ms = mono_end_of(in->deadline, now);
	if (in->id >= g->next_id)
		g->next_id = in->id + 1;
	return 0;
}

int64_t grants_next_timeout(const struct grants *g, uint64_t now_ms)
{
	uint64_t next = UINT64_MAX;

	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].expires_ms < next)
			next = g->v[i].expires_ms;
	if (next == UINT64_MAX)
		return -1;
	return next <= now_ms ? 0 : (int64_t)(next - now_ms);
}

size_t grants_take_expired(struct grants *g, uint64_t now_ms, struct grant *out, size_t max)
{
	size_t taken = 0, i = 0;

	while (i < g->n && taken < max) {
		if (g->v[i].expires_ms <= now_ms) {
			out[taken++] = g->v[i];
			g->nunauth -= g->v[i].unauth;
			g->v[i] = g->v[--g->n];
		} else {
			i++;
		}
	}
	return taken;
}

int grants_remove(struct grants *g, uint32_t id, struct grant *out)
{
	for (size_t i = 0; i < g->n; i++) {
		if (g->v[i].id == id) {
			*out = g->v[i];
			g->nunauth -= g->v[i].unauth;
			g->v[i] = g->v[--g->n];
			return 0;
		}
	}
	return -1;
}

void grants_mark_unauth(struct grants *g, struct grant *gr)
{
	if (!gr->unauth)
		g->nunauth++;
	gr->unauth = 1;
}
