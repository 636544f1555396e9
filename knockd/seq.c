/*
 * Knock sequences: authenticated per-client sequences and static [sequence:NAME] ones.
 * A knock to a watched port that neither advances an attempt nor repeats the knock it
 * matched last ends that attempt, so a scan of the range cannot complete a sequence.
 */
#include "seq.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct seq_first {
	struct seq_knock first;
	int client;
	uint64_t step;
};

static int cmp_first(const void *a, const void *b)
{
	const struct seq_first *x = a, *y = b;

	if (x->first.port != y->first.port)
		return x->first.port < y->first.port ? -1 : 1;
	return (int)x->first.protocol - (int)y->first.protocol;
}

int seq_init(struct seq_engine *e, const struct config *cfg, const struct pair_keys *keys,
	     const uint8_t hashkey[16])
{
	memset(e, 0, sizeof(*e));
	e->cfg = cfg;
	e->keys = keys;
	memcpy(e->hashkey, hashkey, sizeof(e->hashkey));
	for (size_t c = 0; c < cfg->nclients; c++)
		e->nauth += cfg->clients[c].sequence != 0;
	e->sources = calloc(SEQ_BUCKETS * SEQ_WAYS, sizeof(*e->sources));
	e->firsts = calloc(e->nauth * 3 + 1, sizeof(*e->firsts));
	e->firsts_step = UINT64_MAX;
	return e->sources && e->firsts ? 0 : -1;
}

void seq_free(struct seq_engine *e)
{
	free(e->sources);
	free(e->firsts);
	e->sources = NULL;
	e->firsts = NULL;
}

static int knock_eq(const struct seq_knock *k, int protocol, uint16_t port)
{
	return k->port == port && k->protocol == protocol;
}

static int knock_eq_step(const struct seq_step *k, int protocol, uint16_t port)
{
	return k->port == port && k->protocol == protocol;
}

int seq_watched(const struct seq_engine *e, int protocol, uint16_t port)
{
	const struct config *c = e->cfg;

	if (e->nauth && port >= c->seq_base && port - c->seq_base < c->seq_count)
		return 1;
	for (size_t i = 0; i < c->nseqs; i++)
		for (int j = 0; j < c->seqs[i].nsteps; j++)
			if (c->seqs[i].steps[j].port == port &&
			    c->seqs[i].steps[j].protocol == protocol)
				return 1;
	return 0;
}

/* Sequences of the steps around now (clock skew of one step either way). */
static void firsts_rebuild(struct seq_engine *e, uint64_t step)
{
	const struct config *c = e->cfg;
	struct seq_knock k[SEQ_MAX_LEN];

	e->nfirsts = 0;
	for (size_t i = 0; i < c->nclients; i++) {
		if (!c->clients[i].sequence)
			continue;
		for (uint64_t s = step - 1; s <= step + 1; s++) {
			seqgen_derive(k, c->seq_len, &e->keys[i], s, c->seq_base, c->seq_count);
			e->firsts[e->nfirsts++] = (struct seq_first){k[0], (int)i, s};
		}
	}
	qsort(e->firsts, e->nfirsts, sizeof(*e->firsts), cmp_first);
	e->firsts_step = step;
}

static struct seq_source *source_slot(struct seq_engine *e, const struct addr *src)
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v;
	struct seq_source *b, *oldest;

	crypto_shorthash(h, (const uint8_t *)src, sizeof(*src), e->hashkey);
	memcpy(&v, h, sizeof(v));
	b = &e->sources[(v % SEQ_BUCKETS) * SEQ_WAYS];
	oldest = &b[0];
	for (int i = 0; i < SEQ_WAYS; i++) {
		if (b[i].last_ms && addr_equal(&b[i].src, src))
			return &b[i];
		if (b[i].last_ms < oldest->last_ms)
			oldest = &b[i];
	}
	memset(oldest, 0, sizeof(*oldest)); /* free, or the least recently active: evicted */
	oldest->src = *src;
	for (int i = 0; i < SEQ_CANDIDATES; i++)
		oldest->cand[i].client = -1;
	return oldest;
}

/* A (client, step) that is live with only this knock matched: starting it again adds nothing. */
static int started_already(const struct seq_source *s, int client, uint64_t step)
{
	for (int i = 0; i < SEQ_CANDIDATES; i++)
		if (s->cand[i].client == client && s->cand[i].step == step &&
		    s->cand[i].progress == 1)
			return 1;
	return 0;
}

static void start_candidates(struct seq_engine *e, struct seq_source *s, int protocol,
			     uint16_t port)
{
	struct seq_first key = {.first = {port, (uint8_t)protocol}};
	struct seq_first *f = bsearch(&key, e->firsts, e->nfirsts, sizeof(key), cmp_first);

	while (f && f > e->firsts && !cmp_first(f - 1, &key))
		f--;
	for (; f && f < e->firsts + e->nfirsts && !cmp_first(f, &key); f++) {
		if (started_already(s, f->client, f->step))
			continue;
		for (int i = 0; i < SEQ_CANDIDATES; i++) {
			struct seq_cand *c = &s->cand[i];

			if (c->client >= 0)
				continue;
			c->client = f->client;
			c->step = f->step;
			c->progress = 1;
			seqgen_derive(c->k, e->cfg->seq_len, &e->keys[f->client], f->step,
				      e->cfg->seq_base, e->cfg->seq_count);
			break;
		}
	}
}

