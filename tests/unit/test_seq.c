/*
 * Knock sequences: authenticated (derived) and static; duplicates, strays, scans, replays;
 * the sequence vectors of knock-protocol(7) (test_seq_complete feeds them to the engine:
 * they are steps of its run, with the same keys).
 */
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_load.h"
#include "seq.h"
#include "tap.h"
#include "vector_cfg.h"

#define NOW 1767225600 /* a step boundary */

static const char conf_fmt[] = "[knockd]\nsequence_ports = 61000-61999\n"
			       "[door:ssh]\nports = 22\n"
			       "[client:a]\npublic_key = %s\ndoors = ssh\nsequence = yes\n"
			       "[client:b]\npublic_key = %s\ndoors = ssh\nsequence = yes\n"
			       "[sequence:legacy]\nports = 7000,8000:udp,9000\ntimeout = 5s\n"
			       "doors = ssh\n";

static struct config c;
static struct pair_keys keys[2];
static struct seq_engine e;
static struct replay r;
static struct addr src;

static int feed(const struct seq_knock *k, int n, uint64_t ms, struct seq_result *out)
{
	int res = SEQ_NONE;

	struct seq_result one;

	for (int i = 0; i < n; i++) {
		int x =
		    seq_knock(&e, &src, k[i].protocol, k[i].port, ms + (uint64_t)i, NOW, &r, &one);

		if (res == SEQ_NONE && x != SEQ_NONE) {
			res = x;
			*out = one;
		}
	}
	return res;
}

static int knock_same(const struct seq_knock *x, const struct seq_knock *y)
{
	return x->port == y->port && x->protocol == y->protocol;
}

static void authenticated(void)
{
	struct seq_knock k[SEQ_MAX_LEN], dup[2 * SEQ_MAX_LEN];
	struct seq_result out;

	seqgen_derive(k, 4, &keys[0], NOW / TIME_STEP, 61000, 1000);
	ok(seq_watched(&e, k[0].protocol, k[0].port) && !seq_watched(&e, IPPROTO_TCP, 22),
	   "the derived ports are watched, others are not");
	ok(feed(k, 3, 1000, &out) == SEQ_NONE, "three of four knocks complete nothing");
	ok(feed(k + 3, 1, 1003, &out) == SEQ_AUTH && out.client == 0,
	   "the fourth completes client a's sequence");
	ok(replay_add(&r, out.replay_id, out.replay_expires, 0, NOW) == 0,
	   "(the daemon records it)");
	ok(feed(k, 4, 2000, &out) == SEQ_AUTH_REPLAY, "the same sequence again: a replay");
	seqgen_derive(k, 4, &keys[1], NOW / TIME_STEP + 1, 61000, 1000); /* b, clock ahead */
	for (int i = 0; i < 4; i++) {
		dup[i * 2] = k[i];
		dup[i * 2 + 1] = k[i]; /* a retransmitted SYN */
	}
	ok(feed(dup, 8, 3000, &out) == SEQ_AUTH && out.client == 1,
	   "every knock duplicated, one step ahead: client b still completes");
	seqgen_derive(k, 4, &keys[0], NOW / TIME_STEP - 1, 61000, 1000);
	seq_knock(&e, &src, k[0].protocol, k[0].port, 4000, NOW, &r, &out);
	seq_knock(&e, &src, k[1].protocol, k[1].port, 4001, NOW, &r, &out);
	seq_knock(&e, &src, IPPROTO_TCP, (uint16_t)(k[1].port == 61500 ? 61501 : 61500), 4002, NOW,
		  &r, &out);
	ok(feed(k + 2, 2, 4003, &out) == SEQ_NONE, "a stray knock in the middle resets it");
	ok(feed(k, 4, 5000, &out) == SEQ_AUTH && out.client == 0,
	   "previous step's sequence, sent cleanly, completes");
	seqgen_derive(k, 4, &keys[0], NOW / TIME_STEP + 5, 61000, 1000);
	ok(feed(k, 4, 6000, &out) == SEQ_NONE, "a sequence of a step far away opens nothing");
	seqgen_derive(k, 4, &keys[1], NOW / TIME_STEP, 61000, 1000);
	ok(feed(k, 2, 7000, &out) == SEQ_NONE && feed(k + 2, 2, 7000 + 11000, &out) == SEQ_NONE,
	   "knocks 11 s apart (sequence_timeout 10s): the attempt lapses");
	/* A duplicate is a repeat of the knock matched last, nothing else. */
	seqgen_derive(k, 4, &keys[1], NOW / TIME_STEP - 1, 61000, 1000);
	dup[0] = k[0], dup[1] = k[1], dup[2] = k[0], dup[3] = k[2], dup[4] = k[3];
	ok(!knock_same(&k[0], &k[2]) && feed(dup, 5, 30000, &out) == SEQ_NONE,
	   "a late repeat of the first knock, after the second: a stray, the attempt ends");
	dup[0] = k[0], dup[1] = k[1], dup[2] = k[1], dup[3] = k[1], dup[4] = k[2], dup[5] = k[3];
	ok(feed(dup, 6, 40000, &out) == SEQ_AUTH && out.client == 1,
	   "the second knock three times in a row: duplicates, client b completes");
}

