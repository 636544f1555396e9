/*
 * knock GROUP [DOOR...], knock --sequence GROUP, knock GROUP PORT...: each member of the
 * [group:] is knocked by its own child process, all at once, exactly as `knock MEMBER ...`
 * would; the child's messages come back through a pipe and make that member's one line.
 */
#include "group.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clientconf.h"
#include "clientfile.h"
#include "profile.h"
#include "sequence.h"

struct member {
	const char *name;
	pid_t pid;
	int fd; /* the child's stderr, -1 once at EOF */
	char out[512];
	size_t len;
	int status;
};

static int knock_one(const struct send_opts *o, const char *host, enum group_mode mode, char **args,
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

static int start(struct member *m, const struct send_opts *o, enum group_mode mode, char **args,
		 int nargs)
{
	int p[2];

	if (pipe(p) < 0)
		return -1;
	m->pid = fork();
	if (m->pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (m->pid == 0) {
		close(p[0]);
		dup2(p[1], STDERR_FILENO);
		close(p[1]);
		_exit(knock_one(o, m->name, mode, args, nargs));
	}
	close(p[1]);
	m->fd = p[0];
	return 0;
}

/* Reads every child's messages until all have closed their end (they exit then). */
static void collect(struct member *m, size_t n)
{
	struct pollfd p[GROUP_MAX_MEMBERS];
	size_t open = 0;

	for (size_t i = 0; i < n; i++)
		open += m[i].fd >= 0;

	while (open > 0) {
		for (size_t i = 0; i < n; i++)
			p[i] = (struct pollfd){.fd = m[i].fd, .events = POLLIN};
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (size_t i = 0; i < n; i++) {
			char buf[512];
			ssize_t k;

			if (m[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			k = read(m[i].fd, buf, sizeof(buf));
			if (k > 0) {
				size_t room = sizeof(m[i].out) - 1 - m[i].len;
				size_t take = (size_t)k < room ? (size_t)k : room;

				memcpy(m[i].out + m[i].len, buf, take);
				m[i].len += take;
				continue;
			}
			close(m[i].fd);
			m[i].fd = -1;
			open--;
		}
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
		int good = m[i].pid > 0 && WIFEXITED(m[i].status) && WEXITSTATUS(m[i].status) == 0;

		char line[sizeof(m[i].out) + 8];

		m[i].out[m[i].len] = '\0';
		one_line(m[i].out, line, sizeof(line));
		if (m[i].pid <= 0)
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
	fflush(stdout);
	fflush(stderr);
	for (size_t i = 0; i < n; i++) {
		m[i].name = cc.hosts[g->members[i]].name;
		m[i].fd = -1;
		if (start(&m[i], o, mode, args, nargs) < 0)
			m[i].pid = 0;
	}
	collect(m, n);
	for (size_t i = 0; i < n; i++)
		if (m[i].pid > 0 && waitpid(m[i].pid, &m[i].status, 0) < 0)
			m[i].pid = 0;
	ret = report(name, m, n);
out:
	clientconf_free(&cc);
	return ret;
}
