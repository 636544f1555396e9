/*
 * Backend selection. A packet passes only if every base chain on its hook lets it through,
 * legacy xtables and nftables alike: grants must go where the drops are. Each backend is
 * asked through its probe operation; looking creates no table.
 */
#include "fw.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gate.h"
#include "log.h"

/* What can drop a door's traffic on this host, as each backend sees it. */
struct situation {
	struct fw_probe nft, legacy;
};

static int look(struct situation *s, const struct config *c, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	if (fw_backend_nftables.probe(c, &s->nft, err, errlen) < 0) {
		/* without nf_tables in the kernel only legacy xtables can be meant */
		if (!s->nft.absent || c->backend == BACKEND_NFTABLES)
			return -1;
		memset(&s->nft, 0, sizeof(s->nft));
	}
	return fw_backend_iptables.probe(c, &s->legacy, err, errlen);
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
	if (s->legacy.drops)
		return refuse(
		    err, errlen,
		    "the legacy xtables can drop the doors' traffic here (%s): grants written "
		    "to nftables cannot override them; set backend = iptables (or auto)",
		    s->legacy.drops_what);
	if (s->nft.uncovered[0]) {
		snprintf(
		    err, errlen,
		    "%s can drop the doors' traffic, but knockd writes only into iptables-nft's "
		    "filter tables and into nft_table %s chains %s/%s: set nft_table, "
		    "nft_input_chain and nft_output_chain to that table and its chains",
		    s->nft.uncovered, c->nft_table, c->nft_input_chain, c->nft_output_chain);
		return NULL;
	}
	if (!s->nft.ntargets)
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
		if (s->nft.drops)
			return refuse(
			    err, errlen,
			    "an nftables ruleset is in force here (%s): grants written through "
			    "libiptc to the legacy tables (backend iptables) would have no "
			    "effect; set backend = nftables (or auto)",
			    s->nft.drops_what);
		return &fw_backend_iptables;
	case BACKEND_NFTABLES:
		return nft_or_refuse(s, c, err, errlen);
	}
	if (s->nft.drops && s->legacy.drops)
		return refuse(err, errlen,
			      "both nftables (%s) and the legacy xtables (%s) can drop the doors' "
			      "traffic; knockd writes grants into one of them: keep one ruleset",
			      s->nft.drops_what, s->legacy.drops_what);
	if (s->nft.drops || (!s->legacy.drops && s->nft.ntargets))
		return nft_or_refuse(s, c, err, errlen);
	return &fw_backend_iptables;
}

void fw_probe_append(char *buf, size_t len, const char *fmt, ...)
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

int fw_open(struct fw *fw, const struct config *c, char *err, size_t errlen)
{
	struct situation s;

	fw->b = NULL;
	fw->lost = 0;
	fw->gate = NULL;
	if (look(&s, c, err, errlen) < 0)
		return -1;
	fw->b = backend_for(c, &s, err, errlen);
	if (fw->b && fw->b->open(&fw->st, c, err, errlen) < 0) {
		fw->b = NULL;
		return -1;
	}
	if (fw->b && gate_open(&fw->gate, err, errlen) < 0) {
		fw_close(fw);
		return -1;
	}
	return fw->b ? 0 : -1;
}

const char *fw_name(const struct fw *fw)
{
	return fw->b ? fw->b->name : "none";
}

/* Forward doors need the kernel to forward their family, in this network namespace. */
static void forwarding_note(const struct config *c, char *msg, size_t len)
{
	static const char *const knob[2] = {"net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding"};
	static const char *const path[2] = {"/proc/sys/net/ipv4/ip_forward",
					    "/proc/sys/net/ipv6/conf/all/forwarding"};
	int want[2] = {0, 0};

	for (size_t i = 0; i < c->ndoors; i++)
		if (c->doors[i].direction == DIR_FWD)
			want[c->doors[i].to.addr.family == 6] = 1;
	for (int f = 0; f < 2; f++) {
		FILE *fp = want[f] ? fopen(path[f], "re") : NULL;
		int on = 0;
		size_t n = strlen(msg);

		if (!want[f])
			continue;
		if (!fp || fscanf(fp, "%d", &on) != 1)
			on = 0;
		if (fp)
			fclose(fp);
		if (!on)
			snprintf(msg + n, len - n,
				 "warning: forwarding is off here (%s = 0): forward doors of IPv%d "
				 "cannot open anything (sysctl -w %s=1)\n",
				 knob[f], f ? 6 : 4, knob[f]);
	}
}

/* One line per door and family: the gate closes it; a granted connection is accepted by a
 * grant rule where the host's ruleset drops, or by the host already. */
static void door_report(const struct config *c, const struct fw_probe *p, char *msg, size_t len)
{
	for (size_t i = 0; i < c->ndoors; i++) {
		const struct door *d = &c->doors[i];
		int hook = d->direction == DIR_IN ? 0 : d->direction == DIR_OUT ? 1 : 2;

		for (int f = 0; f < 2; f++) {
			const char *to = p->grant_to[f][hook];
			int drops = !!(p->drop_mask & (1u << (f * 3 + hook)));
			size_t n = strlen(msg);

			if (d->direction == DIR_FWD && d->to.addr.family != (f ? 6 : 4))
				continue;
			snprintf(msg + n, len - n,
				 "door %s IPv%d: closed by the gate; granted traffic %s%s\n",
				 d->name, f ? 6 : 4,
				 drops && to[0] ? "is accepted by a grant rule written to "
				 : drops        ? "cannot be accepted: nothing knockd writes into "
						  "covers the chain that drops it (see above)"
				 : to[0] ? "is accepted by the host already (nothing drops it); a "
					   "grant rule goes to "
					 : "is accepted by the host already (nothing drops it)",
				 to);
		}
	}
}

