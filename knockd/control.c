/*
 * The control socket: knockctl's requests served from the daemon's poll loop. The socket
 * is mode 0600 and every peer's uid is checked (SO_PEERCRED): root only. A request is one
 * line; the answer is "OK" or "ERR reason", a body, and the end of the connection.
 */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "ctlproto.h"
#include "log.h"
#include "pkt.h"
#include "verify.h"

struct sbuf {
	char *p;
	size_t n, cap;
	int failed; /* out of memory: the answer is an error, not a truncated body */
};

__attribute__((format(printf, 2, 3))) static void out(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int need;

	for (;;) {
		va_start(ap, fmt);
		need = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (need < 0)
			return;
		if (b->p && b->n + (size_t)need < b->cap) {
			b->n += (size_t)need;
			return;
		}
		size_t cap = (b->cap + (size_t)need + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p) {
			b->failed = 1; /* b->p stays ours to free */
			return;
		}
		b->p = p;
		b->cap = cap;
	}
}

/* The directory of the socket at path, held for control_close. */
static int open_dir(struct control *c, const char *path, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	c->dir = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->dir >= 0)
		return 0;
	snprintf(err, errlen, "control socket %s: its directory: %s", path, strerror(errno));
	return -1;
}

int control_open(struct control *c, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: control_socket path too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	(void)unlink(path); /* a stale socket from a previous run */
	if (fd < 0 || fchmod(fd, 0600) < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0600) < 0 || listen(fd, 8) < 0) {
		snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	c->fd = fd;
	return open_dir(c, path, err, errlen);
}

/* The socket's name in its directory (control_dir). */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Removes the socket at exit, through its directory's descriptor: the writer's seccomp
 * filter allows unlinkat there only (sandbox_writer_filter). */
void control_close(struct control *c, const char *path)
{
	if (c->fd >= 0)
		close(c->fd);
	if (c->fd >= 0 && c->dir >= 0 && unlinkat(c->dir, base_name(path), 0) < 0)
		log_warn("control socket %s: not removed: %s", path, strerror(errno));
	if (c->dir >= 0)
		close(c->dir);
	c->fd = c->dir = -1;
}

