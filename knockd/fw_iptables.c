/*
 * The iptables backend through libiptc/libip6tc (legacy xtables). Grants live in our own
 * chains KNOCKD-INPUT / KNOCKD-OUTPUT (and, for forward doors, KNOCKD-FORWARD), jumped to
 * from the top of INPUT / OUTPUT / FORWARD, and for nat_port doors KNOCKD-DNAT in the nat
 * table, jumped to from PREROUTING; each rule carries its deadline (-m time --datestop)
 * and a comment naming the grant.
 * The xtables lock (/run/xtables.lock, as iptables -w) is held around each init..commit.
 */
#include "fw_ipt.h"
#include "fw_parts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define LOCK_WAIT_MS 5000

struct ipt_state {
	int lock_fd;
	unsigned flags; /* FWIPT_*: from the config's doors */
	int lost;       /* one of our chains was created again, not told yet */
	/* The watch, per family (IPv4, IPv6): our rules after our last commit, and the
	 * table's info when it was last found intact (known: 0 after each commit of ours). */
	int ours[2], known[2];
	struct fwipt_info info[2];
	/* The info at the previous look, when it differed from info: a change is read only once
	 * the table has stayed the same from one look to the next. A manager's reload is a burst
	 * of table replacements (ufw with MANAGE_BUILTINS=yes flushes every chain, then deletes
	 * them all: a jump of ours written back in between makes its `iptables -X` fail and
	 * leaves its firewall half-loaded). */
	int seen[2];
	struct fwipt_info seen_info[2];
};

/* FWIPT_*: the chains and tables the config's doors need besides INPUT/OUTPUT. */
static unsigned config_flags(const struct config *c)
{
	unsigned flags = 0;

	for (size_t i = 0; i < c->ndoors; i++)
		if (c->doors[i].direction == DIR_FWD)
			flags |= FWIPT_FORWARD | (c->doors[i].nat_port ? FWIPT_NAT : 0);
	return flags;
}