/* knock-protocol(7): the consecutive-port rule, and a knock visited twice, not in a row. */
static void vectors(void)
{
	static const struct {
		uint64_t step;
		const char *h;
		struct seq_knock k[8];
	} want[] = {
	    {58907540,
	     "55c5720d66391f11a9454983fa251634ea474875d4031405",
	     {{61106, IPPROTO_TCP},
	      {61137, IPPROTO_TCP},
	      {61138, IPPROTO_TCP},
	      {61803, IPPROTO_TCP},
	      {61494, IPPROTO_UDP},
	      {61847, IPPROTO_TCP},
	      {61756, IPPROTO_TCP},
	      {61733, IPPROTO_TCP}}},
	    {58907636,
	     "785145a5246faa375d8b9746fb13cbc392324ff897ac5655",
	     {{61125, IPPROTO_TCP},
	      {61767, IPPROTO_UDP},
	      {61293, IPPROTO_UDP},
	      {61230, IPPROTO_UDP},
	      {61603, IPPROTO_UDP},
	      {61946, IPPROTO_UDP},
	      {61983, IPPROTO_TCP},
	      {61293, IPPROTO_UDP}}},
	};
	struct keypair cl, sv;
	struct pair_keys k;
	struct seq_knock got[8], four[4];
	uint8_t seed[32], msg[12] = {'s', 'e', 'q', 'p'}, h[24];
	char hex[49];

	memset(seed, 0x01, sizeof(seed));
	crypto_sign_seed_keypair(cl.pk, cl.sk, seed);
	memset(seed, 0x02, sizeof(seed));
	crypto_sign_seed_keypair(sv.pk, sv.sk, seed);
	if (crypto_pair_derive(&k, &cl, sv.pk, cl.pk, sv.pk) < 0)
		return;
	for (size_t v = 0; v < 2; v++) {
		int same = 1;

		for (int i = 0; i < 8; i++)
			msg[4 + i] = (uint8_t)(want[v].step >> (56 - 8 * i));
		crypto_generichash(h, sizeof(h), msg, sizeof(msg), k.seq, sizeof(k.seq));
		sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
		seqgen_derive(got, 8, &k, want[v].step, 61000, 1000);
		seqgen_derive(four, 4, &k, want[v].step, 61000, 1000);
		for (int i = 0; i < 8; i++)
			same &= knock_same(&got[i], &want[v].k[i]) &&
				(i >= 4 || knock_same(&four[i], &got[i]));
		ok(!strcmp(hex, want[v].h) && same,
		   "documented h and 8 knocks for step %llu (4 knocks: the first four)",
		   (unsigned long long)want[v].step);
	}
}

