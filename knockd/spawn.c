/*
 * Starting the unprivileged packet parser. Everything it needs is prepared by the rule
 * writer before the fork (captures opened as root, keys derived, replay state loaded); the
 * child then closes what is not its own, drops to nobody in a seccomp sandbox and runs the
 * parser loop. The parent drops its copies: after this it holds no client key.
 */
#include "daemon.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "parser.h"
#include "sandbox.h"

/*
 * What the parser keeps: captures, channel, state file, stdio, syslog's socket; anything
 * else (inherited from whoever started knockd, or the writer's) is closed. Of those it may
 * write to the channel, the state file, stderr and syslog: never to a capture.
 */
static int parser_fds(const struct daemon *d, int chan, struct sandbox_fds *fds)
{
	int keep[MAX_IFACES + 2], n = 0;

	keep[n++] = chan;
	keep[n++] = d->stage.replay_fd;
	for (int i = 0; i < d->stage.nsniffs; i++)
		keep[n++] = d->stage.sniffs[i].fd;
	fds->n = 0;
	fds->fd[fds->n++] = chan;
	fds->fd[fds->n++] = d->stage.replay_fd;
	fds->fd[fds->n++] = 2;
	return sandbox_close_others(keep, n, 1, fds);
}
/* SO_SNDBUFFORCE: the kernel doubles it; 8 MiB hold about 13,000 grant requests. */
#define CHANNEL_SNDBUF (8 << 20)

static void child(struct daemon *d, int chan, const struct sandbox_user *u)
{
	struct parser p = {.cfg = d->svc.cfg,
			   .ver = &d->stage.ver,
			   .seq = &d->stage.seq,
			   .sniffs = d->stage.sniffs,
			   .nsniffs = d->stage.nsniffs,
			   .chan = chan,
			   .replay_fd = d->stage.replay_fd};
	struct sandbox_fds fds;
	char err[256] = "parser: cannot list its descriptors";
	sigset_t all;

	/* Not ours: the control socket and its directory (and a knockctl connection being answered
	 * when a reload forks us), the signal fd, the xtables lock. */
	if (d->ctl.fd >= 0)
		close(d->ctl.fd);
	if (d->ctl.dir >= 0)
		close(d->ctl.dir);
	if (d->ctl.serving_fd >= 0)
		close(d->ctl.serving_fd);
	if (d->sigfd >= 0)
		close(d->sigfd);
	grantsvc_close_targets(&d->svc);
	/* Signals are the writer's: a SIGTERM to the whole group (systemctl stop, Ctrl-C) ends
	 * the writer, whose closing the channel then ends us. */
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	malloc_trim(0); /* the writer's freed heap, inherited: not kept */
	if (parser_fds(d, chan, &fds) < 0 || sandbox_parser(u, &fds, err, sizeof(err)) < 0) {
		log_err("%s", err);
		_exit(1);
	}
	_exit(parser_run(&p));
}

int daemon_spawn(struct daemon *d, char *err, size_t errlen)
{
	const struct sandbox_user u = d->parser_user;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "privsep channel: %s", strerror(errno));
		return -1;
	}
	/*
	 * Grant requests queue here while the rule writer commits (a commit into a table of
	 * 10,000 rules takes a while): as 552-byte messages (struct ps_msg) that take kernel
	 * memory only while queued. About 1,600 requests per MiB of buffer (measured: 13,108
	 * queued with CHANNEL_SNDBUF).
	 */
	if (setsockopt(sv[1], SOL_SOCKET, SO_SNDBUFFORCE, &(int){CHANNEL_SNDBUF}, sizeof(int)) < 0)
		log_warn("privsep channel: cannot enlarge its buffer: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		child(d, sv[1], &u);
	}
	close(sv[1]);
	d->chan = sv[0];
	d->parser_pid = pid;
	/* The parser's now: captures, replay state, keys. */
	while (d->stage.nsniffs > 0)
		sniff_close(&d->stage.sniffs[--d->stage.nsniffs]);
	close(d->stage.replay_fd);
	d->stage.replay_fd = -1;
	seq_free(&d->stage.seq);
	verify_free(&d->stage.ver);
	log_info("packet parser started: pid %d, uid %u, no capabilities, seccomp", (int)pid,
		 (unsigned)u.uid);
	return 0;
}

void daemon_retire_parser(struct daemon *d)
{
	if (d->chan >= 0)
		close(d->chan);
	d->chan = -1;
	if (d->parser_pid > 0)
		(void)waitpid(d->parser_pid, NULL, 0);
	d->parser_pid = 0;
}
