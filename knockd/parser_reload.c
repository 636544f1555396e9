/*
 * A reload, in the packet parser: the rule writer hands over the new configuration (parsed
 * by it), the client keys (derived by it: the parser never holds the server's key) and the
 * new captures as descriptors; the parser builds its verifier, carries its replay cache over
 * and swaps everything in at once, or keeps what it has and says why. It opens nothing
 * itself: it cannot.
 */
#include "parser.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cfgpass.h"
#include "log.h"
#include "pairs.h"

struct next {
	struct config *cfg;
	struct verifier ver;
	struct seq_engine seq;
	struct sniff sniffs[MAX_PARSER_FDS];
	int nsniffs, have_ver, have_seq;
};

static void drop(struct next *n)
{
	while (n->nsniffs > 0)
		sniff_close(&n->sniffs[--n->nsniffs]);
	if (n->have_seq)
		seq_free(&n->seq);
	if (n->have_ver)
		verify_free(&n->ver);
	if (n->cfg) {
		config_free(n->cfg);
		free(n->cfg);
	}
}

/* Builds everything from the descriptors (each used or closed). */
static int build(struct parser *p, struct next *n, int *fds, int nfds, char *err, size_t len)
{
	struct cfgpass_capture caps[MAX_PARSER_FDS - 1];
	struct pairs pairs;
	uint8_t hashkey[16];
	int ncaps = 0, r;

	n->cfg = calloc(1, sizeof(*n->cfg));
	if (!n->cfg || nfds < 2 ||
	    cfgpass_read(fds[0], n->cfg, caps, MAX_PARSER_FDS - 1, &ncaps, err, len) < 0 ||
	    ncaps != nfds - 2) {
		if (err[0] == '\0')
			snprintf(err, len, "packet parser: %d descriptor(s) for the reload", nfds);
		return -1;
	}
	for (int i = 0; i < ncaps; i++) {
		sniff_adopt(&n->sniffs[i], fds[2 + i], caps[i].dlt, caps[i].iface);
		fds[2 + i] = -1;
		n->nsniffs++;
	}
	r = pairs_read(fds[1], n->cfg->nclients, &pairs, err, len);
	fds[1] = -1;
	if (r < 0)
		return -1;
	r = verify_init_keys(&n->ver, n->cfg, pairs.server_pk, pairs.keys, err, len);
	n->have_ver = r == 0;
	if (r < 0 || replay_carry(&n->ver.replay, &p->ver->replay, (int64_t)time(NULL)) < 0) {
		if (r == 0)
			snprintf(err, len, "packet parser: out of memory");
		return -1;
	}
	randombytes_buf(hashkey, sizeof(hashkey));
	if (seq_init(&n->seq, n->cfg, n->ver.keys, hashkey) < 0) {
		snprintf(err, len, "packet parser: out of memory");
		return -1;
	}
	n->have_seq = 1;
	return 0;
}

/* The new state in place of the old, which is freed. */
static void swap(struct parser *p, struct next *n)
{
	struct config *old = (struct config *)(uintptr_t)p->cfg;

	while (p->nsniffs > 0)
		sniff_close(&p->sniffs[--p->nsniffs]);
	memcpy(p->sniffs, n->sniffs, sizeof(n->sniffs[0]) * (size_t)n->nsniffs);
	p->nsniffs = n->nsniffs;
	seq_free(p->seq);
	verify_free(p->ver);
	*p->ver = n->ver;
	*p->seq = n->seq;
	p->cfg = n->cfg;
	config_free(old);
	free(old);
	n->nsniffs = 0;
	n->have_ver = n->have_seq = 0;
	n->cfg = NULL;
}

void parser_reload(struct parser *p, const struct ps_msg *m, int *fds, int nfds)
{
	struct next n;
	struct ps_msg a;
	int r;

	memset(&n, 0, sizeof(n));
	memset(&a, 0, sizeof(a));
	r = build(p, &n, fds, nfds, a.text, sizeof(a.text));
	for (int i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (r == 0) {
		swap(p, &n);
		log_info("packet parser: new configuration in place: %zu client(s), %d capture(s)",
			 p->cfg->nclients, p->nsniffs);
	}
	drop(&n);
	a.magic = PS_MAGIC;
	a.type = PS_RELOADED;
	a.req_id = m->req_id;
	a.status = r;
	if (privsep_send(p->chan, &a) < 0)
		log_err("reload answer not sent");
}
