/*
 * sysinject PID NR [ARG...]: makes a running process execute one system call of our choice,
 * for the attack tests (tests/net/attack_*.t). Attaches with PTRACE_SEIZE, stops the
 * process with PTRACE_INTERRUPT (it waits in a system call: its instruction pointer is just
 * past a `syscall` instruction), points it back at that instruction with our number and
 * arguments, runs that one call to its exit stop, then restores the registers (restarting
 * the call it was interrupted in) and detaches.
 *
 * An argument is a number (strtoll/strtoull, base 0), s:TEXT (a NUL-terminated string),
 * x:HEX (raw bytes) or b:N (N zero bytes); those three are written below the process's
 * stack pointer (and restored afterwards) and passed as their address. m:ADDR:TEXT writes
 * TEXT (NUL-terminated) at ADDR, in memory the process mapped (by an injected mmap), and
 * passes ADDR: an address whose low 32 bits are a chosen number, such as a descriptor.
 *
 * Prints one line and exits 0 if the call returned >= 0 (it succeeded), 1 if it returned
 * -errno (refused), 2 if the process died (killed: the signal is printed), 3 if the
 * injection itself failed (the test must then fail: nothing was proven).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if !defined(__x86_64__)
int main(void)
{
	fprintf(stderr, "sysinject: only x86_64 is supported\n");
	return 3;
}
#else

#define SCRATCH_OFF 4096 /* below the red zone and whatever the stopped call keeps there */
#define SCRATCH_MAX 1024

struct job {
	pid_t pid;
	long nr;
	unsigned long long args[6];
	int nargs;
	uint8_t scratch[SCRATCH_MAX];
	size_t used;
	unsigned long base; /* where scratch goes in the target */
	uint8_t saved[SCRATCH_MAX];
	unsigned long fixed_at; /* m:ADDR:TEXT */
	const char *fixed;
};

