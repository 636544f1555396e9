/*
 * The packet parser's seccomp sandbox, applied in forked children (in a network namespace
 * of their own, so nothing could leave this host even if a send got through): it may write
 * to its channel, but a send on a capture (packet) socket, a write to any other descriptor,
 * an execve or an open kill it; closing its channel is refused. Needs root (setresuid).
 */
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"
#include "tap.h"

enum attempt { WRITE_CHAN, SEND_CAPTURE, WRITE_CAPTURE, WRITE_OTHER, EXEC, CLOSE_CHAN, OPEN };

/* Runs the attempt in a sandboxed child; its wait status, after it wrote 'k' (confined). */
static int run(enum attempt a, char *got)
{
	struct sandbox_user u = {65534, 65534};
	struct sandbox_fds fds = {.n = 0};
	char err[256], c = 0;
	int sv[2], pipefd[2], st = -1;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0 || pipe(pipefd) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		char frame[64] = {0};
		int pkt;

		close(sv[0]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(90);
		pkt = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
		if (pkt < 0)
			_exit(91);
		fds.fd[fds.n++] = sv[1];
		if (sandbox_parser(&u, &fds, err, sizeof(err)) < 0)
			_exit(92);
		if (write(sv[1], "k", 1) != 1)
			_exit(93);
		switch (a) {
		case WRITE_CHAN:
			_exit(write(sv[1], "w", 1) == 1 ? 0 : 94);
		case SEND_CAPTURE:
			(void)!send(pkt, frame, sizeof(frame), 0);
			break;
		case WRITE_CAPTURE:
			(void)!write(pkt, frame, sizeof(frame));
			break;
		case WRITE_OTHER:
			(void)!write(pipefd[1], "p", 1);
			break;
		case EXEC:
			execl("/bin/true", "true", (char *)NULL);
			break;
		case CLOSE_CHAN:
			_exit(close(sv[1]) < 0 ? 0 : 95);
		case OPEN:
			_exit(open("/etc/hostname", O_RDONLY) < 0 ? 0 : 96);
		}
		_exit(97); /* the attempt came back: not confined */
	}
	close(sv[1]);
	if (pid > 0) {
		(void)!read(sv[0], &c, 1);
		waitpid(pid, &st, 0);
	}
	*got = c;
	close(sv[0]);
	close(pipefd[0]);
	close(pipefd[1]);
	return st;
}

static int killed(int st)
{
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS;
}

int main(void)
{
	char got;
	int st;

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (setresuid, a network namespace)\n");
		return 0;
	}
	st = run(WRITE_CHAN, &got);
	ok(got == 'k' && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "the confined parser writes to its channel (status 0x%x)", st);
	st = run(SEND_CAPTURE, &got);
	ok(got == 'k' && killed(st), "a send on a capture (packet) socket: killed (status 0x%x)",
	   st);
	st = run(WRITE_CAPTURE, &got);
	ok(got == 'k' && killed(st), "a write() on the capture socket: killed (status 0x%x)", st);
	st = run(WRITE_OTHER, &got);
	ok(got == 'k' && killed(st), "a write to another descriptor: killed (status 0x%x)", st);
	st = run(EXEC, &got);
	ok(got == 'k' && killed(st), "execve: killed (status 0x%x)", st);
	st = run(CLOSE_CHAN, &got);
	ok(got == 'k' && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "closing the channel is refused (its number cannot be reused) (status 0x%x)", st);
	st = run(OPEN, &got);
	ok(got == 'k' && WIFEXITED(st) && WEXITSTATUS(st) == 0, "open() fails (status 0x%x)", st);
	return tap_done();
}
