/*
 * Token verification, cheapest check first: size and version, an O(1) key-hint lookup, the
 * replay cache, one AEAD open, timestamp window, Ed25519 signature, then policy; only a
 * token that passes all of it is recorded in the replay cache.
 * No trial decryption: the rotating hint names the client (or nothing) before any crypto.
 * The replay cache is asked before the AEAD: the nonce is in clear, and only a token that
 * opened, verified and was accepted is in the cache, so a packet carrying one of those
 * nonces is a copy of an accepted token (or forged from one): refusing it costs one hash,
 * however fast the copies come.
 */
#include "verify.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ttlrule.h"

struct hint_slot {
	uint64_t hint; /* 0 = empty (a zero hint is skipped on insert: 2^-64) */
	int client;
};

static const char *const result_names[V_NRESULTS] = {
    "ok",     "bad-size", "bad-version", "unknown-hint", "aead",    "malformed", "stale",
    "future", "replay",   "signature",   "replay-full",  "address", "door",      "duplicate"};

const char *verify_strresult(int r)
{
	return (r >= 0 && r < V_NRESULTS) ? result_names[r] : "unknown";
}

static uint64_t hint_u64(const uint8_t h[HINT_LEN])
{
	uint64_t v;

	memcpy(&v, h, sizeof(v));
	return v;
}

static void hints_insert(struct verifier *v, uint64_t h, int client)
{
	size_t i = (size_t)h & v->hint_mask;

	if (!h)
		return;
	while (v->hints[i].hint)
		i = (i + 1) & v->hint_mask;
	v->hints[i].hint = h;
	v->hints[i].client = client;
}

/* Rebuilt lazily when the time step changes: no timer, no wake-up while idle. */
static void hints_rebuild(struct verifier *v, uint64_t step)
{
	uint8_t h[HINT_LEN];

	memset(v->hints, 0, (v->hint_mask + 1) * sizeof(*v->hints));
	for (size_t c = 0; c < v->cfg->nclients; c++) {
		for (int d = -v->hint_span; d <= v->hint_span; d++) {
			crypto_hint(h, &v->keys[c], step + (uint64_t)d);
			hints_insert(v, hint_u64(h), (int)c);
		}
	}
	v->hint_step = step;
}

static size_t next_pow2(size_t n)
{
	size_t p = 16;

	while (p < n)
		p <<= 1;
	return p;
}

int verify_init_keys(struct verifier *v, const struct config *cfg,
		     const uint8_t server_pk[KEY_PUBLIC_LEN], struct pair_keys *keys, char *err,
		     size_t errlen)
{
	uint8_t rkey[16];
	size_t n = cfg->nclients ? cfg->nclients : 1;

	memset(v, 0, sizeof(*v));
	v->cfg = cfg;
	v->keys = keys;
	memcpy(v->server_pk, server_pk, KEY_PUBLIC_LEN);
	/* One step beyond the window, so a skewed clock is refused as stale/future (logged,
	 * diagnosable) rather than as an unknown hint (junk, silent). */
	v->hint_span = (int)((cfg->replay_window + TIME_STEP - 1) / TIME_STEP) + 1;
	v->hint_mask = next_pow2(n * (size_t)(2 * v->hint_span + 1) * 2) - 1;
	v->hints = calloc(v->hint_mask + 1, sizeof(*v->hints));
	randombytes_buf(rkey, sizeof(rkey));
	randombytes_buf(v->refused, sizeof(v->refused)); /* no all-zero nonce is "seen" */
	if (!v->keys || !v->hints || replay_init(&v->replay, cfg->nclients, 0, rkey) < 0) {
		snprintf(err, errlen, "out of memory");
		verify_free(v);
		return -1;
	}
	v->hint_step = UINT64_MAX;
	return 0;
}

int verify_init(struct verifier *v, const struct config *cfg, const struct keypair *server,
		char *err, size_t errlen)
{
	size_t n = cfg->nclients ? cfg->nclients : 1;
	struct pair_keys *keys = sodium_allocarray(n, sizeof(*keys));

	memset(v, 0, sizeof(*v));
	for (size_t c = 0; keys && c < cfg->nclients; c++) {
		const struct client *cl = &cfg->clients[c];

		if (crypto_pair_derive(&keys[c], server, cl->pk, cl->pk, server->pk) < 0) {
			snprintf(err, errlen, "client '%s': key agreement failed", cl->name);
			sodium_free(keys);
			return -1;
		}
	}
	return verify_init_keys(v, cfg, server->pk, keys, err, errlen);
}

void verify_free(struct verifier *v)
{
	sodium_free(v->keys);
	free(v->hints);
	replay_free(&v->replay);
	v->keys = NULL;
	v->hints = NULL;
}

int verify_spent(int r)
{
	return r == V_OK;
}

int verify_logged(int r)
{
	switch (r) {
	case V_STALE:
	case V_FUTURE:
	case V_REPLAY:
	case V_SIGNATURE:
	case V_REPLAY_FULL:
	case V_ADDRESS:
	case V_DOOR:
		return 1;
	default:
		return 0;
	}
}