static int fail(const char *what)
{
	printf("sysinject: %s: %s\n", what, strerror(errno));
	return 3;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reserves n bytes of scratch; returns their offset or -1. */
static long reserve(struct job *j, size_t n)
{
	size_t at = (j->used + 7) & ~(size_t)7;

	if (at + n > SCRATCH_MAX)
		return -1;
	j->used = at + n;
	return (long)at;
}

/* A number, or the offset of scratch bytes (tagged: filled in once the base is known). */
static int parse_arg(struct job *j, const char *s, unsigned long long *v, long *off)
{
	long at;
	size_t n;

	*off = -1;
	if (!strncmp(s, "m:", 2)) {
		char *end;

		j->fixed_at = strtoul(s + 2, &end, 0);
		if (*end != ':')
			return -1;
		j->fixed = end + 1;
		*v = j->fixed_at;
		return 0;
	}
	if (!strncmp(s, "s:", 2) || !strncmp(s, "x:", 2) || !strncmp(s, "b:", 2)) {
		n = s[0] == 's'   ? strlen(s + 2) + 1
		    : s[0] == 'x' ? strlen(s + 2) / 2
				  : (size_t)strtoul(s + 2, NULL, 0);
		at = reserve(j, n ? n : 1);
		if (at < 0)
			return -1;
		memset(j->scratch + at, 0, n);
		if (s[0] == 's')
			memcpy(j->scratch + at, s + 2, n);
		for (size_t i = 0; s[0] == 'x' && i < n; i++) {
			int hi = hexval(s[2 + 2 * i]), lo = hexval(s[3 + 2 * i]);

			if (hi < 0 || lo < 0)
				return -1;
			j->scratch[at + (long)i] = (uint8_t)(hi << 4 | lo);
		}
		*off = at;
		return 0;
	}
	errno = 0;
	*v = s[0] == '-' ? (unsigned long long)strtoll(s, NULL, 0) : strtoull(s, NULL, 0);
	return errno ? -1 : 0;
}

static int mem_io(pid_t pid, unsigned long addr, void *buf, size_t n, int write)
{
	struct iovec local = {buf, n}, remote = {(void *)addr, n};
	ssize_t r = write ? process_vm_writev(pid, &local, 1, &remote, 1, 0)
			  : process_vm_readv(pid, &local, 1, &remote, 1, 0);

	return r == (ssize_t)n ? 0 : -1;
}

/* Waits for a stop of the traced process (bounded: 10 s); 1 if it died instead. */
static int wait_stop(pid_t pid, int *status)
{
	for (int i = 0; i < 1000; i++) {
		pid_t r = waitpid(pid, status, __WALL | WNOHANG);

		if (r < 0)
			return -1;
		if (r == pid)
			return (WIFEXITED(*status) || WIFSIGNALED(*status)) ? 1 : 0;
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	}
	errno = ETIMEDOUT;
	return -1;
}

static int died(int status)
{
	if (WIFSIGNALED(status))
		printf("killed: signal %d (%s)\n", WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		printf("exited: status %d\n", WEXITSTATUS(status));
	return 2;
}

/* Resumes after our call as if the interrupted call had been interrupted by a signal
 * with SA_RESTART: back to its `syscall` instruction, with its number. */
static void restart_regs(struct user_regs_struct *r)
{
	long ret = (long)r->rax;

	if ((long)r->orig_rax >= 0 && (ret == -512 || ret == -513 || ret == -514)) {
		r->rax = r->orig_rax; /* ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND */
		r->rip -= 2;
	} else if ((long)r->orig_rax >= 0 && ret == -516) {
		r->rax = 219; /* ERESTART_RESTARTBLOCK: restart_syscall */
		r->rip -= 2;
	}
	r->orig_rax = (unsigned long long)-1;
}

/*
 * Runs the process to our call's entry stop and then its exit stop (the stops of
 * PTRACE_O_TRACESYSGOOD); a signal that arrives meanwhile is passed on. 1 if it died, -2 if
 * the entry stop is not our call (the message says why).
 */
static int run_call(pid_t pid, long nr, int *status)
{
	int sig = 0, stops = 0, d;
	struct user_regs_struct r;

	for (int i = 0; i < 20 && stops < 2; i++) {
		if (ptrace(PTRACE_SYSCALL, pid, 0, sig) < 0)
			return -1;
		sig = 0;
		d = wait_stop(pid, status);
		if (d != 0)
			return d;
		if (WSTOPSIG(*status) != (SIGTRAP | 0x80)) {
			if (*status >> 16 == 0) /* a signal for it, not a ptrace event */
				sig = WSTOPSIG(*status);
			continue;
		}
		if (stops++ == 0 &&
		    (ptrace(PTRACE_GETREGS, pid, 0, &r) < 0 || (long)r.orig_rax != nr)) {
			printf("sysinject: the entry stop is syscall %lld, not ours\n",
			       (long long)r.orig_rax);
			return -2;
		}
	}
	if (stops < 2) {
		printf("sysinject: no exit stop\n");
		return -2;
	}
	return 0;
}

/* Whether a SIGSYS waits for the process: seccomp's kill rolls the call back, skips it and
 * forces SIGSYS, and the tracer still sees an exit stop first. */
static int sigsys_pending(pid_t pid)
{
	char path[64], line[256];
	unsigned long long mask, any = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if ((sscanf(line, "SigPnd: %llx", &mask) == 1 ||
		     sscanf(line, "ShdPnd: %llx", &mask) == 1))
			any |= mask;
	fclose(f);
	return !!(any & (1ULL << (SIGSYS - 1)));
}

/* Lets a process with a fatal signal pending die, and reports it. */
static int let_die(pid_t pid)
{
	int status, d;

	for (int i = 0; i < 5; i++) {
		if (ptrace(PTRACE_CONT, pid, 0, SIGSYS) < 0)
			return fail("PTRACE_CONT");
		d = wait_stop(pid, &status);
		if (d > 0)
			return died(status);
		if (d < 0)
			return fail("waiting for its end");
	}
	printf("sysinject: SIGSYS pending, but the process lives on\n");
	return 3;
}

static int inject(struct job *j, long *offs)
{
	struct user_regs_struct saved, r;
	unsigned long long code;
	int status, d;

	if (ptrace(PTRACE_GETREGS, j->pid, 0, &saved) < 0)
		return fail("PTRACE_GETREGS");
	errno = 0;
	code = (unsigned long long)ptrace(PTRACE_PEEKTEXT, j->pid, saved.rip - 2, 0);
	if (errno || (code & 0xffff) != 0x050f) {
		printf("sysinject: the process is not stopped after a syscall instruction "
		       "(rip %llx)\n",
		       saved.rip);
		return 3;
	}
	j->base = (saved.rsp - SCRATCH_OFF - SCRATCH_MAX) & ~15UL;
	if (j->used && (mem_io(j->pid, j->base, j->saved, j->used, 0) < 0 ||
			mem_io(j->pid, j->base, j->scratch, j->used, 1) < 0))
		return fail("writing the arguments");
	if (j->fixed &&
	    mem_io(j->pid, j->fixed_at, (void *)(uintptr_t)j->fixed, strlen(j->fixed) + 1, 1) < 0)
		return fail("writing at the m: address");
	r = saved;
	r.rip = saved.rip - 2;
	r.rax = (unsigned long long)j->nr;
	r.orig_rax = (unsigned long long)-1;
	for (int i = 0; i < 6; i++)
		if (offs[i] >= 0)
			j->args[i] = j->base + (unsigned long)offs[i];
	r.rdi = j->args[0], r.rsi = j->args[1], r.rdx = j->args[2];
	r.r10 = j->args[3], r.r8 = j->args[4], r.r9 = j->args[5];
	if (ptrace(PTRACE_SETREGS, j->pid, 0, &r) < 0)
		return fail("PTRACE_SETREGS");
	d = run_call(j->pid, j->nr, &status);
	if (d == 1)
		return died(status);
	if (d < 0)
		return d == -2 ? 3 : fail("running the call");
	if (sigsys_pending(j->pid))
		return let_die(j->pid);
	if (ptrace(PTRACE_GETREGS, j->pid, 0, &r) < 0)
		return fail("PTRACE_GETREGS after the call");
	if (j->used && mem_io(j->pid, j->base, j->saved, j->used, 1) < 0)
		return fail("restoring the stack");
	restart_regs(&saved);
	if (ptrace(PTRACE_SETREGS, j->pid, 0, &saved) < 0)
		return fail("restoring the registers");
	if ((long)r.rax < 0 && (long)r.rax > -4096) {
		printf("refused: syscall %ld returned -%ld (%s)\n", j->nr, -(long)r.rax,
		       strerror((int)-(long)r.rax));
		return 1;
	}
	printf("succeeded: syscall %ld returned %lld\n", j->nr, (long long)r.rax);
	return 0;
}

int main(int argc, char **argv)
{
	static struct job j;
	long offs[6] = {-1, -1, -1, -1, -1, -1};
	int status, d, ret;

	if (argc < 3 || argc > 9) {
		fprintf(stderr, "usage: sysinject PID NR [ARG...] (at most 6)\n");
		return 3;
	}
	j.pid = (pid_t)atoi(argv[1]);
	j.nr = strtol(argv[2], NULL, 0);
	j.nargs = argc - 3;
	for (int i = 0; i < j.nargs; i++)
		if (parse_arg(&j, argv[3 + i], &j.args[i], &offs[i]) < 0) {
			fprintf(stderr, "sysinject: bad argument '%s'\n", argv[3 + i]);
			return 3;
		}
	if (ptrace(PTRACE_SEIZE, j.pid, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL) < 0)
		return fail("PTRACE_SEIZE");
	if (ptrace(PTRACE_INTERRUPT, j.pid, 0, 0) < 0)
		return fail("PTRACE_INTERRUPT");
	d = wait_stop(j.pid, &status);
	if (d < 0)
		return fail("waiting for the stop");
	if (d > 0)
		return died(status);
	ret = inject(&j, offs);
	if (ret == 2)
		return ret;
	if (ptrace(PTRACE_DETACH, j.pid, 0, 0) < 0 && ret != 3)
		return fail("PTRACE_DETACH");
	return ret;
}
#endif
