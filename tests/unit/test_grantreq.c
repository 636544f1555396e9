/*
 * No authorised client can stop the daemon: every token a client can sign that passes
 * verification (TTL 0, each door's max, the limit, limit + 1, 2^32 - 1; one door, every
 * 28 doors, 4 doors of the longest name (the door list full); IPv4 and IPv6; the nat forms) and
 * every sequence, made into a request by the parser (grantreq_make), is one the writer
 * (privsep_check) accepts, with the TTL each door then grants never above its max_ttl. As a
 * control, the same verdict sent as the parser sent it before (TTL as asked) is refused above the
 * limit.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_load.h"
#include "grantreq.h"
#include "grantsvc.h"
#include "tap.h"
#include "token.h"
#include "ttlrule.h"
#include "verify.h"

#define T0 1767225600

static struct keypair server, cl_all, cl_one, cl_long;
static struct pair_keys k_all, k_one, k_long;

#define LONG4 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"
static const char *const long_doors[] = {LONG4, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2",
					 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3",
					 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa4"};
static const uint32_t ttls[] = {
    0, 1, 30, 3600, TTL_LIMIT - 1, TTL_LIMIT, TTL_LIMIT + 1, 0x80000000u, 0xffffffffu};

static void keypair_from(struct keypair *kp, uint8_t fill)
{
	uint8_t seed[32];

	memset(seed, fill, sizeof(seed));
	crypto_sign_seed_keypair(kp->pk, kp->sk, seed);
}

/* 28 short doors (d0 has max_ttl 30d, d1 the default = ttl) and 4 with 31-char names. */
static int make_config(struct config *c)
{
	static char text[8192];
	char b_all[KEY_B64_LEN], b_one[KEY_B64_LEN], b_long[KEY_B64_LEN], err[512];
	size_t n = 0;

	keys_format_public(cl_all.pk, b_all);
	keys_format_public(cl_one.pk, b_one);
	keys_format_public(cl_long.pk, b_long);
	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "[door:d0]\nports = 22\nttl = 30s\nmax_ttl = 30d\n"
			      "[door:d1]\nports = 23\nttl = 1m\n");
	for (int i = 2; i < 28; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[door:d%d]\nports = %d\nmax_ttl = %dh\n", i, 1000 + i, i);
	for (int i = 0; i < 4; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[door:%s]\ndirection = out\nports = 443\nmax_ttl = 2h\n",
				      long_doors[i]);
	n += (size_t)snprintf(
	    text + n, sizeof(text) - n,
	    "[client:all]\npublic_key = %s\nnat = yes\nsequence = yes\ndoors = ", b_all);
	for (int i = 0; i < 28; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "d%d%s", i, i < 27 ? ", " : "\n");
	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "[client:long]\npublic_key = %s\nnat = yes\ndoors = %s, %s, %s, %s\n"
			      "[client:one]\npublic_key = %s\ndoors = d0\n"
			      "[sequence:legacy]\nports = 7000,8000\ndoors = d0, %s\n",
			      b_long, long_doors[0], long_doors[1], long_doors[2], long_doors[3],
			      b_one, long_doors[3]);
	if (config_parse(c, "t.conf", text, n, err, sizeof(err)) < 0) {
		ok(0, "test config parses: %s", err);
		return -1;
	}
	return 0;
}

/* The writer's view of what the parser sends: accepted, each door's TTL within max_ttl. */
static int writer_accepts(const struct config *c, const struct ps_msg *m, uint32_t asked)
{
	char err[256];

	if (privsep_check(c, m, err, sizeof(err)) < 0) {
		printf("# writer refuses: %s\n", err);
		return 0;
	}
	for (size_t d = 0; d < c->ndoors; d++) {
		uint32_t got = grantsvc_ttl(&c->doors[d], &(struct grantsvc_req){.ttl = m->ttl});
		uint32_t want = !asked                        ? c->doors[d].ttl
				: asked < c->doors[d].max_ttl ? asked
							      : c->doors[d].max_ttl;

		if ((m->doors & (1u << d)) && (got != want || got > c->doors[d].max_ttl)) {
			printf("# door %s: ttl %u, want %u\n", c->doors[d].name, got, want);
			return 0;
		}
	}
	return 1;
}

struct form {
	const char *title;
	const struct keypair *kp;
	const struct pair_keys *k;
	const char *tok_addr, *src;
	const char *const *doors;
	size_t ndoors;
};

static void one_token(struct verifier *v, const struct form *f, uint32_t ttl, int64_t *now)
{
	struct token t;
	struct verdict vd;
	struct ps_msg m;
	struct addr src;
	uint8_t pkt[TOKEN_SIZE];
	char why[256];
	int r;

	memset(&t, 0, sizeof(t));
	t.timestamp = (uint64_t)*now;
	addr_parse(f->tok_addr, &t.addr);
	t.ttl = ttl;
	if (!ok(token_set_doors(&t, f->doors, f->ndoors) == TOKEN_OK, "%s: door list fits",
		f->title))
		return;
	randombytes_buf(t.nonce, sizeof(t.nonce));
	token_seal(pkt, &t, f->k, f->kp, server.pk);
	addr_parse(f->src, &src);
	r = verify_token(v, pkt, sizeof(pkt), &src, *now, &vd);
	if (!ok(r == V_OK, "%s, ttl %u: verified (%s)", f->title, ttl, verify_strresult(r)))
		return;
	struct grantreq_in in = {ORIGIN_TOKEN, vd.client, -1, vd.doors, vd.ttl, vd.addr};

	r = grantreq_make(v->cfg, &in, &m, why, sizeof(why));
	ok(r == (ttl > TTL_LIMIT ? GRANTREQ_CUT : GRANTREQ_OK) && writer_accepts(v->cfg, &m, ttl),
	   "%s, ttl %u: the parser sends (%s), the writer accepts", f->title, ttl,
	   r == GRANTREQ_CUT ? why : "as asked");
	if (ttl > TTL_LIMIT) { /* the control: the verdict sent as it was (the old parser) */
		struct ps_msg raw = m;
		char err[256];

		raw.ttl = vd.ttl;
		ok(privsep_check(v->cfg, &raw, err, sizeof(err)) < 0,
		   "control: the TTL as asked would stop the daemon (%s)", err);
	}
	*now += 1;
}

