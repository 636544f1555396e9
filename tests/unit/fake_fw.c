/*
 * The fake firewall backend (fake_fw.h): rules in an array, each held by one or more parts
 * (family and table) written one after the other as libiptc does, through the same
 * fw_parts_commit (which undoes the parts written when a later one fails); failures on
 * demand, of a whole commit or of one part after the earlier ones were written.
 */
#include "fake_fw.h"

#include "fw_parts.h"

#include <stdio.h>
#include <string.h>

static size_t find(const struct fake_fw *f, uint32_t id)
{
	size_t i = 0;

	while (i < f->n && f->r[i].id != id)
		i++;
	return i;
}

const struct fake_fw_rule *fake_fw_find(const struct fake_fw *f, uint32_t id)
{
	size_t i = find(f, id);

	return i < f->n ? &f->r[i] : NULL;
}

static int should_fail(struct fake_fw *f, const struct fw_change *ch, size_t n)
{
	if (f->fail_in && --f->fail_in == 0)
		return 1;
	switch (f->fail) {
	case FAKE_FW_FIRST:
		f->fail = FAKE_FW_OK;
		return 1;
	case FAKE_FW_ALWAYS:
		return 1;
	case FAKE_FW_DELETES:
		for (size_t i = 0; i < n; i++)
			if (ch[i].op == FW_DEL)
				return 1;
		return 0;
	default:
		return 0;
	}
}

/* The parts (bit mask) holding a change's rules, chosen as the libiptc backend does. */
static unsigned parts_of(const struct fw_change *c)
{
	const struct door *d = c->rule.door;
	unsigned fam = c->rule.addr.family == 6 ? 1u << FAKE_V6_FILTER : 1u << FAKE_V4_FILTER;

	if (d->direction == DIR_OUT) {
		fam = d->ndests ? 0 : (1u << FAKE_V4_FILTER) | (1u << FAKE_V6_FILTER);
		for (int i = 0; i < d->ndests; i++)
			fam |= d->dests[i].addr.family == 6 ? 1u << FAKE_V6_FILTER
							    : 1u << FAKE_V4_FILTER;
	}
	if (d->direction == DIR_FWD && d->nat_port)
		fam |= fam >> 1; /* the nat part of the same family */
	return fam;
}

static void apply(struct fake_fw *f, const struct fw_change *c, int part)
{
	size_t i = find(f, c->rule.id);
	struct fake_fw_rule *r = i < f->n ? &f->r[i] : NULL;

	if (!(parts_of(c) & (1u << part)))
		return;
	if (c->op == FW_DEL) {
		if (r && !(r->parts &= ~(1u << part)))
			*r = f->r[--f->n];
		return;
	}
	if (r && c->fresh && (r->parts & (1u << part)))
		f->misuse++;
	if (!r) {
		if (f->n == FAKE_FW_MAX) {
			f->misuse++;
			return;
		}
		r = &f->r[f->n++];
		memset(r, 0, sizeof(*r));
	}
	r->id = c->rule.id;
	snprintf(r->door, sizeof(r->door), "%s", c->rule.door->name);
	r->direction = c->rule.door->direction;
	r->addr = c->rule.addr;
	r->deadline = c->rule.deadline;
	r->parts |= 1u << part;
	r->pdeadline[part] = c->rule.deadline;
}

static int writes(const struct fw_change *ch, size_t n, int part)
{
	for (size_t i = 0; i < n; i++)
		if (parts_of(&ch[i]) & (1u << part))
			return 1;
	return 0;
}

/* One part's commit: all of its changes, or (failure on demand) none. */
static int write_part(void *st, int p, const struct fw_change *ch, size_t n, char *err,
		      size_t errlen)
{
	struct fake_fw *f = st;

	if (!writes(ch, n, p))
		return 0;
	if (f->fail_part == p + 1) {
		f->fail_part = 0;
		snprintf(err, errlen, "fake backend: part %d failed on demand", p);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		apply(f, &ch[i], p);
	return 0;
}

static const struct fw_parts fake_parts = {.n = FAKE_NPARTS, .write = write_part};

static int fake_commit(void *st, const struct fw_change *ch, size_t n, char *err, size_t errlen)
{
	struct fake_fw *f = st;
	int r;

	f->commits++;
	if (should_fail(f, ch, n)) {
		f->failed++;
		snprintf(err, errlen, "fake backend: failure on demand");
		return -1;
	}
	if (f->lose) /* the chains, with every rule, were gone: created again */
		f->n = 0;
	r = fw_parts_commit(&fake_parts, f, ch, n, err, errlen);
	if (r < 0) {
		f->failed++;
		return r;
	}
	f->changes += (unsigned)n;
	if (f->lose) {
		f->lose = 0;
		return 1;
	}
	return 0;
}

int fake_fw_whole(const struct fake_fw *f, uint32_t id, int64_t deadline)
{
	const struct fake_fw_rule *r = fake_fw_find(f, id);

	if (!r || !r->parts)
		return 0;
	for (int p = 0; p < FAKE_NPARTS; p++)
		if ((r->parts & (1u << p)) && r->pdeadline[p] != deadline)
			return 0;
	return 1;
}

static int fake_list(void *st, struct fw_found *out, size_t max, size_t *n, char *err,
		     size_t errlen)
{
	struct fake_fw *f = st;

	if (f->n > max) {
		snprintf(err, errlen, "fake backend: %zu rules, room for %zu", f->n, max);
		return -1;
	}
	for (size_t i = 0; i < f->n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].id = f->r[i].id;
		out[i].direction = f->r[i].direction;
		memcpy(out[i].door, f->r[i].door, sizeof(out[i].door));
		out[i].addr = f->r[i].addr;
		out[i].deadline = f->r[i].deadline;
	}
	*n = f->n;
	return 0;
}

static int fake_open(void **st, const struct config *c, char *err, size_t errlen)
{
	(void)st;
	(void)c;
	snprintf(err, errlen, "fake backend: use fake_fw_attach()");
	return -1;
}

static void fake_close(void *st)
{
	(void)st;
}

static int fake_check(const struct config *c, char *msg, size_t len)
{
	(void)c;
	snprintf(msg, len, "fake backend: nothing to check\n");
	return 0;
}

const struct fw_backend fake_fw_backend = {
    .name = "fake",
    .what = "in memory, for tests",
    .open = fake_open,
    .commit = fake_commit,
    .list = fake_list,
    .close = fake_close,
    .check = fake_check,
};

void fake_fw_attach(struct fw *fw, struct fake_fw *f)
{
	memset(f, 0, sizeof(*f));
	memset(fw, 0, sizeof(*fw));
	fw->b = &fake_fw_backend;
	fw->st = f;
}