/* Appends "manager: ..." to msg. 1 if the configured nft_table is owned by another process
 * (writing into it fails), else 0. */
static int name_manager(const struct fw_manager *m, char *msg, size_t len)
{
	size_t n = strlen(msg);

	snprintf(msg + n, len - n, "manager: %s\n", m->names);
	return m->target_owned;
}

int fw_check(const struct config *c, const struct fw_manager *m, char *msg, size_t len,
	     const char **chosen)
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
		 s.nft.drops_what[0] ? s.nft.drops_what : "nothing that drops",
		 s.legacy.drops_what[0] ? s.legacy.drops_what : "nothing that drops");
	if (b == &fw_backend_nftables && name_manager(m, msg, len) > 0)
		b = refuse(
		    err, sizeof(err),
		    "table %s is owned by another process (firewalld with "
		    "NftablesTableOwner=yes): knockd cannot write into it and would fail at "
		    "start; remove nft_table and nft_*_chain, and let the doors' ports "
		    "through in firewalld (firewall-cmd --permanent --add-service=ssh, or "
		    "--add-port=PORT/tcp; firewall-cmd --reload): the gate keeps them closed "
		    "to everyone without a grant",
		    c->nft_table);
	else if (b != &fw_backend_nftables)
		(void)name_manager(m, msg, len);
	n = strlen(msg);
	if (!b) {
		snprintf(msg + n, len - n, "%s", err);
		return -2;
	}
	*chosen = b->name;
	if (b == &fw_backend_nftables)
		snprintf(msg + n, len - n, "grants go to: %s\n", s.nft.targets);
	else if (!s.legacy.drops)
		snprintf(msg + n, len - n,
			 "note: nothing drops the doors' traffic yet; grants go to "
			 "the legacy xtables\n");
	n = strlen(msg);
	if (b->check(c, msg + n, len - n) < 0) {
		memmove(msg, msg + n, strlen(msg + n) + 1); /* the reason alone */
		return -1;
	}
	forwarding_note(c, msg, len);
	door_report(c, b == &fw_backend_nftables ? &s.nft : &s.legacy, msg, len);
	return 0;
}

/* The committed grants, as set elements of the gate (their deadline: the kernel rule's). */
static void gate_commit(struct fw *fw, const struct fw_change *ch, size_t n)
{
	struct gate_grant *v = calloc(n, sizeof(*v));
	int *del = calloc(n, sizeof(*del));
	struct timespec ts;
	char err[256];
	uint32_t gen;
	int have;

	clock_gettime(CLOCK_REALTIME, &ts);
	for (size_t i = 0; v && del && i < n; i++) {
		v[i].id = ch[i].rule.id;
		v[i].door = ch[i].rule.door;
		v[i].addr = ch[i].rule.addr;
		v[i].deadline_ms = (ch[i].rule.deadline + 1) * 1000;
		del[i] = ch[i].op == FW_DEL;
	}
	/* At the generation the backend's commit left: the gate's batch then moves it by one
	 * known step, and the backend's next commit need not read the base chains again. */
	have = fw->b->known_gen && fw->b->known_gen(fw->st, &gen) == 0;
	if (!v || !del ||
	    gate_grants(fw->gate, v, del, n, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000,
			have ? &gen : NULL, err, sizeof(err)) < 0)
		log_warn("%s: the gate is written again", v && del ? err : "out of memory");
	else if (have && gate_changed(fw->gate))
		fw->b->took_gen(fw->st, gen + 1);
	free(v);
	free(del);
}

int fw_commit(struct fw *fw, const struct fw_change *ch, size_t n, char *err, size_t errlen)
{
	int r = n ? fw->b->commit(fw->st, ch, n, err, errlen) : 0;

	fw->lost |= r > 0;
	if (r >= 0 && n && fw->gate)
		gate_commit(fw, ch, n);
	return r < 0 ? (r == -2 ? -2 : -1) : 0;
}

int fw_list(struct fw *fw, struct fw_found *out, size_t max, size_t *n, char *err, size_t errlen)
{
	return fw->b->list(fw->st, out, max, n, err, errlen);
}

int fw_reconfigure(struct fw *fw, const struct config *c, char *err, size_t errlen)
{
	return fw->b && fw->b->reconfigure ? fw->b->reconfigure(fw->st, c, err, errlen) : 0;
}

int fw_take_lost(struct fw *fw)
{
	int lost = fw->lost;

	fw->lost = 0;
	return lost;
}

int fw_watch(struct fw *fw, char *what, size_t len)
{
	return fw_watches(fw) ? fw->b->watch(fw->st, what, len) : 0;
}

int fw_watches(const struct fw *fw)
{
	return fw->b && fw->b->watch;
}

void fw_close(struct fw *fw)
{
	if (fw->b)
		fw->b->close(fw->st);
	fw->b = NULL;
	gate_close(fw->gate); /* the table stays: fail closed */
	fw->gate = NULL;
}
