/*
 * The packet parser's seccomp sandbox, applied in forked children (in a network namespace
 * of their own, so nothing could leave this host even if a send got through): it may write
 * to its channel, but a send on a capture (packet) socket, a write to any other descriptor,
 * an execve or an open kill it; closing its channel is refused. Then the rule writer's
 * filter: execve, fork, ptrace, opening a file for writing kill it; connect, Unix stream sockets
 * and unlink fail; read-only opens and netlink work; in its state_dir (save_fd) a file is
 * written and renamed, any other rename fails. Needs root (setresuid).
 */
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
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

enum writer_attempt {
	W_READ_ONLY,
	W_EXEC,
	W_PTRACE,
	W_CREATE,
	W_WRITE_OPEN,
	W_CONNECT,
	W_UNIX_STREAM,
	W_UNLINK,
	W_UNLINK_DIR,
	W_NETLINK,
	W_FORK,
	W_SAVE,
	W_RENAME_OUT
};

/* A directory with a file f and a directory sub; dir_fd (O_PATH) is the one the writer's
 * filter lets it unlink in (the control socket's, in knockd). */
static char tdir[] = "/tmp/knockd-sandbox-XXXXXX", tfile[64], tsub[64];
static int dir_fd = -1, save_fd = -1;
static char sdir[] = "/tmp/knockd-sandbox-save-XXXXXX";

/* The last-good copy's way: a temporary file in save_fd, written, synced, renamed. */
static int save_works(void)
{
	int fd = openat(save_fd, "g.new", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	return fd >= 0 && write(fd, "x", 1) == 1 && fsync(fd) == 0 && close(fd) == 0 &&
	       renameat(save_fd, "g.new", save_fd, "g") == 0;
}

/* Renames out of save_fd, into it from elsewhere, and by path: EPERM each. */
static int rename_denied(void)
{
	return renameat(save_fd, "g", AT_FDCWD, "/tmp/knockd-sandbox-moved") < 0 &&
	       errno == EPERM && renameat(AT_FDCWD, tfile, save_fd, "h") < 0 && errno == EPERM &&
	       rename(tfile, "/tmp/knockd-sandbox-moved") < 0 && errno == EPERM;
}

static int unlink_denied(void)
{
	int other = open(tdir, O_PATH | O_DIRECTORY); /* the same directory, another fd */

	return unlink(tfile) < 0 && errno == EPERM && unlinkat(AT_FDCWD, tfile, 0) < 0 &&
	       errno == EPERM && other >= 0 && unlinkat(other, "f", 0) < 0 && errno == EPERM &&
	       unlinkat(dir_fd, "sub", AT_REMOVEDIR) < 0 && errno == EPERM;
}

/* The rule writer's filter in a forked child: its wait status (0: the call was refused or,
 * for the allowed ones, worked as expected). */
static int run_writer(enum writer_attempt a)
{
	char err[256];
	int st = -1;
	pid_t pid = fork();

	if (pid == 0) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		int fd;

		if (sandbox_writer_filter(dir_fd, save_fd, err, sizeof(err)) < 0)
			_exit(92);
		switch (a) {
		case W_READ_ONLY:
			fd = open("/etc/hostname", O_RDONLY);
			_exit(fd >= 0 || errno == ENOENT ? 0 : 93);
		case W_EXEC:
			execl("/bin/true", "true", (char *)NULL);
			break;
		case W_PTRACE:
			(void)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
			break;
		case W_CREATE:
			(void)!open("/tmp/knockd-writer-must-not-create", O_WRONLY | O_CREAT, 0600);
			break;
		case W_WRITE_OPEN:
			(void)!open("/etc/hostname", O_RDWR);
			break;
		case W_CONNECT:
			fd = socket(AF_UNIX, SOCK_DGRAM, 0);
			strcpy(sa.sun_path, "/run/systemd/private");
			_exit(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == EACCES
				  ? 0
				  : 94);
		case W_UNIX_STREAM:
			_exit(socket(AF_UNIX, SOCK_STREAM, 0) < 0 && errno == EACCES ? 0 : 95);
		case W_UNLINK:
			_exit(unlink_denied() ? 0 : 96);
		case W_UNLINK_DIR:
			_exit(unlinkat(dir_fd, "f", 0) == 0 ? 0 : 99);
		case W_FORK:
			(void)fork();
			break;
		case W_SAVE:
			_exit(save_works() ? 0 : 100);
		case W_RENAME_OUT:
			_exit(rename_denied() ? 0 : 101);
		case W_NETLINK:
			fd = socket(AF_NETLINK, SOCK_RAW, 12 /* NETLINK_NETFILTER */);
			_exit(fd >= 0 ? 0 : 97);
		}
		_exit(98); /* came back: not confined */
	}
	if (pid > 0)
		waitpid(pid, &st, 0);
	return st;
}

