/*
 * Backend selection and the rule comment that names a grant inside the kernel. A packet
 * passes only if every base chain on its hook lets it through, legacy xtables and nftables
 * alike: grants must go where the drops are. Looking creates no table.
 */
#include "fw.h"

#include "fw_nft.h"
#include "fw_xt.h"
#include "nftprobe.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* What can drop a door's traffic on this host, read without creating any table. */
struct situation {
	struct nftprobe_scan scan;
	int nft_drops, legacy_drops, ntargets;
	char nft[1024], legacy[128], targets[1024], uncovered[512];
};

/* Appends to a "; "-separated list. */
__attribute__((format(printf, 3, 4))) static void append(char *buf, size_t len, const char *fmt,
							 ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n && n + 2 < len) {
		memcpy(buf + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

static void legacy_look(struct situation *s)
{
	static const char *const chain[2] = {"INPUT", "OUTPUT"};
	struct fwxt_base b;
	char err[256];

	for (int f = 4; f <= 6; f += 2) {
		if (!fw_legacy_loaded(f))
			continue;
		if ((f == 4 ? fw_ipt4_base : fw_ipt6_base)(&b, err, sizeof(err)) < 0) {
			s->legacy_drops = 1; /* cannot tell: assume the worst */
			append(s->legacy, sizeof(s->legacy), "IPv%d filter table unreadable", f);
			continue;
		}
		for (int i = 0; i < 2; i++)
			if (b.drops[i]) {
				s->legacy_drops = 1;
				append(s->legacy, sizeof(s->legacy), "%s filter %s",
				       f == 4 ? "iptables-legacy" : "ip6tables-legacy", chain[i]);
			}
	}
}

static int nft_look(struct situation *s, const struct config *c, char *err, size_t errlen)
{
	if (nftprobe_scan(&s->scan, err, errlen) < 0)
		return -1;
	s->ntargets = fw_nft_targets(c, &s->scan, s->targets, sizeof(s->targets));
	for (int i = 0; i < s->scan.n; i++) {
		const struct nftprobe_chain *b = &s->scan.c[i];
		char name[200];

		if (!b->drops)
			continue;
		s->nft_drops = 1;
		snprintf(name, sizeof(name), "table %s %s chain %s",
			 nftprobe_family_name(b->family), b->table, b->chain);
		append(s->nft, sizeof(s->nft), "%s (hook %s, %s)", name,
		       b->out ? "output" : "input",
		       b->policy_drop ? "policy drop" : "drop/reject rules");
		if (!fw_nft_covers(c, b))
			append(s->uncovered, sizeof(s->uncovered), "%s", name);
	}
	return 0;
}

static int look(struct situation *s, const struct config *c, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	if (nft_look(s, c, err, errlen) < 0) {
		int absent =
		    errno == EPROTONOSUPPORT || errno == EOPNOTSUPP || errno == EAFNOSUPPORT;

		/* without nf_tables in the kernel only legacy xtables can be meant */
		if (!absent || c->backend == BACKEND_NFTABLES)
			return -1;
		memset(s, 0, sizeof(*s));
	}
	legacy_look(s);
	return 0;
}

__attribute__((format(printf, 3, 4))) static const struct fw_backend *
refuse(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return NULL;
}

static const struct fw_backend *nft_or_refuse(const struct situation *s, const struct config *c,
					      char *err, size_t errlen)
{
	if (s->legacy_drops)
		return refuse(
		    err, errlen,
		    "the legacy xtables can drop the doors' traffic here (%s): grants written "
		    "to nftables cannot override them; set backend = iptables (or auto)",
		    s->legacy);
	if (s->uncovered[0]) {
		snprintf(
		    err, errlen,
		    "%s can drop the doors' traffic, but knockd writes only into iptables-nft's "
		    "filter tables and into nft_table %s chains %s/%s: set nft_table, "
		    "nft_input_chain and nft_output_chain to that table and its chains",
		    s->uncovered, c->nft_table, c->nft_input_chain, c->nft_output_chain);
		return NULL;
	}
	if (!s->ntargets)
		return refuse(
		    err, errlen,
		    "backend nftables: found no table to write into (no iptables-nft filter "
		    "table, no table %s with chain %s or %s): load the base ruleset first",
		    c->nft_table, c->nft_input_chain, c->nft_output_chain);
	return &fw_backend_nftables;
}

static const struct fw_backend *backend_for(const struct config *c, const struct situation *s,
					    char *err, size_t errlen)
{
	switch (c->backend) {
	case BACKEND_IPTABLES:
		if (s->nft_drops)
			return refuse(
			    err, errlen,
			    "an nftables ruleset is in force here (%s): grants written through "
			    "libiptc to the legacy tables (backend iptables) would have no "
			    "effect; set backend = nftables (or auto)",
			    s->nft);
		return &fw_backend_iptables;
	case BACKEND_NFTABLES:
		return nft_or_refuse(s, c, err, errlen);
	}
	if (s->nft_drops && s->legacy_drops)
		return refuse(err, errlen,
			      "both nftables (%s) and the legacy xtables (%s) can drop the doors' "
			      "traffic; knockd writes grants into one of them: keep one ruleset",
			      s->nft, s->legacy);
	if (s->nft_drops || (!s->legacy_drops && s->ntargets))
		return nft_or_refuse(s, c, err, errlen);
	return &fw_backend_iptables;
}

int fw_open(struct fw *fw, const struct config *c, char *err, size_t errlen)
{
	struct situation s;

	fw->b = NULL;
	fw->lost = 0;
	if (look(&s, c, err, errlen) < 0)
		return -1;
	fw->b = backend_for(c, &s, err, errlen);
	if (fw->b && fw->b->open(&fw->st, c, err, errlen) < 0) {
		fw->b = NULL;
		return -1;
	}
	return fw->b ? 0 : -1;
}

const char *fw_name(const struct fw *fw)
{
	return fw->b ? fw->b->name : "none";
}

int fw_check(const struct config *c, char *msg, size_t len, const char **chosen)
{
	struct situation s;
	const struct fw_backend *b;
	char err[2048];
	size_t n;

	*chosen = "none";
	if (look(&s, c, msg, len) < 0)
		return -2;
	b = backend_for(c, &s, err, sizeof(err));
	snprintf(msg, len, "found: nftables: %s; legacy xtables: %s\n",
		 s.nft[0] ? s.nft : "nothing that drops",
		 s.legacy[0] ? s.legacy : "nothing that drops");
	n = strlen(msg);
	if (!b) {
		snprintf(msg + n, len - n, "%s", err);
		return -2;
	}
	*chosen = b->name;
	if (b == &fw_backend_nftables)
		snprintf(msg + n, len - n, "grants go to: %s\n", s.targets);
	else if (!s.legacy_drops)
		snprintf(msg + n, len - n,
			 "note: nothing drops the doors' traffic yet; grants go to "
			 "the legacy xtables\n");
	n = strlen(msg);
	if (b->check(c, msg + n, len - n) < 0) {
		memmove(msg, msg + n, strlen(msg + n) + 1); /* the reason alone */
		return -1;
	}
	return 0;
}

int fw_commit(struct fw *fw, const struct fw_change *ch, size_t n, char *err, size_t errlen)
{
	int r = n ? fw->b->commit(fw->st, ch, n, err, errlen) : 0;

	fw->lost |= r > 0;
	return r < 0 ? -1 : 0;
}

int fw_list(struct fw *fw, struct fw_found *out, size_t max, size_t *n, char *err, size_t errlen)
{
	return fw->b->list(fw->st, out, max, n, err, errlen);
}

int fw_take_lost(struct fw *fw)
{
	int lost = fw->lost;

	fw->lost = 0;
	return lost;
}

void fw_close(struct fw *fw)
{
	if (fw->b)
		fw->b->close(fw->st);
	fw->b = NULL;
}

void fw_comment_format(char *buf, size_t len, const struct fw_rule *r, int reply)
{
	char a[ADDR_STRLEN];

	addr_format(&r->addr, a, sizeof(a));
	snprintf(buf, len, "knockd id=%" PRIu32 " door=%s addr=%s exp=%" PRId64 "%s", r->id,
		 r->door->name, a, r->deadline, reply ? " reply" : "");
}

int fw_comment_parse(const char *s, struct fw_found *out)
{
	char door[64], a[64];
	int n = 0;

	memset(out, 0, sizeof(*out));
	if (sscanf(s, "knockd id=%" SCNu32 " door=%63s addr=%63s exp=%" SCNd64 "%n", &out->id, door,
		   a, &out->deadline, &n) != 4 ||
	    (s[n] != '\0' && strcmp(s + n, " reply")))
		return -1;
	out->reply = s[n] != '\0';
	if (strlen(door) > NAME_MAX_LEN || addr_parse(a, &out->addr) < 0)
		return -1;
	strcpy(out->door, door);
	return 0;
}