/*
 * Lower is better, for two attempts completed by the same knock (two steps can share a
 * sequence): an unused (client, step) first, then the server's step, the previous, the next.
 */
static int completion_rank(const struct seq_engine *e, const struct seq_cand *c,
			   const struct replay *replay, int64_t now_wall, uint8_t id[REPLAY_ID_LEN])
{
	int rank = c->step == e->firsts_step ? 0 : c->step + 1 == e->firsts_step ? 1 : 2;

	seqgen_replay_id(id, &e->keys[c->client], c->step);
	return replay_seen(replay, id, now_wall) ? 3 + rank : rank;
}

static int auth_complete(struct seq_engine *e, struct seq_source *s, const struct seq_cand *c,
			 int replayed, struct seq_result *out)
{
	out->client = c->client;
	seqgen_replay_id(out->replay_id, &e->keys[c->client], c->step);
	/* valid until its step can no longer be accepted: end of step + 1 */
	out->replay_expires = (int64_t)(c->step + 2) * TIME_STEP + 1;
	e->completed++;
	for (int j = 0; j < SEQ_CANDIDATES; j++)
		s->cand[j].client = -1;
	if (replayed) {
		e->replays++;
		return out->outcome = SEQ_AUTH_REPLAY;
	}
	return out->outcome = SEQ_AUTH;
}

/*
 * Per attempt: the knock it expects next advances it; a repeat of the knock it matched last
 * (a retransmitted SYN, a repeated datagram) leaves it as it is; anything else ends it.
 * The derivation makes consecutive knocks differ, so the two never clash, and a sequence
 * may visit the same port again later.
 */
static int auth_knock(struct seq_engine *e, struct seq_source *s, int protocol, uint16_t port,
		      int64_t now_wall, const struct replay *replay, struct seq_result *out)
{
	const struct seq_cand *best = NULL;
	uint8_t id[REPLAY_ID_LEN];
	int live = 0, kept = 0, best_rank = 0;

	for (int i = 0; i < SEQ_CANDIDATES; i++) {
		struct seq_cand *c = &s->cand[i];
		int rank;

		if (c->client < 0)
			continue;
		live++;
		if (knock_eq(&c->k[c->progress - 1], protocol, port)) {
			kept++; /* a duplicate */
			continue;
		}
		if (!knock_eq(&c->k[c->progress], protocol, port)) {
			c->client = -1; /* a stray knock ends this attempt */
			continue;
		}
		kept++;
		if (++c->progress < e->cfg->seq_len)
			continue;
		rank = completion_rank(e, c, replay, now_wall, id);
		if (!best || rank < best_rank) {
			best = c;
			best_rank = rank;
		}
	}
	if (best)
		return auth_complete(e, s, best, best_rank >= 3, out);
	if (live && !kept)
		e->resets++;
	start_candidates(e, s, protocol, port);
	return SEQ_NONE;
}

static int static_knock(struct seq_engine *e, struct seq_source *s, int protocol, uint16_t port,
			uint64_t now_ms, struct seq_result *out)
{
	for (size_t i = 0; i < e->cfg->nseqs; i++) {
		const struct static_seq *q = &e->cfg->seqs[i];
		int p = s->st_progress[i];

		if (p && now_ms - s->st_started[i] > (uint64_t)q->timeout * 1000)
			p = 0;
		if (knock_eq_step(&q->steps[p], protocol, port)) {
			if (p == 0)
				s->st_started[i] = now_ms;
			p++;
		} else if (!(p && knock_eq_step(&q->steps[p - 1], protocol, port))) {
			p = knock_eq_step(&q->steps[0], protocol, port);
			s->st_started[i] = now_ms;
		}
		if (p == q->nsteps) {
			s->st_progress[i] = 0;
			out->seq = (int)i;
			e->completed++;
			return out->outcome = SEQ_STATIC;
		}
		s->st_progress[i] = (uint8_t)p;
	}
	return SEQ_NONE;
}

int seq_knock(struct seq_engine *e, const struct addr *src, int protocol, uint16_t port,
	      uint64_t now_ms, int64_t now_wall, const struct replay *replay,
	      struct seq_result *out)
{
	const struct config *c = e->cfg;
	struct seq_source *s;
	int r = SEQ_NONE;

	memset(out, 0, sizeof(*out));
	e->knocks++;
	s = source_slot(e, src);
	if (s->last_ms && now_ms - s->last_ms > (uint64_t)c->seq_timeout * 1000)
		for (int i = 0; i < SEQ_CANDIDATES; i++)
			s->cand[i].client = -1; /* too slow: the attempt lapsed */
	s->last_ms = now_ms ? now_ms : 1;
	if ((uint64_t)now_wall / TIME_STEP != e->firsts_step)
		firsts_rebuild(e, (uint64_t)now_wall / TIME_STEP);
	if (e->nauth && port >= c->seq_base && port - c->seq_base < c->seq_count)
		r = auth_knock(e, s, protocol, port, now_wall, replay, out);
	if (r == SEQ_NONE)
		r = static_knock(e, s, protocol, port, now_ms, out);
	return r;
}