static void scans(void)
{
	struct seq_result out;
	uint16_t ports[1000];
	int opened = 0;

	/* 50 full scans of the watched range in random order, TCP and UDP. */
	for (int scan = 0; scan < 50; scan++) {
		for (int i = 0; i < 1000; i++)
			ports[i] = (uint16_t)(61000 + i);
		for (int i = 999; i > 0; i--) {
			int j = (int)randombytes_uniform((uint32_t)i + 1);
			uint16_t t = ports[i];

			ports[i] = ports[j];
			ports[j] = t;
		}
		src.a[3] = (uint8_t)(100 + scan);
		for (int i = 0; i < 1000; i++) {
			int proto = (i & 1) ? IPPROTO_UDP : IPPROTO_TCP;

			opened += seq_knock(&e, &src, proto, ports[i], 100000 + (uint64_t)i, NOW,
					    &r, &out) != SEQ_NONE;
			opened += seq_knock(&e, &src, IPPROTO_TCP + IPPROTO_UDP - proto, ports[i],
					    100000 + (uint64_t)i, NOW, &r, &out) != SEQ_NONE;
		}
	}
	ok(opened == 0, "50 random-order scans of all 1000 watched ports (TCP+UDP) open nothing");
	src.a[3] = 10;
}

static void static_sequences(void)
{
	struct seq_result out;
	struct seq_knock ok_seq[] = {{7000, IPPROTO_TCP}, {8000, IPPROTO_UDP}, {9000, IPPROTO_TCP}};
	struct seq_knock wrong_proto[] = {
	    {7000, IPPROTO_TCP}, {8000, IPPROTO_TCP}, {9000, IPPROTO_TCP}};
	struct seq_knock stray[] = {
	    {7000, IPPROTO_TCP}, {9000, IPPROTO_TCP}, {8000, IPPROTO_UDP}, {9000, IPPROTO_TCP}};

	src.a[3] = 77;
	ok(feed(ok_seq, 3, 200000, &out) == SEQ_STATIC && out.seq == 0,
	   "static 7000,8000:udp,9000 completes");
	ok(feed(ok_seq, 3, 210000, &out) == SEQ_STATIC,
	   "and again (static sequences are replayable: unauthenticated)");
	ok(feed(wrong_proto, 3, 220000, &out) == SEQ_NONE, "8000 over TCP instead of UDP: nothing");
	ok(feed(stray, 4, 230000, &out) == SEQ_NONE, "out of order: nothing");
	ok(feed(ok_seq, 2, 240000, &out) == SEQ_NONE &&
	       feed(ok_seq + 2, 1, 246000, &out) == SEQ_NONE,
	   "slower than its timeout (5s): nothing");
}

int main(void)
{
	char text[1024], b1[KEY_B64_LEN], b2[KEY_B64_LEN], err[512] = "";
	struct keypair server, client[2];
	uint8_t seed[32], hk[16] = {7};

	if (sodium_init() < 0)
		return 1;
	for (int i = 0; i < 3; i++) {
		memset(seed, i + 1, sizeof(seed));
		crypto_sign_seed_keypair(i ? client[i - 1].pk : server.pk,
					 i ? client[i - 1].sk : server.sk, seed);
	}
	stand_in_key(b1);
	stand_in_key(b2);
	snprintf(text, sizeof(text), conf_fmt, b1, b2);
	if (!ok(config_parse(&c, "t.conf", text, strlen(text), err, sizeof(err)) == 0 &&
		    use_vector_keys(&c, client[0].pk, client[1].pk),
		"config: %s", err))
		return tap_done();
	for (int i = 0; i < 2; i++)
		if (crypto_pair_derive(&keys[i], &server, client[i].pk, client[i].pk, server.pk) <
		    0)
			return 1;
	if (seq_init(&e, &c, keys, hk) < 0 || replay_init(&r, 2, 0, hk) < 0)
		return 1;
	addr_parse("192.0.2.10", &src);
	authenticated();
	vectors();
	scans();
	static_sequences();
	ok(e.sources != NULL, "counters: %llu knocks, %llu resets, %llu completed, %llu replays",
	   (unsigned long long)e.knocks, (unsigned long long)e.resets,
	   (unsigned long long)e.completed, (unsigned long long)e.replays);
	seq_free(&e);
	replay_free(&r);
	config_free(&c);
	return tap_done();
}