/* Bounded wait for the lock an admin's `iptables -w` holds for milliseconds at a time. */
static int lock_xtables(struct ipt_state *s, char *err, size_t errlen)
{
	struct timespec ms = {0, 1000000};

	for (int waited = 0; waited < LOCK_WAIT_MS; waited++) {
		if (flock(s->lock_fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK)
			break;
		nanosleep(&ms, NULL);
	}
	snprintf(err, errlen, "cannot take the xtables lock %s: %s", FWXT_LOCK_PATH,
		 strerror(errno));
	return -1;
}

/* What one commit writes: which families, and which tables besides filter. */
struct ipt_commit {
	int fam[2]; /* [0] IPv4, [1] IPv6 */
	unsigned flags;
	int missing;
	int ours[2]; /* each family's filter part: our rules after it, -1 if not written */
};

/* Part p: IPv4 nat, IPv4 filter, IPv6 nat, IPv6 filter (nat first: a revoked grant stops
 * being translated before it stops being let through). */
static int write_part(void *st, int p, const struct fw_change *ch, size_t n, char *err,
		      size_t errlen)
{
	struct ipt_commit *c = st;
	int nat = !(p & 1), six = p >= 2, r;
	struct fwipt_res res = {0, -1};

	if (!c->fam[six] || (nat && !(c->flags & FWIPT_NAT)))
		return 0;
	r = (six ? fw_ipt6_apply : fw_ipt4_apply)(nat, ch, n, c->flags, &res, err, errlen);
	c->missing |= res.missing;
	if (r == 0 && !nat)
		c->ours[six] = res.ours;
	return r;
}

static const struct fw_parts ipt_parts = {.n = 4, .write = write_part};

static int ipt_commit(void *st, const struct fw_change *ch, size_t n, char *err, size_t errlen)
{
	struct ipt_state *s = st;
	struct ipt_commit c = {
	    .fam = {!n, !n}, .flags = s->flags, .ours = {-1, -1}}; /* empty: both */
	int ret, lost;

	for (size_t i = 0; i < n; i++) {
		int out = ch[i].rule.door->direction == DIR_OUT;

		c.fam[0] |= out || ch[i].rule.addr.family == 4;
		c.fam[1] |= out || ch[i].rule.addr.family == 6;
	}
	if (lock_xtables(s, err, errlen) < 0)
		return -1;
	ret = fw_parts_commit(&ipt_parts, &c, ch, n, err, errlen);
	flock(s->lock_fd, LOCK_UN);
	for (int f = 0; f < 2; f++)
		if (c.ours[f] >= 0 || ret == -2) { /* -2: who knows what is there */
			s->ours[f] = c.ours[f] >= 0 ? c.ours[f] : 0;
			s->known[f] = 0; /* the next look reads the table */
		}
	s->lost |= c.missing; /* told with the next commit that succeeds */
	if (ret < 0)
		return ret;
	lost = s->lost;
	s->lost = 0;
	return lost;
}

static int ipt_list(void *st, struct fw_found *out, size_t max, size_t *n, char *err, size_t errlen)
{
	struct ipt_state *s = st;
	size_t n4 = 0, n6 = 0;
	int ret;

	if (lock_xtables(s, err, errlen) < 0)
		return -1;
	ret = fw_ipt4_list(out, max, &n4, s->flags, err, errlen);
	if (ret == 0)
		ret = fw_ipt6_list(out + n4, max - n4, &n6, s->flags, err, errlen);
	flock(s->lock_fd, LOCK_UN);
	*n = n4 + n6;
	return ret;
}

static int ipt_open(void **st, const struct config *c, char *err, size_t errlen)
{
	struct ipt_state *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->flags = config_flags(c);
	s->lock_fd = open(FWXT_LOCK_PATH, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	if (s->lock_fd < 0) {
		snprintf(err, errlen, "%s: %s", FWXT_LOCK_PATH, strerror(errno));
		free(s);
		return -1;
	}
	*st = s;
	/* An empty commit creates our chains and jumps, and proves we may write the tables. */
	if (ipt_commit(s, NULL, 0, err, errlen) < 0)
		return -1;
	s->lost = 0; /* the open's own set-up: no grant's rules went with it */
	return 0;
}

/*
 * The watch (legacy xtables send no change events): a look at each family's filter table
 * info, and only if it changed since the table was last found intact and then stayed the
 * same until the next look (the change is over), a read of the table.
 * 1 if our chains, the jumps to them or grant rules of ours are gone (what says which).
 */
static int ipt_watch(void *st, char *what, size_t len)
{
	struct ipt_state *s = st;
	struct fwipt_info now;
	int r = 0;

	for (int f = 0; f < 2 && r == 0; f++) {
		/* no grant rules to keep: the next commit puts the chains back; a table not
		 * loaded holds nothing of ours (loading it is the commit's) */
		if (!s->ours[f] || !fw_legacy_loaded(f ? 6 : 4) || fw_ipt_info(f ? 6 : 4, &now) < 0)
			continue;
		if (s->known[f] && !memcmp(&now, &s->info[f], sizeof(now)))
			continue;
		if (!s->seen[f] || memcmp(&now, &s->seen_info[f], sizeof(now))) {
			s->seen_info[f] = now; /* still changing: looked at again next time */
			s->seen[f] = 1;
			continue;
		}
		if (lock_xtables(s, what, len) < 0)
			return -1;
		r = (f ? fw_ipt6_intact : fw_ipt4_intact)(s->flags, s->ours[f], what, len);
		flock(s->lock_fd, LOCK_UN);
		s->info[f] = now; /* taken before the read: a later change is seen next time */
		s->known[f] = 1;
		s->seen[f] = 0;
	}
	return r;
}

/* A reload: the chains and tables its doors need (a forward door, a nat_port). */
static int ipt_reconfigure(void *st, const struct config *c, char *err, size_t errlen)
{
	struct ipt_state *s = st;

	(void)err;
	(void)errlen;
	s->flags = config_flags(c);
	return 0;
}

static void ipt_close(void *st)
{
	struct ipt_state *s = st;

	if (!s)
		return;
	close(s->lock_fd);
	free(s);
}

static void base_warning(char *msg, size_t len, int family, const char *chain)
{
	size_t n = strlen(msg);

	snprintf(msg + n, len - n,
		 "warning: IPv%d %s accepts no ESTABLISHED,RELATED traffic: grants will carry "
		 "their own connections, which then end with the grant (add: ip%stables-legacy "
		 "-I %s -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT)\n",
		 family, chain, family == 6 ? "6" : "", chain);
}

static void docker_note(char *msg, size_t len, int family)
{
	size_t n = strlen(msg);

	snprintf(msg + n, len - n,
		 "note: Docker (chain DOCKER-USER in the IPv%d filter table): forward grants are "
		 "jumped to first in DOCKER-USER, which Docker jumps to first from FORWARD and "
		 "never rewrites\n",
		 family);
}

int fw_legacy_loaded(int family)
{
	FILE *f =
	    fopen(family == 6 ? "/proc/net/ip6_tables_names" : "/proc/net/ip_tables_names", "re");
	char line[64];
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f))
		found = !strcmp(line, "filter\n");
	if (f)
		fclose(f);
	return found;
}

