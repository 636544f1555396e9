/*
 * Where the nftables backend's grants go: iptables-nft's filter tables (chains INPUT,
 * OUTPUT, and FORWARD for forward doors) and the native table named by nft_table
 * (nft_input_chain, nft_output_chain, nft_forward_chain), as found by the scan
 * (nftprobe.c), and knockd's own `inet knockd` table for DNAT; the backend's probe
 * (backend selection) and check (knockd -t) operations.
 */
#include "fw_nft.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const compat_base[3] = {"INPUT", "OUTPUT", "FORWARD"};
static const char *const compat_own[3] = {FW_CHAIN_IN, FW_CHAIN_OUT, FW_CHAIN_FWD};
static const char *const native_own[3] = {FW_NATIVE_IN, FW_NATIVE_OUT, FW_NATIVE_FWD};

/* Whether the config's doors need this hook: input and output always, forward for forward
 * doors (the nat hook is our own table's, never a scanned chain). */
static int wanted(const struct nftprobe_chain *b, const struct fwnft_native *nat)
{
	return b->hook == NFTPROBE_IN || b->hook == NFTPROBE_OUT ||
	       (b->hook == NFTPROBE_FWD && nat->fwd);
}

/* Where grants go: iptables-nft's INPUT/OUTPUT/FORWARD, and the configured native chains. */
static int is_iptables_nft(const struct nftprobe_chain *b)
{
	return (b->family == NFPROTO_IPV4 || b->family == NFPROTO_IPV6) &&
	       b->hook <= NFTPROBE_FWD && !strcmp(b->table, "filter") &&
	       !strcmp(b->chain, compat_base[b->hook]);
}

static int is_native(const struct nftprobe_chain *b, const struct fwnft_native *nat)
{
	return b->hook <= NFTPROBE_FWD && !strcmp(nftprobe_family_name(b->family), nat->family) &&
	       !strcmp(b->table, nat->table) && !strcmp(b->chain, nat->chain[b->hook]);
}

void fwnft_native_from_config(struct fwnft_native *nat, const struct config *c)
{
	memset(nat, 0, sizeof(*nat));
	sscanf(c->nft_table, "%7s %63s", nat->family, nat->table);
	snprintf(nat->chain[0], sizeof(nat->chain[0]), "%s", c->nft_input_chain);
	snprintf(nat->chain[1], sizeof(nat->chain[1]), "%s", c->nft_output_chain);
	snprintf(nat->chain[2], sizeof(nat->chain[2]), "%s", c->nft_forward_chain);
	for (size_t i = 0; i < c->ndoors; i++)
		if (c->doors[i].direction == DIR_FWD) {
			nat->fwd = 1;
			nat->nat |= c->doors[i].nat_port != 0;
		}
}

/* Docker on iptables-nft: forward grants are jumped to first from DOCKER-USER, which Docker
 * jumps to first from FORWARD and never rewrites; FORWARD's own jumps to ours go. */
static void docker_target(struct fwnft_target *t, const struct nftprobe_chain *b)
{
	t->nfstray = 0;
	if (t->top)
		t->fstray[t->nfstray++] = b->top_handle;
	for (int j = 0; j < t->nstray; j++)
		t->fstray[t->nfstray++] = t->stray[j];
	snprintf(t->base, sizeof(t->base), "DOCKER-USER");
	t->top = !strcmp(b->dtop, t->own);
	t->nstray = 0;
	for (int j = 0; j < b->ndjumps; j++)
		if (!strcmp(b->djumps[j].chain, t->own))
			t->stray[t->nstray++] = b->djumps[j].handle;
}

static void target_from_chain(struct fwnft_target *t, const struct nftprobe_chain *b, int compat,
			      const struct nftprobe_scan *scan)
{
	memset(t, 0, sizeof(*t));
	t->family = b->family;
	t->compat = compat;
	t->hook = b->hook;
	t->est = b->established;
	snprintf(t->table, sizeof(t->table), "%s", b->table);
	snprintf(t->base, sizeof(t->base), "%s", b->chain);
	t->own = compat ? compat_own[b->hook] : native_own[b->hook];
	for (int j = 0; j < scan->nown; j++)
		t->exists |= scan->own[j].family == b->family &&
			     !strcmp(scan->own[j].table, b->table) &&
			     !strcmp(scan->own[j].chain, t->own);
	t->top = !strcmp(b->top, t->own);
	for (int j = 0; j < b->njumps; j++)
		if (!strcmp(b->jumps[j].chain, t->own))
			t->stray[t->nstray++] = b->jumps[j].handle;
	if (compat && b->hook == NFTPROBE_FWD && b->docker)
		docker_target(t, b);
}

/* DNAT goes to a table of our own (inet knockd, base chain knockd_dnat on prerouting):
 * a filter ruleset rarely has a nat chain, and ours needs no jump. */
static void own_nat_target(struct fwnft_target *t, const struct nftprobe_scan *scan)
{
	memset(t, 0, sizeof(*t));
	t->family = NFPROTO_INET;
	t->hook = NFTPROBE_NAT;
	t->est = 1;
	t->own_table = 1;
	t->top = 1; /* no jump: our chain is the base chain */
	snprintf(t->table, sizeof(t->table), "%s", FWNFT_OWN_TABLE);
	snprintf(t->base, sizeof(t->base), "%s", FW_NATIVE_DNAT);
	t->own = FW_NATIVE_DNAT;
	for (int i = 0; i < scan->n; i++)
		t->exists |= scan->c[i].hook == NFTPROBE_NAT && scan->c[i].family == NFPROTO_INET &&
			     !strcmp(scan->c[i].table, FWNFT_OWN_TABLE) &&
			     !strcmp(scan->c[i].chain, FW_NATIVE_DNAT);
}