static int exited0(int st)
{
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
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

	ok(exited0(run_writer(W_READ_ONLY)), "writer filter: a read-only open works (a reload)");
	ok(exited0(run_writer(W_NETLINK)), "writer filter: a netfilter netlink socket opens");
	st = run_writer(W_EXEC);
	ok(killed(st), "writer filter: execve kills (status 0x%x)", st);
	st = run_writer(W_FORK);
	ok(killed(st), "writer filter: fork kills (status 0x%x)", st);
	st = run_writer(W_PTRACE);
	ok(killed(st), "writer filter: ptrace kills (status 0x%x)", st);
	st = run_writer(W_CREATE);
	ok(killed(st) && access("/tmp/knockd-writer-must-not-create", F_OK) < 0,
	   "writer filter: creating a new file kills, nothing created (status 0x%x)", st);
	st = run_writer(W_WRITE_OPEN);
	ok(killed(st), "writer filter: opening a file for writing kills (status 0x%x)", st);
	ok(exited0(run_writer(W_CONNECT)), "writer filter: connect fails (EACCES)");
	ok(exited0(run_writer(W_UNIX_STREAM)),
	   "writer filter: a Unix stream socket (systemd, D-Bus) fails (EACCES)");
	if (!mkdtemp(tdir) || dir_fd >= 0) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(tfile, sizeof(tfile), "%s/f", tdir);
	snprintf(tsub, sizeof(tsub), "%s/sub", tdir);
	dir_fd = open(tdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0 || close(open(tfile, O_WRONLY | O_CREAT, 0600)) < 0 || mkdir(tsub, 0700)) {
		printf("Bail out! %s: %s\n", tdir, strerror(errno));
		return 1;
	}
	ok(exited0(run_writer(W_UNLINK)) && access(tfile, F_OK) == 0 && access(tsub, F_OK) == 0,
	   "writer filter: unlink, unlinkat elsewhere or of a directory fail (EPERM), "
	   "nothing removed");
	ok(exited0(run_writer(W_UNLINK_DIR)) && access(tfile, F_OK) < 0,
	   "writer filter: unlinkat of a file in its control socket's directory works");
	save_fd = mkdtemp(sdir) ? open(sdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	if (save_fd < 0 || close(open(tfile, O_WRONLY | O_CREAT, 0600)) < 0) {
		printf("Bail out! %s: %s\n", sdir, strerror(errno));
		return 1;
	}
	ok(exited0(run_writer(W_SAVE)) && faccessat(save_fd, "g", F_OK, 0) == 0 &&
	       faccessat(save_fd, "g.new", F_OK, 0) < 0,
	   "writer filter: in state_dir a file is created, written, synced and renamed");
	ok(exited0(run_writer(W_RENAME_OUT)) && faccessat(save_fd, "g", F_OK, 0) == 0 &&
	       access(tfile, F_OK) == 0,
	   "writer filter: a rename out of state_dir, into it or by path fails (EPERM)");
	st = run_writer(W_CREATE);
	ok(killed(st) && access("/tmp/knockd-writer-must-not-create", F_OK) < 0,
	   "writer filter with state_dir: creating a file elsewhere still kills (status 0x%x)", st);
	(void)unlinkat(save_fd, "g", 0);
	(void)rmdir(sdir);
	(void)unlink(tfile);
	(void)rmdir(tsub);
	(void)rmdir(tdir);
	return tap_done();
}