static int ipt_check(const struct config *c, char *msg, size_t len)
{
	struct fwxt_base b[2];
	char err[256];

	msg[0] = '\0';
	for (int f = 0; f < 2; f++) {
		if (!fw_legacy_loaded(f ? 6 : 4)) /* reading would create it: nothing to check */
			continue;
		if ((f ? fw_ipt6_base : fw_ipt4_base)(&b[f], err, sizeof(err)) < 0) {
			snprintf(msg, len, "cannot read the legacy xtables: %s", err);
			return -1;
		}
		if (!b[f].established[0])
			base_warning(msg, len, f ? 6 : 4, "INPUT");
		if (!b[f].established[1])
			base_warning(msg, len, f ? 6 : 4, "OUTPUT");
		if ((config_flags(c) & FWIPT_FORWARD) && !b[f].established[2])
			base_warning(msg, len, f ? 6 : 4, "FORWARD");
		if ((config_flags(c) & FWIPT_FORWARD) && b[f].docker_user)
			docker_note(msg, len, f ? 6 : 4);
	}
	return 0;
}

/* The user chain a built-in chain's drop was found in (jumps followed), or "". */
static const char *via(const struct fwxt_base *b, int i)
{
	static const char *const chain[3] = {"INPUT", "OUTPUT", "FORWARD"};

	return strcmp(b->drop_chain[i], chain[i]) ? b->drop_chain[i] : "";
}

/* Where the iptables backend writes each family's grant accepts (at start, if need be). */
static void grant_to(struct fw_probe *p, int f, int nch, int docker)
{
	static const char *const own[3] = {FW_CHAIN_IN, FW_CHAIN_OUT, FW_CHAIN_FWD};
	static const char *const from[3] = {"INPUT", "OUTPUT", "FORWARD"};

	for (int i = 0; i < nch; i++)
		snprintf(p->grant_to[f == 6][i], sizeof(p->grant_to[0][0]),
			 "%s filter %s (jumped to from %s)",
			 f == 4 ? "iptables-legacy" : "ip6tables-legacy", own[i],
			 i == 2 && docker ? "DOCKER-USER" : from[i]);
}

/* Which legacy base chains can drop; a table not loaded yet is not read (that would load
 * it). Never fails: an unreadable table counts as dropping. */
static int ipt_probe(const struct config *c, struct fw_probe *p, char *err, size_t errlen)
{
	static const char *const chain[3] = {"INPUT", "OUTPUT", "FORWARD"};
	int nch = config_flags(c) & FWIPT_FORWARD ? 3 : 2; /* FORWARD: for forward doors */
	struct fwxt_base b;

	memset(p, 0, sizeof(*p));
	for (int f = 4; f <= 6; f += 2) {
		grant_to(p, f, nch, 0);
		if (!fw_legacy_loaded(f))
			continue;
		if ((f == 4 ? fw_ipt4_base : fw_ipt6_base)(&b, err, errlen) < 0) {
			p->drops = 1; /* cannot tell: assume the worst */
			p->drop_mask |= 7u << (f == 6 ? 3 : 0);
			fw_probe_append(p->drops_what, sizeof(p->drops_what),
					"IPv%d filter table unreadable", f);
			continue;
		}
		grant_to(p, f, nch, b.docker_user);
		for (int i = 0; i < nch; i++)
			if (b.drops[i]) {
				p->drops = 1;
				p->drop_mask |= 1u << ((f == 6 ? 3 : 0) + i);
				fw_probe_append(p->drops_what, sizeof(p->drops_what),
						"%s filter %s%s%s%s",
						f == 4 ? "iptables-legacy" : "ip6tables-legacy",
						chain[i], via(&b, i)[0] ? " (a drop in " : "",
						via(&b, i), via(&b, i)[0] ? ")" : "");
			}
	}
	return 0;
}

const struct fw_backend fw_backend_iptables = {
    .name = "iptables",
    .what = "libiptc, legacy xtables",
    .open = ipt_open,
    .commit = ipt_commit,
    .list = ipt_list,
    .reconfigure = ipt_reconfigure,
    .close = ipt_close,
    .check = ipt_check,
    .probe = ipt_probe,
    .watch = ipt_watch,
};
