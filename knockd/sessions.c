/*
 * Established sessions that a gate change will not cut but that will need a knock to come
 * back: TCP connections in state ESTABLISHED whose local port is an in door's, from a source
 * that neither the door's nor [knockd]'s exempt covers. Loopback sessions are left out (lo is
 * never gated). The kernel's own tables, /proc/net/tcp and /proc/net/tcp6, are this network
 * namespace's.
 */
#include "sessions.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TCP_ESTABLISHED 1
#define MAX_LISTED      16   /* addresses named per door; the rest counted */
#define MAX_SESSIONS    4096 /* to doors' ports; beyond, a note says the list is cut */

struct session {
	struct addr remote;
	uint16_t lport;
};

/* "0100007F" (IPv4) or 32 hex digits (IPv6): the kernel prints each 32-bit word of the
 * address as a host-order integer. */
static int parse_hexaddr(const char *s, size_t n, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (n != 8 && n != 32)
		return -1;
	for (size_t w = 0; w < n / 8; w++) {
		char word[9];
		uint32_t v;

		memcpy(word, s + 8 * w, 8);
		word[8] = '\0';
		v = (uint32_t)strtoul(word, NULL, 16);
		memcpy(a->a + 4 * w, &v, 4); /* host order in memory = the address's bytes */
	}
	a->family = n == 8 ? 4 : 6;
	if (a->family == 6 && !memcmp(a->a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12)) {
		memmove(a->a, a->a + 12, 4); /* an IPv4 client of a dual-stack socket */
		memset(a->a + 4, 0, 12);
		a->family = 4;
	}
	return 0;
}

/* "sl local rem st ...": local "ADDR:PORT", remote "ADDR:PORT", st in hex. */
static int parse_line(const char *line, struct session *s)
{
	char local[64], rem[64];
	unsigned st;
	const char *colon;

	if (sscanf(line, " %*[0-9]: %63s %63s %x", local, rem, &st) != 3 || st != TCP_ESTABLISHED)
		return -1;
	colon = strchr(local, ':');
	if (!colon)
		return -1;
	s->lport = (uint16_t)strtoul(colon + 1, NULL, 16);
	colon = strchr(rem, ':');
	return colon ? parse_hexaddr(rem, (size_t)(colon - rem), &s->remote) : -1;
}

static int in_prefix(const struct addr *a, const struct prefix *p)
{
	unsigned full = p->len / 8u, rest = p->len % 8u;

	if (a->family != p->addr.family || memcmp(a->a, p->addr.a, full))
		return 0;
	return !rest || !((a->a[full] ^ p->addr.a[full]) & (0xffu << (8 - rest)));
}

static int exempt(const struct config *c, const struct door *d, const struct addr *a)
{
	static const struct prefix lo4 = {{4, {127}}, 8}, lo6 = {{6, {[15] = 1}}, 128};

	if (in_prefix(a, &lo4) || in_prefix(a, &lo6))
		return 1;
	for (int i = 0; i < d->nexempt; i++)
		if (in_prefix(a, &d->exempt[i]))
			return 1;
	for (int i = 0; i < c->nexempt; i++)
		if (in_prefix(a, &c->exempt[i]))
			return 1;
	return 0;
}

static int door_port(const struct door *d, uint16_t port)
{
	for (int p = 0; p < d->nports; p++)
		if (d->ports[p] == port)
			return 1;
	return 0;
}

static int any_door_port(const struct config *c, uint16_t port)
{
	for (size_t i = 0; i < c->ndoors; i++)
		if (c->doors[i].direction == DIR_IN && c->doors[i].protocol == 6 &&
		    door_port(&c->doors[i], port))
			return 1;
	return 0;
}

/* The sessions of both tables to in doors' ports (at most max; *cut if there were more).
 * -1 when neither can be read. */
static int read_sessions(const struct config *c, struct session *out, int max, int *cut)
{
	static const char *const files[] = {"/proc/net/tcp", "/proc/net/tcp6"};
	int n = 0, readable = 0;
	char line[512];

	for (size_t f = 0; f < 2; f++) {
		FILE *in = fopen(files[f], "re");

		if (!in)
			continue;
		readable = 1;
		while (fgets(line, sizeof(line), in))
			if (parse_line(line, &out[n]) == 0 && any_door_port(c, out[n].lport)) {
				if (n == max - 1) {
					*cut = 1;
					break;
				}
				n++;
			}
		fclose(in);
	}
	return readable ? n : -1;
}

static int describe_door(const struct config *c, const struct door *d, const struct session *s,
			 int n, FILE *out)
{
	int found = 0;

	for (int i = 0; i < n; i++) {
		char a[ADDR_STRLEN];

		if (!door_port(d, s[i].lport) || exempt(c, d, &s[i].remote))
			continue;
		if (!found)
			fprintf(out, "sessions: door %s: established from", d->name);
		if (found < MAX_LISTED) {
			addr_format(&s[i].remote, a, sizeof(a));
			fprintf(out, "%s %s (port %u)", found ? "," : "", a, s[i].lport);
		}
		found++;
	}
	if (found > MAX_LISTED)
		fprintf(out, " and %d more", found - MAX_LISTED);
	if (found)
		fprintf(out, ": not exempt, each will need a knock to reconnect once it ends (the "
			     "gate drops only new connections)\n");
	return found;
}

int sessions_describe(const struct config *c, FILE *out)
{
	struct session *s = calloc(MAX_SESSIONS, sizeof(*s));
	int cut = 0, n = s ? read_sessions(c, s, MAX_SESSIONS, &cut) : -1, total = 0;

	if (n < 0) {
		fprintf(out, "sessions: note: /proc/net/tcp unreadable: established sessions not "
			     "listed\n");
		free(s);
		return -1;
	}
	for (size_t i = 0; i < c->ndoors; i++)
		if (c->doors[i].direction == DIR_IN && c->doors[i].protocol == 6)
			total += describe_door(c, &c->doors[i], s, n, out);
	if (cut)
		fprintf(out,
			"sessions: note: more than %d sessions to the doors' ports: only the "
			"first were listed\n",
			MAX_SESSIONS - 1);
	free(s);
	return total;
}
