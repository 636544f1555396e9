/*
 * Every authenticated sequence completes: for each corner of the configuration (16 and
 * 1000 watched ports; 2, 4 and 8 knocks), the sequence of each of 100,000 time steps, fed
 * to the engine with duplicated knocks sprinkled in, opens exactly that (client, step). The
 * sequences that visit a (port, protocol) twice non-adjacently are counted and must
 * complete too.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_load.h"
#include "seq.h"
#include "tap.h"
#include "vector_cfg.h"

#define STEPS      100000
#define FIRST_STEP 58907520ULL /* 2026-01-01T00:00:00Z / 30 */

static const char conf_fmt[] = "[knockd]\nsequence_ports = %d-%d\nsequence_length = %d\n"
			       "[door:ssh]\nports = 22\n"
			       "[client:a]\npublic_key = %s\ndoors = ssh\nsequence = yes\n";

static struct keypair server, client;
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t next_rand(void) /* xorshift64: the same sprinkling on every run */
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

static int repeats_apart(const struct seq_knock *k, int len)
{
	for (int i = 0; i < len; i++)
		for (int j = i + 2; j < len; j++)
			if (k[i].port == k[j].port && k[i].protocol == k[j].protocol)
				return 1;
	return 0;
}

/*
 * Sends step's sequence, each knock once, twice (1 in 4) or three times (1 in 16), 5 ms
 * apart, from one source, at the middle of the step; *ms moves on by more than
 * sequence_timeout afterwards, so each step starts afresh. Records completions in the
 * replay cache, as the daemon does (a neighbouring step may have the same sequence).
 * Returns whether that (client 0, step), and nothing else, completed, once.
 */
static int send_step(struct seq_engine *e, const struct pair_keys *k, uint64_t step, uint64_t *ms,
		     const struct addr *src, struct replay *r, int *dups)
{
	const struct config *c = e->cfg;
	struct seq_knock seq[SEQ_MAX_LEN];
	struct seq_result out;
	uint8_t want[16];
	int64_t wall = (int64_t)step * TIME_STEP + TIME_STEP / 2;
	int done = 0, wrong = 0;

	seqgen_derive(seq, c->seq_len, k, step, c->seq_base, c->seq_count);
	seqgen_replay_id(want, k, step);
	for (int i = 0; i < c->seq_len; i++) {
		uint32_t x = next_rand();
		int copies = 1 + ((x & 3) == 0) + ((x & 15) == 0);

		*dups += copies - 1;
		for (int n = 0; n < copies; n++) {
			*ms += 5;
			if (seq_knock(e, src, seq[i].protocol, seq[i].port, *ms, wall, r, &out) ==
			    SEQ_NONE)
				continue;
			if (out.outcome == SEQ_AUTH && out.client == 0 && i == c->seq_len - 1 &&
			    !memcmp(out.replay_id, want, sizeof(want)))
				done++;
			else
				wrong++;
			/* as the daemon does: the (client, step) is used up */
			if (out.outcome == SEQ_AUTH &&
			    replay_add(r, out.replay_id, out.replay_expires, 0, wall) < 0)
				wrong++;
		}
	}
	*ms += (uint64_t)c->seq_timeout * 1000 + 1000;
	return done == 1 && !wrong;
}

static void corner(int count, int len)
{
	char text[512], b64[KEY_B64_LEN], err[256] = "";
	struct seq_knock seq[SEQ_MAX_LEN];
	struct config c;
	struct pair_keys k;
	struct seq_engine e;
	struct replay r;
	struct addr src;
	uint8_t hk[16] = {9};
	uint64_t ms = 1000;
	int completed = 0, apart = 0, apart_completed = 0, dups = 0;

	stand_in_key(b64);
	/* the defaults parse; the small ranges below knockd's guessing floor are set after */
	snprintf(text, sizeof(text), conf_fmt, 61000, 61999, 4, b64);
	if (!ok(config_parse(&c, "t.conf", text, strlen(text), err, sizeof(err)) == 0 &&
		    use_vector_keys(&c, client.pk, NULL),
		"config %d ports, %d knocks: %s", count, len, err))
		return;
	c.seq_count = (uint16_t)count;
	c.seq_len = len;
	if (crypto_pair_derive(&k, &server, client.pk, client.pk, server.pk) < 0 ||
	    seq_init(&e, &c, &k, hk) < 0 || replay_init(&r, 1, 0, hk) < 0) {
		ok(0, "engine set-up");
		return;
	}
	addr_parse("192.0.2.10", &src);
	for (uint64_t s = FIRST_STEP; s < FIRST_STEP + STEPS; s++) {
		int rep, done;

		seqgen_derive(seq, len, &k, s, c.seq_base, c.seq_count);
		rep = repeats_apart(seq, len);
		done = send_step(&e, &k, s, &ms, &src, &r, &dups);
		completed += done;
		apart += rep;
		apart_completed += rep && done;
	}
	ok(completed == STEPS,
	   "%4d ports, %d knocks: %d of %d steps complete (%.3f %%); %d of the %d that repeat a "
	   "knock non-adjacently; %d duplicates sent",
	   count, len, completed, STEPS, 100.0 * completed / STEPS, apart_completed, apart, dups);
	ok(e.resets == 0, "%4d ports, %d knocks: no attempt reset (%llu)", count, len,
	   (unsigned long long)e.resets);
	seq_free(&e);
	replay_free(&r);
	config_free(&c);
}

int main(void)
{
	static const int counts[] = {16, 1000}, lens[] = {2, 4, 8};
	uint8_t seed[32];

	if (sodium_init() < 0)
		return 1;
	memset(seed, 0x02, sizeof(seed));
	crypto_sign_seed_keypair(server.pk, server.sk, seed);
	memset(seed, 0x01, sizeof(seed));
	crypto_sign_seed_keypair(client.pk, client.sk, seed);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++)
			corner(counts[i], lens[j]);
	return tap_done();
}
