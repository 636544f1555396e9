/*
 * knock GROUP [DOOR...], knock --sequence GROUP, knock GROUP PORT...: each member of the
 * [group:] is knocked exactly as `knock MEMBER ...` would (spawn.c: all at once, a child
 * process each); the member's messages make its one line.
 */
#include "group.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clientconf.h"
#include "clientfile.h"
#include "profile.h"
#include "sequence.h"

int group_knock_one(const struct send_opts *o, const char *host, enum group_mode mode, char **args,
		    int nargs)
{
	switch (mode) {
	case GROUP_SEQUENCE:
		return cmd_sequence(o, host);
	case GROUP_STATIC:
		return cmd_static(o, host, args, nargs);
	default:
		return cmd_send(o, host, args, nargs);
	}
}

/* "knock: a\nknock: b\n" -> "a; b" */
static void one_line(const char *s, char *out, size_t outlen)
{
	size_t w = 0;

	out[0] = '\0';
	for (const char *r = s; *r && w + 3 < outlen;) {
		if (!strncmp(r, "knock: ", 7) && (r == s || r[-1] == '\n'))
			r += 7;
		if (*r == '\n') {
			if (*++r) {
				out[w++] = ';';
				out[w++] = ' ';
			}
			continue;
		}
		if (*r)
			out[w++] = *r++;
	}
	out[w] = '\0';
}

static int report(const char *group, struct member *m, size_t n)
{
	char failed[GROUP_MAX_MEMBERS * (NAME_MAX_LEN + 2) + 1] = "";
	int bad = 0;

	for (size_t i = 0; i < n; i++) {
		int good = m[i].ran && m[i].ok;
		char line[sizeof(m[i].out) + 8];

		m[i].out[m[i].len] = '\0';
		one_line(m[i].out, line, sizeof(line));
		if (!m[i].ran)
			snprintf(line, sizeof(line), "cannot start a process");
		printf("%s: %s%s%s\n", m[i].name, good ? "ok" : "failed", line[0] ? ": " : "",
		       line);
		if (!good) {
			snprintf(failed + strlen(failed), sizeof(failed) - strlen(failed), "%s%s",
				 bad ? ", " : "", m[i].name);
			bad++;
		}
	}
	fflush(stdout);
	if (bad)
		fprintf(stderr, "knock: group %s: %d of %zu hosts failed: %s\n", group, bad, n,
			failed);
	return bad ? 1 : 0;
}

int group_run(const struct send_opts *o, const char *name, enum group_mode mode, char **args,
	      int nargs)
{
	struct member m[GROUP_MAX_MEMBERS];
	struct client_config cc;
	const struct host_group *g;
	char path[PATH_MAX], err[512];
	size_t n;
	int ret = -1;

	if (knock_config_path(o->config, path, sizeof(path)) < 0 || access(path, R_OK) < 0 ||
	    clientfile_load(&cc, path, err, sizeof(err)) < 0)
		return -1;
	g = clientconf_find_group(&cc, name);
	if (!g)
		goto out;
	n = g->nmembers;
	memset(m, 0, sizeof(m));
	for (size_t i = 0; i < n; i++)
		m[i].name = cc.hosts[g->members[i]].name;
	spawn_members(m, n, group_knock_one, o, mode, args, nargs);
	ret = report(name, m, n);
out:
	clientconf_free(&cc);
	return ret;
}
