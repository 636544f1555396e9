/*
 * Dropping privileges. The packet parser handles bytes from anyone on the network, so it
 * runs as nobody with no capabilities, PR_SET_NO_NEW_PRIVS, not dumpable, under a seccomp
 * filter that allows only what its poll loop needs. The rule writer stays root but keeps
 * only CAP_NET_ADMIN (rules), CAP_NET_RAW (captures re-opened on reload) and
 * CAP_SETUID/CAP_SETGID (a fresh unprivileged parser after a reload).
 */
#include "sandbox.h"

#include <errno.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__)
#define AUDIT_ARCH_NATIVE AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AUDIT_ARCH_NATIVE AUDIT_ARCH_AARCH64
#else
#error "seccomp filter: add this architecture"
#endif

#define SIOCGIFFLAGS_REQ 0x8913

void sandbox_lookup(struct sandbox_user *u)
{
	struct passwd *pw = getpwnam("nobody");

	u->uid = pw ? pw->pw_uid : 65534;
	u->gid = pw ? pw->pw_gid : 65534;
}

#define ALLOW(nr)                                                                                  \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),                                           \
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
#define FAIL(nr, e)                                                                                \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),                                           \
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (e))

static int install_filter(void)
{
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_NATIVE, 1, 0),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    /* the poll loop, captures (a memory ring), the channel, the state file */
	    ALLOW(__NR_read),
	    ALLOW(__NR_write),
	    ALLOW(__NR_writev),
	    ALLOW(__NR_recvfrom),
	    ALLOW(__NR_recvmsg),
	    ALLOW(__NR_sendto),
	    ALLOW(__NR_sendmsg),
#ifdef __NR_poll /* not on asm-generic architectures (aarch64): ppoll there */
	    ALLOW(__NR_poll),
#endif
	    ALLOW(__NR_ppoll),
	    ALLOW(__NR_clock_gettime),
	    ALLOW(__NR_gettimeofday),
	    ALLOW(__NR_close),
	    ALLOW(__NR_getpid),
	    ALLOW(__NR_getrandom),
	    /* memory (libc), signals, exit */
	    ALLOW(__NR_brk),
	    ALLOW(__NR_mmap),
	    ALLOW(__NR_munmap),
	    ALLOW(__NR_mremap),
	    ALLOW(__NR_madvise),
	    ALLOW(__NR_futex),
	    ALLOW(__NR_fstat),
	    ALLOW(__NR_newfstatat),
	    ALLOW(__NR_rt_sigreturn),
	    ALLOW(__NR_rt_sigprocmask),
	    ALLOW(__NR_restart_syscall),
	    ALLOW(__NR_exit),
	    ALLOW(__NR_exit_group),
	    /* what libc may try (syslog reconnecting, a stray open): fail, do not kill */
	    FAIL(__NR_openat, EACCES),
	    FAIL(__NR_socket, EACCES),
	    FAIL(__NR_connect, EACCES),
	    /* libpcap asks whether an interface is still up */
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 3),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SIOCGIFFLAGS_REQ, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = {.len = (unsigned short)(sizeof(f) / sizeof(f[0])), .filter = f};

	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

int sandbox_parser(const struct sandbox_user *u, char *err, size_t errlen)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm); /* loads the time zone now: no file access later (syslog) */
	if (setgroups(0, NULL) < 0 || setresgid(u->gid, u->gid, u->gid) < 0 ||
	    setresuid(u->uid, u->uid, u->uid) < 0) {
		snprintf(err, errlen, "parser: cannot become uid %u: %s", (unsigned)u->uid,
			 strerror(errno));
		return -1;
	}
	if (getuid() == 0 || geteuid() == 0 || prctl(PR_SET_DUMPABLE, 0) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || install_filter() < 0) {
		snprintf(err, errlen, "parser: cannot drop privileges: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int sandbox_writer(char *err, size_t errlen)
{
	const unsigned long keep =
	    1UL << CAP_NET_ADMIN | 1UL << CAP_NET_RAW | 1UL << CAP_SETUID | 1UL << CAP_SETGID;
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2] = {{0}};
	struct rlimit nocore = {0, 0};

	setrlimit(RLIMIT_CORE, &nocore);
	prctl(PR_SET_DUMPABLE, 0);
	for (unsigned long cap = 0; cap <= 63; cap++)
		if (!(keep & (1UL << cap)) && prctl(PR_CAPBSET_READ, cap) == 1 &&
		    prctl(PR_CAPBSET_DROP, cap) < 0 && errno != EINVAL)
			break; /* without CAP_SETPCAP: the capset below still narrows us */
	if (syscall(SYS_capget, &hdr, data) < 0) {
		snprintf(err, errlen, "cannot read capabilities: %s", strerror(errno));
		return -1;
	}
	data[0].permitted &= (uint32_t)keep; /* never more than we have */
	data[0].effective = data[0].permitted;
	data[0].inheritable = 0;
	data[1].effective = data[1].permitted = data[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, data) < 0) {
		snprintf(err, errlen, "cannot drop capabilities: %s", strerror(errno));
		return -1;
	}
	return 0;
}