int fwnft_targets_from_scan(struct fwnft_target *t, const struct nftprobe_scan *scan,
			    const struct fwnft_native *nat)
{
	int n = 0;

	for (int i = 0; i < scan->n && n < FWNFT_TARGETS - 1; i++) {
		const struct nftprobe_chain *b = &scan->c[i];
		int compat = is_iptables_nft(b);

		if (wanted(b, nat) && (compat || is_native(b, nat)))
			target_from_chain(&t[n++], b, compat, scan);
	}
	if (nat->nat && n) /* only beside a ruleset we write for */
		own_nat_target(&t[n++], scan);
	return n;
}

static void base_warning(char *msg, size_t len, const struct fwnft_target *t)
{
	size_t n = strlen(msg);

	snprintf(msg + n, len - n,
		 "warning: table %s %s chain %s accepts no established traffic: grants will "
		 "carry their own connections, which then end with the grant (add a rule such as: "
		 "ct state established,related accept)\n",
		 nftprobe_family_name(t->family), t->table, t->base);
}

int fwnft_check(const struct config *c, char *msg, size_t len)
{
	struct nftprobe_scan *scan = malloc(sizeof(*scan)); /* 70 kB: not on the stack */
	struct fwnft_target t[FWNFT_TARGETS];
	struct fwnft_native nat;
	int n, r = -1;

	if (!scan) {
		snprintf(msg, len, "out of memory");
		return -1;
	}
	if (nftprobe_scan(scan, msg, len) < 0)
		goto out;
	fwnft_native_from_config(&nat, c);
	n = fwnft_targets_from_scan(t, scan, &nat);
	msg[0] = '\0';
	for (int i = 0; i < n; i++) {
		if (!t[i].est)
			base_warning(msg, len, &t[i]);
		nat.fwd &= t[i].hook != NFTPROBE_FWD; /* left set: no forward chain found */
	}
	if (nat.fwd)
		snprintf(msg + strlen(msg), len - strlen(msg),
			 "warning: no forward base chain to write into (iptables-nft's FORWARD, or "
			 "table %s %s chain %s): nothing filters forwarded traffic, forward doors "
			 "guard nothing\n",
			 nat.family, nat.table, nat.chain[2]);
	r = 0;
out:
	free(scan);
	return r;
}

/* The families a table serves: 1 IPv4, 2 IPv6. */
static unsigned fam_bit(uint32_t family)
{
	return family == NFPROTO_IPV4 ? 1 : family == NFPROTO_IPV6 ? 2 : 3;
}

static void describe(struct fw_probe *p, const struct nftprobe_scan *scan,
		     const struct fwnft_native *nat)
{
	struct fwnft_target t[FWNFT_TARGETS];

	p->ntargets = fwnft_targets_from_scan(t, scan, nat);
	for (int i = 0; i < p->ntargets; i++) {
		fw_probe_append(p->targets, sizeof(p->targets), "table %s %s chain %s -> %s (%s)",
				nftprobe_family_name(t[i].family), t[i].table, t[i].base, t[i].own,
				t[i].compat ? "iptables-nft" : "native");
		for (int f = 0; f < 2 && t[i].hook <= NFTPROBE_FWD; f++)
			if (fam_bit(t[i].family) & (1u << f))
				snprintf(p->grant_to[f][t[i].hook], sizeof(p->grant_to[0][0]),
					 "table %s %s chain %s (jumped to from %s)",
					 nftprobe_family_name(t[i].family), t[i].table, t[i].own,
					 t[i].base);
	}
	for (int i = 0; i < scan->n; i++) {
		const struct nftprobe_chain *b = &scan->c[i];
		char name[200];

		if (!b->drops || !wanted(b, nat))
			continue;
		p->drops = 1;
		for (int f = 0; f < 2 && b->hook <= NFTPROBE_FWD; f++)
			if (fam_bit(b->family) & (1u << f))
				p->drop_mask |= 1u << (f * 3 + b->hook);
		snprintf(name, sizeof(name), "table %s %s chain %s",
			 nftprobe_family_name(b->family), b->table, b->chain);
		fw_probe_append(p->drops_what, sizeof(p->drops_what), "%s (hook %s, %s)", name,
				b->hook == NFTPROBE_OUT   ? "output"
				: b->hook == NFTPROBE_FWD ? "forward"
							  : "input",
				b->policy_drop ? "policy drop" : "drop/reject rules");
		if (!is_iptables_nft(b) && !is_native(b, nat))
			fw_probe_append(p->uncovered, sizeof(p->uncovered), "%s", name);
	}
}

int fwnft_probe(const struct config *c, struct fw_probe *p, char *err, size_t errlen)
{
	struct nftprobe_scan *scan = malloc(sizeof(*scan)); /* 70 kB: not on the stack */
	struct fwnft_native nat;
	int r = -1;

	memset(p, 0, sizeof(*p));
	if (!scan) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (nftprobe_scan(scan, err, errlen) < 0) {
		p->absent =
		    errno == EPROTONOSUPPORT || errno == EOPNOTSUPP || errno == EAFNOSUPPORT;
		goto out;
	}
	fwnft_native_from_config(&nat, c);
	describe(p, scan, &nat);
	r = 0;
out:
	free(scan);
	return r;
}
