/*
 * A group's members knocked at once on POSIX systems: a child process each, whose stderr
 * comes back through a pipe.
 */
#include "spawn.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clientconf.h"

struct child {
	pid_t pid;
	int fd; /* the child's stderr, -1 once at EOF */
};

static int start(struct child *c, const struct member *m, spawn_one_fn one,
		 const struct send_opts *o, enum group_mode mode, char **args, int nargs)
{
	int p[2];

	if (pipe(p) < 0)
		return -1;
	c->pid = fork();
	if (c->pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (c->pid == 0) {
		close(p[0]);
		dup2(p[1], STDERR_FILENO);
		close(p[1]);
		_exit(one(o, m->name, mode, args, nargs));
	}
	close(p[1]);
	c->fd = p[0];
	return 0;
}

static void take(struct member *m, const char *buf, size_t k)
{
	size_t room = sizeof(m->out) - 1 - m->len;
	size_t n = k < room ? k : room;

	memcpy(m->out + m->len, buf, n);
	m->len += n;
}

/* Reads every child's messages until all have closed their end (they exit then). */
static void collect(struct member *m, struct child *c, size_t n)
{
	struct pollfd p[GROUP_MAX_MEMBERS];
	size_t open = 0;

	for (size_t i = 0; i < n; i++)
		open += c[i].fd >= 0;

	while (open > 0) {
		for (size_t i = 0; i < n; i++)
			p[i] = (struct pollfd){.fd = c[i].fd, .events = POLLIN};
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (size_t i = 0; i < n; i++) {
			char buf[512];
			ssize_t k;

			if (c[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			k = read(c[i].fd, buf, sizeof(buf));
			if (k > 0) {
				take(&m[i], buf, (size_t)k);
				continue;
			}
			close(c[i].fd);
			c[i].fd = -1;
			open--;
		}
	}
}

void spawn_members(struct member *m, size_t n, spawn_one_fn one, const struct send_opts *o,
		   enum group_mode mode, char **args, int nargs)
{
	struct child c[GROUP_MAX_MEMBERS];
	int status = 0;

	fflush(stdout);
	fflush(stderr);
	for (size_t i = 0; i < n; i++) {
		c[i] = (struct child){.pid = 0, .fd = -1};
		if (start(&c[i], &m[i], one, o, mode, args, nargs) < 0)
			c[i].pid = 0;
	}
	collect(m, c, n);
	for (size_t i = 0; i < n; i++) {
		m[i].ran = c[i].pid > 0 && waitpid(c[i].pid, &status, 0) == c[i].pid;
		m[i].ok = m[i].ran && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
}