static int cmp_grant_id(const void *a, const void *b)
{
	const struct grant *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void iso_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "2026-11-21 13:20:34 CET (in 15m)": the deadline in the host's local time, and what is
 * left of the grant. */
static void local_until(int64_t deadline, uint64_t left_ms, char *buf, size_t len)
{
	time_t tt = (time_t)deadline;
	uint64_t s = (left_ms + 500) / 1000;
	size_t n;
	struct tm tm;

	localtime_r(&tt, &tm);
	n = strftime(buf, len, "%Y-%m-%d %H:%M:%S %Z", &tm);
	if (s >= 3600 && s % 3600 == 0)
		snprintf(buf + n, len - n, " (in %" PRIu64 "h)", s / 3600);
	else if (s >= 3600)
		snprintf(buf + n, len - n, " (in %" PRIu64 "h%02" PRIu64 "m%02" PRIu64 "s)",
			 s / 3600, s % 3600 / 60, s % 60);
	else if (s >= 60 && s % 60 == 0)
		snprintf(buf + n, len - n, " (in %" PRIu64 "m)", s / 60);
	else if (s >= 60)
		snprintf(buf + n, len - n, " (in %" PRIu64 "m%02" PRIu64 "s)", s / 60, s % 60);
	else
		snprintf(buf + n, len - n, " (in %" PRIu64 "s)", s);
}

static void do_list(struct control *c, const struct ctl_request *r, struct sbuf *b)
{
	const struct config *cfg = grantsvc_config(c->svc);
	size_t n;
	const struct grant *all = grantsvc_grants(c->svc, &n);
	struct grant *v = malloc((n + 1) * sizeof(*v));
	struct grant_clock clock = grant_clock_now();
	int64_t now = clock.wall_ms / 1000;
	char a[ADDR_STRLEN], opened[32];

	if (!v)
		return;
	memcpy(v, all, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_grant_id);
	if (r->json)
		out(b, "{\"grants\":[");
	else
		out(b, "%-6s %-16s %-40s %-20s %9s  %-8s %-8s %s\n", "ID", "DOOR", "ADDRESS",
		    "OPENED", "REMAINING", "ORIGIN", "STATE", "OWNER");
	for (size_t i = 0; i < n; i++) {
		const struct grant *g = &v[i];
		/* live: until knockd removes it; revoking: until the kernel stops matching */
		int64_t left = g->ending
				   ? g->deadline + 1 - now
				   : ((int64_t)g->expires_ms - (int64_t)clock.mono_ms + 999) / 1000;
		const char *state = g->ending ? "revoking" : "live";
		const struct door *dr = &cfg->doors[g->door];

		addr_format(&g->addr, a, sizeof(a));
		iso_time(g->opened, opened, sizeof(opened));
		if (r->json)
			out(b,
			    "%s{\"id\":%" PRIu32 ",\"door\":\"%s\",\"address\":\"%s\","
			    "\"opened\":\"%s\",\"deadline\":%" PRId64 ",\"remaining\":%" PRId64
			    ",\"origin\":\"%s\",\"state\":\"%s\"%s%s%s}",
			    i ? "," : "", g->id, dr->name, a, opened, g->deadline,
			    left > 0 ? left : 0, grantsvc_origin_names[g->origin], state,
			    dr->has_owner ? ",\"owner\":\"" : "",
			    dr->has_owner ? dr->owner_name : "", dr->has_owner ? "\"" : "");
		else /* OWNER only for an owner-bound door: other rows end with STATE */
			out(b, "%-6" PRIu32 " %-16s %-40s %-20s %8" PRId64 "s  %-8s %s%*s%s\n",
			    g->id, dr->name, a, opened, left > 0 ? left : 0,
			    grantsvc_origin_names[g->origin], state,
			    dr->has_owner ? 9 - (int)strlen(state) : 0, "",
			    dr->has_owner ? dr->owner_name : "");
	}
	if (r->json)
		out(b, "]}\n");
	free(v);
}

/* s as the inside of a JSON string: quotes, backslashes and control characters escaped. */
static void json_escape(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (; *s && n + 7 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			n += (size_t)snprintf(out + n, len - n, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			n += (size_t)snprintf(out + n, len - n, "\\u%04x", c);
		else
			out[n++] = (char)c;
	}
	out[n] = '\0';
}

/* Where the configuration in force came from: the file, or the last-good copy and why. */
static void config_state(const struct control *c, int json, struct sbuf *b)
{
	const char *why = c->fallback ? c->fallback : "";
	char esc[1024 * 6 + 1];

	if (!json) {
		out(b, why[0] ? "config=last-good (%s)\n" : "config=%s\n", why[0] ? why : "file");
		return;
	}
	json_escape(why, esc, sizeof(esc));
	out(b, "\"config\":\"%s\",\"config_error\":\"%s\",", why[0] ? "last-good" : "file", esc);
}

static void do_status(struct control *c, const struct ctl_request *r, struct sbuf *b)
{
	const struct config *cfg = grantsvc_config(c->svc);
	const struct fw_backend *fw = grantsvc_backend(c->svc);
	int64_t up = grant_clock_now().wall_ms / 1000 - c->started;
	const char *q = r->json ? "\"" : "";
	char ifaces[sizeof(cfg->interfaces) * 6 + 1];
	struct ps_stats st;
	size_t n;

	(void)grantsvc_grants(c->svc, &n);
	c->stats(c->arg, &st);
	if (r->json) /* an interface name may hold a quote or a backslash */
		json_escape(cfg->interfaces, ifaces, sizeof(ifaces));
	else
		snprintf(ifaces, sizeof(ifaces), "%s", cfg->interfaces);
	out(b,
	    r->json ? "{\"uptime\":%" PRId64 ",\"backend\":\"%s%s\",\"interfaces\":\"%s\","
		      "\"spa_port\":%u,\"grants\":%zu,\"max_grants\":%u,"
		    : "uptime %" PRId64 "s\nbackend %s (%s)\n"
		      "interfaces %s, token port udp/%u\ngrants %zu of at most %u\n",
	    up, fw->name, r->json ? "" : fw->what, ifaces, cfg->spa_port, n, cfg->max_grants);
	config_state(c, r->json, b);
	out(b, "%s", r->json ? "\"counters\":{" : "counters:");
	out(b, r->json ? "%sframes%s:%" PRIu64 : " %sframes%s=%" PRIu64, q, q, st.frames);
	out(b, r->json ? ",%spacket-oversized%s:%" PRIu64 : " %spacket-oversized%s=%" PRIu64, q, q,
	    st.oversized);
	for (int e = 1; e < PKT_NERR; e++)
		out(b, r->json ? ",%spacket-%s%s:%" PRIu64 : " %spacket-%s%s=%" PRIu64, q,
		    pkt_strerror(-e), q, st.pkt_errors[e]);
	for (int v = 0; v < V_NRESULTS; v++)
		out(b, r->json ? ",%stoken-%s%s:%" PRIu64 : " %stoken-%s%s=%" PRIu64, q,
		    verify_strresult(v), q, st.tokens[v]);
	out(b,
	    r->json
		? ",%sknocks%s:%" PRIu64 ",%ssequence-resets%s:%" PRIu64 ",%ssequences%s:%" PRIu64
		  ",%ssequence-replays%s:%" PRIu64 ",%srefused%s:%" PRIu64 "}}\n"
		: " %sknocks%s=%" PRIu64 " %ssequence-resets%s=%" PRIu64 " %ssequences%s=%" PRIu64
		  " %ssequence-replays%s=%" PRIu64 " %srefused%s=%" PRIu64 "\n",
	    q, q, st.knocks, q, q, st.seq_resets, q, q, st.sequences, q, q, st.seq_replays, q, q,
	    st.refused);
}

/* A local maintenance window: exactly the TTL asked for, never above the door's max_ttl
 * (the grant service's admission says so); its outcome is the commit's, for this grant. */
static int do_open(struct control *c, const struct ctl_request *r, struct sbuf *b, char *err,
		   size_t errlen)
{
	const struct config *cfg = grantsvc_config(c->svc);
	int i = config_door_index(cfg, r->door), ok = 0;
	struct grantsvc_req g = {.ttl = r->ttl, .exact = 1, .origin = ORIGIN_LOCAL, .who = "local"};
	struct grant_clock now = grant_clock_now();
	const struct door *door;
	const struct grant *gr;
	uint32_t id;

	if (i < 0) {
		snprintf(err, errlen, "no door '%s'", r->door);
		return -1;
	}
	door = &cfg->doors[i];
	if (door->direction != DIR_OUT && !r->addr.family) {
		snprintf(err, errlen,
			 "door %s is direction = %s: give the address to let in (--addr)",
			 door->name, door->direction == DIR_IN ? "in" : "forward");
		return -1;
	}
	g.doors = 1u << i;
	g.addr = r->addr;
	if (!g.addr.family)
		g.addr.family = 4; /* an egress grant for the host itself: 0.0.0.0 names it */
	id = grantsvc_request(c->svc, &g, &now, err, errlen);
	if (!id)
		return -1;
	(void)grantsvc_commit(c->svc, id, &ok); /* may fail for other grants only */
	gr = ok ? grants_get(&c->svc->grants, id) : NULL;
	if (!gr || gr->ending) {
		snprintf(err, errlen, "firewall commit failed (see the log)");
		return -1;
	}
	if (r->json) {
		out(b, "{\"id\":%" PRIu32 ",\"deadline\":%" PRId64 "}\n", gr->id, gr->deadline);
	} else {
		char until[128];

		local_until(gr->deadline, gr->expires_ms - now.mono_ms, until, sizeof(until));
		out(b, "opened grant %" PRIu32 " until %s\n", gr->id, until);
	}
	return 0;
}

static int do_revoke(struct control *c, const struct ctl_request *r, struct sbuf *b, char *err,
		     size_t errlen)
{
	size_t n = 1, left;
	int ok = 1;

	if (r->verb == CTL_REVOKE && grantsvc_revoke(c->svc, r->id, GRANT_REVOKED) < 0) {
		snprintf(err, errlen, "no grant %" PRIu32, r->id);
		return -1;
	}
	if (r->verb != CTL_REVOKE)
		n = grantsvc_revoke_all(c->svc, GRANT_FLUSHED);
	(void)grantsvc_commit(c->svc, r->verb == CTL_REVOKE ? r->id : 0, &ok);
	(void)grantsvc_grants(c->svc, &left);
	if (r->verb == CTL_REVOKE ? !ok : left > 0) {
		snprintf(err, errlen,
			 "firewall commit failed (see the log): %zu grant(s) listed as revoking, "
			 "retried until their rules are gone",
			 c->svc->grants.nending);
		return -1;
	}
	out(b, r->json ? "{\"revoked\":%zu}\n" : "revoked %zu grant(s)\n", n);
	return 0;
}

static int dispatch(struct control *c, const char *line, struct sbuf *b, char *err, size_t errlen)
{
	struct ctl_request r;

	if (ctl_parse(line, &r, err, errlen) < 0)
		return -1;
	switch (r.verb) {
	case CTL_LIST:
		do_list(c, &r, b);
		return 0;
	case CTL_STATUS:
		do_status(c, &r, b);
		return 0;
	case CTL_OPEN:
		return do_open(c, &r, b, err, errlen);
	case CTL_RELOAD:
		if (c->reload(c->arg, err, errlen) < 0)
			return -1;
		out(b, r.json ? "{\"reloaded\":\"%s\"}\n" : "reloaded %s\n", c->config_path);
		return 0;
	default:
		return do_revoke(c, &r, b, err, errlen);
	}
}

static int read_line(int fd, char *line, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < len && (r = read(fd, line + n, len - 1 - n)) > 0) {
		n += (size_t)r;
		line[n] = '\0';
		if (strchr(line, '\n')) {
			*strchr(line, '\n') = '\0';
			return 0;
		}
	}
	return -1;
}

static void write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n && (w = write(fd, p, n)) > 0) {
		p += w;
		n -= (size_t)w;
	}
}

void control_serve(struct control *c)
{
	struct timeval tv = {1, 0};
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	char line[CTL_LINE_MAX + 2], err[256] = "";
	struct sbuf body = {0};
	int fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC), r;

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 || cred.uid != 0) {
		write_all(fd, "ERR permission denied: root only\n", 33);
		close(fd);
		return;
	}
	c->serving_fd = fd; /* a parser forked by a reload must not keep it open */
	if (read_line(fd, line, sizeof(line)) < 0) {
		snprintf(err, sizeof(err), "no request line within 1 s");
		r = -1;
	} else {
		r = dispatch(c, line, &body, err, sizeof(err));
	}
	c->serving_fd = -1;
	if (r == 0 && body.failed) {
		snprintf(err, sizeof(err), "out of memory for the answer");
		r = -1;
	}
	if (r < 0) {
		log_warn("control: refused request: %s", err);
		dprintf(fd, "ERR %s\n", err);
	} else {
		write_all(fd, "OK\n", 3);
		write_all(fd, body.p ? body.p : "", body.n);
	}
	free(body.p);
	close(fd);
}
