/*
 * knockctl run DOOR -- COMMAND: a grant held for as long as a command runs.
 *
 * Holders are counted by the runs themselves, not by the daemon: each run holds a shared
 * flock(2) on a file beside the control socket (SOCKET.run.DOOR) from before its open until
 * its command exits. The daemon keeps one grant per door and address (a second open
 * refreshes it), so concurrent runs share it. A run that ends takes the lock exclusively
 * without waiting: only the last holder gets it, and it revokes the grant whose id the
 * latest open wrote into the file. A run starting meanwhile waits for that lock, then opens
 * afresh. The kernel drops a killed run's lock; its grant then ends with the last other run
 * or, if none, at its TTL (the daemon and the kernel both hold the deadline).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "knockctl.h"

#define ID_LEN 11 /* "%10u\n" */

static int lock_open(const char *sock, const char *door)
{
	char path[PATH_MAX];
	int fd;

	if (strchr(door, '/') ||
	    snprintf(path, sizeof(path), "%s.run.%s", sock, door) >= (int)sizeof(path)) {
		fprintf(stderr, "knockctl: run: bad door name '%s'\n", door);
		return -1;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || flock(fd, LOCK_SH) < 0) {
		fprintf(stderr, "knockctl: run: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Opens the door; the grant's id goes into the lock file for the last run to revoke. */
static int hold(int fd, const char *sock, const char *open_line)
{
	char body[512], idtext[ID_LEN + 1];
	uint32_t id;

	if (knockctl_exchange(sock, open_line, body, sizeof(body)) != 0)
		return -1;
	if (sscanf(body, "opened grant %" SCNu32, &id) != 1) {
		fprintf(stderr, "knockctl: run: unexpected answer '%s'\n", body);
		return -1;
	}
	snprintf(idtext, sizeof(idtext), "%10" PRIu32 "\n", id);
	if (pwrite(fd, idtext, ID_LEN, 0) != ID_LEN) {
		fprintf(stderr, "knockctl: run: cannot record grant %" PRIu32 ": %s\n", id,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* Ends this run's hold; the last holder revokes the grant. */
static void release(int *fd, const char *sock, const char *door)
{
	char idtext[ID_LEN + 1] = "", line[64], body[256];
	uint32_t id;

	if (*fd < 0)
		return;
	if (flock(*fd, LOCK_EX | LOCK_NB) == 0 && pread(*fd, idtext, ID_LEN, 0) == ID_LEN &&
	    sscanf(idtext, "%" SCNu32, &id) == 1) {
		snprintf(line, sizeof(line), "revoke %" PRIu32 "\n", id);
		if (knockctl_exchange(sock, line, body, sizeof(body)) != 0)
			fprintf(stderr,
				"knockctl: run: door %s: grant %" PRIu32 " stays until its TTL\n",
				door, id);
	}
	close(*fd);
	*fd = -1;
}

static pid_t start(char **cmd, const sigset_t *old)
{
	pid_t pid = fork();

	if (pid == 0) {
		signal(SIGPIPE,
		       SIG_DFL); /* knockctl ignores it; the command must not inherit that */
		sigprocmask(SIG_SETMASK, old, NULL);
		execvp(cmd[0], cmd);
		fprintf(stderr, "knockctl: run: %s: %s\n", cmd[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (pid < 0)
		fprintf(stderr, "knockctl: run: fork: %s\n", strerror(errno));
	return pid;
}

/* Waits for the command; a termination signal is passed on and ends our hold at once. */
static int wait_command(pid_t pid, const sigset_t *set, int *fd, const char *sock, const char *door)
{
	siginfo_t si;
	int st, sig;

	for (;;) {
		sig = sigwaitinfo(set, &si);
		if (sig < 0)
			continue; /* EINTR: a stop and continue */
		if (sig != SIGCHLD) {
			kill(pid, sig);
			release(fd, sock, door);
			continue;
		}
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int knockctl_run(const char *sock, const char *door, const char *open_line, char **cmd)
{
	sigset_t set, old;
	pid_t pid;
	int fd = lock_open(sock, door), status;

	if (fd < 0 || hold(fd, sock, open_line) < 0) {
		fprintf(stderr, "knockctl: run: door %s not opened: %s not run\n", door, cmd[0]);
		if (fd >= 0)
			close(fd);
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	pid = start(cmd, &old);
	status = pid < 0 ? 1 : wait_command(pid, &set, &fd, sock, door);
	release(&fd, sock, door);
	return status;
}