static int lookup(struct verifier *v, const uint8_t *hint, int64_t now)
{
	uint64_t h = hint_u64(hint), step = (uint64_t)now / TIME_STEP;
	size_t i;

	if (step != v->hint_step)
		hints_rebuild(v, step);
	for (i = (size_t)h & v->hint_mask; v->hints[i].hint; i = (i + 1) & v->hint_mask)
		if (v->hints[i].hint == h)
			return v->hints[i].client;
	return -1;
}

static int check_doors(const struct verifier *v, const struct token *t, int client, uint32_t *mask,
		       char bad[NAME_MAX_LEN + 1])
{
	size_t off = 0;
	const char *name;
	int i;

	*mask = 0;
	while ((name = token_next_door(t, &off))) {
		i = config_door_index(v->cfg, name);
		if (i < 0 || !(v->cfg->clients[client].doors & (1u << i))) {
			snprintf(bad, NAME_MAX_LEN + 1, "%s", name);
			return V_DOOR;
		}
		*mask |= 1u << i;
	}
	return *mask ? V_OK : V_DOOR;
}

static int authenticate(struct verifier *v, const uint8_t *buf, int c, int64_t now, struct token *t)
{
	int64_t w = v->cfg->replay_window;

	switch (token_open(t, buf, &v->keys[c])) {
	case TOKEN_OK:
		break;
	case TOKEN_E_MALFORMED:
		return V_MALFORMED; /* only a key holder gets this far */
	default:
		return V_AEAD;
	}
	if ((int64_t)t->timestamp < now - w)
		return V_STALE;
	if ((int64_t)t->timestamp > now + w)
		return V_FUTURE;
	if (token_verify(t, v->cfg->clients[c].pk, v->server_pk) != TOKEN_OK)
		return V_SIGNATURE;
	return V_OK;
}

/* A nonce already accepted: the sender's own copy (same address, just after), or a replay. */
static int seen(struct verifier *v, const uint8_t *buf, const struct addr *src, int64_t now)
{
	const struct replay_entry *e =
	    replay_find(&v->replay, buf + 1 + HINT_LEN, now); /* the nonce's first bytes */

	if (!e)
		return V_OK;
	if (now <= e->dup_until && e->src == replay_src_hash(&v->replay, src, sizeof(*src)))
		return V_DUPLICATE;
	return V_REPLAY;
}

static int refused_copy(const struct verifier *v, const uint8_t *buf, const struct addr *src)
{
	for (int i = 0; i < VERIFY_REFUSED_RING; i++)
		if (!memcmp(v->refused[i].id, buf + 1 + HINT_LEN, REPLAY_ID_LEN))
			return v->refused[i].src == replay_src_hash(&v->replay, src, sizeof(*src));
	return 0;
}

static int result(struct verifier *v, int r)
{
	v->counts[r]++;
	return r;
}

/* A refusal the parser logs: its copies, which follow, are counted as duplicates. */
static int refuse(struct verifier *v, const uint8_t *buf, const struct addr *src, int r)
{
	if (verify_logged(r)) {
		memcpy(v->refused[v->refused_next].id, buf + 1 + HINT_LEN, REPLAY_ID_LEN);
		v->refused[v->refused_next].src = replay_src_hash(&v->replay, src, sizeof(*src));
		v->refused_next = (v->refused_next + 1) % VERIFY_REFUSED_RING;
	}
	return result(v, r);
}

int verify_token(struct verifier *v, const uint8_t *buf, size_t len, const struct addr *src,
		 int64_t now, struct verdict *out)
{
	struct token t;
	int c, r;

	memset(out, 0, sizeof(*out));
	r = token_check_header(buf, len);
	if (r != TOKEN_OK)
		return result(v, r == TOKEN_E_SIZE ? V_SIZE : V_VERSION);
	c = lookup(v, token_hint(buf), now);
	if (c < 0)
		return result(v, V_HINT);
	out->client = c;
	r = seen(v, buf, src, now);
	if (r == V_OK && refused_copy(v, buf, src))
		r = V_DUPLICATE;
	if (r != V_OK)
		return result(v, r);
	r = authenticate(v, buf, c, now, &t);
	if (r != V_OK)
		return refuse(v, buf, src, r);
	memcpy(out->nonce_id, t.nonce, REPLAY_ID_LEN);
	out->nonce_expires = (int64_t)t.timestamp + v->cfg->replay_window + 1;
	out->timestamp = t.timestamp;
	out->ttl = t.ttl;
	out->addr = t.addr;
	if (addr_is_unspecified(&t.addr) || !addr_equal(&t.addr, src)) {
		if (!v->cfg->clients[c].nat)
			return refuse(v, buf, src, V_ADDRESS);
		if (addr_is_unspecified(&t.addr))
			out->addr = *src;
	}
	r = check_doors(v, &t, c, &out->doors, out->door);
	/* Only a token that opens spends a slot of its client's share, remembered until its
	 * timestamp leaves the window (then the clock check refuses it). */
	if (r == V_OK && replay_add(&v->replay, t.nonce, out->nonce_expires, c, now) < 0)
		r = V_REPLAY_FULL;
	if (r != V_OK)
		return refuse(v, buf, src, r);
	replay_mark(&v->replay, t.nonce, replay_src_hash(&v->replay, src, sizeof(*src)),
		    now + VERIFY_DUP_SECS);
	return result(v, r);
}