static void tokens(const struct config *c)
{
	static const char *const one[] = {"d0"};
	static const char *shorts[28];
	static char names[28][16];
	struct verifier v;
	char err[256];
	int64_t now = T0;

	for (int i = 0; i < 28; i++) {
		snprintf(names[i], sizeof(names[i]), "d%d", i);
		shorts[i] = names[i];
	}
	const struct form forms[] = {
	    {"IPv4, one door", &cl_one, &k_one, "192.0.2.10", "192.0.2.10", one, 1},
	    {"IPv6, one door", &cl_one, &k_one, "2001:db8::10", "2001:db8::10", one, 1},
	    {"IPv4, 28 doors", &cl_all, &k_all, "192.0.2.11", "192.0.2.11", shorts, 28},
	    {"IPv6, 4 doors of 31 chars", &cl_long, &k_long, "2001:db8::11", "2001:db8::11",
	     long_doors, 4},
	    {"nat, 0.0.0.0 from IPv4", &cl_all, &k_all, "0.0.0.0", "203.0.113.5", one, 1},
	    {"nat, :: from IPv6", &cl_all, &k_all, "::", "2001:db8::99", one, 1},
	    {"nat, IPv4 named from IPv6", &cl_all, &k_all, "198.51.100.7", "2001:db8::99", one, 1},
	    {"nat, IPv6 named from IPv4", &cl_all, &k_all, "2001:db8::7", "203.0.113.5", shorts,
	     28},
	};

	if (!ok(verify_init(&v, c, &server, err, sizeof(err)) == 0, "verifier init: %s", err))
		return;
	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++)
		for (size_t i = 0; i < sizeof(ttls) / sizeof(ttls[0]); i++)
			one_token(&v, &forms[f], ttls[i], &now);
	verify_free(&v);
}

/* Sequences: a client's (all its doors, TTL 0) and a static one, from both families. */
static void sequences(const struct config *c)
{
	static const char *const srcs[] = {"192.0.2.10", "2001:db8::10"};
	struct ps_msg m;
	char why[256];

	for (size_t s = 0; s < 2; s++) {
		struct grantreq_in auth = {ORIGIN_SEQUENCE, 0, -1, c->clients[0].doors, 0, {0}};
		struct grantreq_in stat = {ORIGIN_SEQUENCE, -1, 0, c->seqs[0].doors, 0, {0}};

		addr_parse(srcs[s], &auth.addr);
		addr_parse(srcs[s], &stat.addr);
		ok(grantreq_make(c, &auth, &m, why, sizeof(why)) == GRANTREQ_OK &&
		       writer_accepts(c, &m, 0),
		   "client sequence from %s: sent, accepted", srcs[s]);
		ok(grantreq_make(c, &stat, &m, why, sizeof(why)) == GRANTREQ_OK &&
		       writer_accepts(c, &m, 0),
		   "static sequence from %s: sent, accepted", srcs[s]);
	}
}

/* What no verified token or sequence carries is answered by the parser, never sent. */
static void refused(const struct config *c)
{
	struct grantreq_in in = {ORIGIN_TOKEN, 2, -1, 2, 0, {0}};
	struct ps_msg m;
	char why[256];

	addr_parse("192.0.2.10", &in.addr);
	ok(grantreq_make(c, &in, &m, why, sizeof(why)) == GRANTREQ_REFUSED,
	   "a door the client may not open: not sent (%s)", why);
	in.doors = 0;
	ok(grantreq_make(c, &in, &m, why, sizeof(why)) == GRANTREQ_REFUSED,
	   "no door: not sent (%s)", why);
}

int main(void)
{
	struct config c;

	if (sodium_init() < 0)
		return 1;
	keypair_from(&server, 0x02);
	keypair_from(&cl_all, 0x03);
	keypair_from(&cl_one, 0x04);
	keypair_from(&cl_long, 0x05);
	if (crypto_pair_derive(&k_all, &cl_all, server.pk, cl_all.pk, server.pk) < 0 ||
	    crypto_pair_derive(&k_long, &cl_long, server.pk, cl_long.pk, server.pk) < 0 ||
	    crypto_pair_derive(&k_one, &cl_one, server.pk, cl_one.pk, server.pk) < 0)
		return 1;
	if (make_config(&c) == 0) {
		ok(c.ndoors == CONFIG_MAX_DOORS, "the config has %zu doors (the limit)", c.ndoors);
		tokens(&c);
		sequences(&c);
		refused(&c);
		config_free(&c);
	}
	return tap_done();
}
