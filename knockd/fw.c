/* Backend selection and the rule comment that names a grant inside the kernel. */
#include "fw.h"

#include "nftprobe.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const struct fw_backend *backend_for(const struct config *c, char *err, size_t errlen)
{
	switch (c->backend) {
	case BACKEND_AUTO: /* only libiptc exists so far; see README "Status" */
	case BACKEND_IPTABLES:
		return &fw_backend_iptables;
	}
	snprintf(err, errlen, "backend '%s' is not implemented yet; use iptables",
		 config_backend_name(c->backend));
	return NULL;
}

/*
 * The libiptc backend writes the legacy tables: where an nftables base chain drops the
 * traffic, its ACCEPTs would never be reached. Refuse, saying what was found.
 */
static int legacy_effective(const struct config *c, char *err, size_t errlen)
{
	char found[1024], perr[256];
	int n = nftprobe_dropping_chains(found, sizeof(found), perr, sizeof(perr));

	if (n <= 0 || c->backend == BACKEND_NFTABLES)
		return 0; /* none; or nftables cannot be asked (no nf_tables): none either */
	snprintf(err, errlen,
		 "an nftables ruleset is in force here (%s): grants written through libiptc to "
		 "the legacy tables (backend %s) would have no effect. Write the base ruleset with "
		 "iptables-legacy/ip6tables-legacy instead (knockd(8), The base ruleset); the "
		 "nftables backend is not available yet",
		 found, config_backend_name(c->backend));
	return -1;
}

int fw_open(struct fw *fw, const struct config *c, char *err, size_t errlen)
{
	if (legacy_effective(c, err, errlen) < 0)
		return -1;
	fw->b = backend_for(c, err, errlen);
	return fw->b ? fw->b->open(&fw->st, c, err, errlen) : -1;
}

int fw_check(const struct config *c, char *msg, size_t len)
{
	const struct fw_backend *b = backend_for(c, msg, len);

	if (b && legacy_effective(c, msg, len) < 0) /* before anything loads legacy tables */
		return -2;
	return b ? b->check(c, msg, len) : -1;
}

int fw_commit(struct fw *fw, const struct fw_change *ch, size_t n, char *err, size_t errlen)
{
	return n ? fw->b->commit(fw->st, ch, n, err, errlen) : 0;
}

int fw_list(struct fw *fw, struct fw_found *out, size_t max, size_t *n, char *err, size_t errlen)
{
	return fw->b->list(fw->st, out, max, n, err, errlen);
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
