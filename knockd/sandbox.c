/*
 * Dropping privileges. The packet parser handles bytes from anyone on the network, so it
 * runs as nobody with no capabilities, PR_SET_NO_NEW_PRIVS, not dumpable, under a
 * default-deny seccomp filter that allows only what its poll loop and its reloads need, and
 * writes only to the descriptors it must. The rule writer stays root but keeps only
 * CAP_NET_ADMIN (rules) and CAP_NET_RAW (captures opened again on a reload, handed to the
 * parser), with PR_SET_NO_NEW_PRIVS, Landlock (sandbox_landlock.c) and a default-deny
 * seccomp filter of its own: it never starts a process again. Every "cannot" here is
 * attacked by tests/net/attack_parser.t and attack_writer.t.
 */
#include "sandbox.h"

#include <fcntl.h>
#include <errno.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <linux/seccomp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <sys/socket.h>
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

void sandbox_lookup(struct sandbox_user *u)
{
	struct passwd *pw = getpwnam("nobody");

	u->uid = pw ? pw->pw_uid : 65534;
	u->gid = pw ? pw->pw_gid : 65534;
}

/* A filter built at run time: the descriptors the parser may write to are known only then. */
#define PROG_MAX 256
struct prog {
	struct sock_filter f[PROG_MAX];
	unsigned n;
};

static void emit(struct prog *p, struct sock_filter x)
{
	if (p->n < PROG_MAX)
		p->f[p->n++] = x;
}

static void ret(struct prog *p, uint32_t action)
{
	emit(p, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, action));
}

/* if (nr == syscall) return action; */
static void on_nr(struct prog *p, long nr, uint32_t action)
{
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1));
	ret(p, action);
}

/* if (nr == syscall) goto label; the jump is patched by land(). */
static void jump_if(struct prog *p, long nr, unsigned *at)
{
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1));
	*at = p->n;
	emit(p, (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 0));
}

static void land(struct prog *p, const unsigned *at, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p->f[at[i]].k = p->n - at[i] - 1;
}

/* The syscall's first argument (a descriptor: the kernel reads its low 32 bits). */
static void load_fd(struct prog *p)
{
	emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					     offsetof(struct seccomp_data, args[0])));
}

/* Loads argument n's low 32 bits. */
static void load_arg(struct prog *p, int n)
{
	emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					     offsetof(struct seccomp_data, args[0]) +
						 (unsigned)n * sizeof(uint64_t)));
}

/* if (fd is one of fds) return action; */
static void on_fds(struct prog *p, const struct sandbox_fds *fds, uint32_t action)
{
	for (int i = 0; i < fds->n; i++)
		on_nr(p, fds->fd[i], action);
}

/* Kills a call of another architecture (i386 through int 0x80) or of the x32 ABI (the
 * same architecture, numbers with bit 30 set): the lists below are x86_64's numbers. */
static void start(struct prog *p)
{
	p->n = 0;
	emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					     offsetof(struct seccomp_data, arch)));
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_NATIVE, 1, 0));
	ret(p, SECCOMP_RET_KILL_PROCESS);
	emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					     offsetof(struct seccomp_data, nr)));
#ifdef __X32_SYSCALL_BIT
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, __X32_SYSCALL_BIT, 0, 1));
	ret(p, SECCOMP_RET_KILL_PROCESS);
#endif
}

/* mmap and mprotect (the parser's): allowed, but never for executable memory (no code can
 * be loaded). */
static void no_exec_memory(struct prog *p)
{
	static const long nrs[] = {__NR_mmap, __NR_mprotect};

	for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nrs[i], 0,
						     5));
		load_arg(p, 2);
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 1));
		ret(p, SECCOMP_RET_KILL_PROCESS);
		ret(p, SECCOMP_RET_ALLOW);
		emit(p, (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						     offsetof(struct seccomp_data, nr)));
	}
}

/* Memory (libc), signals, time, exit: what every loop here needs. */
static void allow_common(struct prog *p)
{
	static const long nrs[] = {
#ifdef __NR_poll /* not on asm-generic architectures (aarch64): ppoll there */
	    __NR_poll,
#endif
	    __NR_ppoll,        __NR_clock_gettime,  __NR_gettimeofday,
	    __NR_getpid,       __NR_getrandom,      __NR_brk,
	    __NR_munmap,       __NR_mremap,         __NR_madvise,
	    __NR_futex,        __NR_fstat,          __NR_newfstatat,
	    __NR_rt_sigreturn, __NR_rt_sigprocmask, __NR_restart_syscall,
	    __NR_exit,         __NR_exit_group,     __NR_sigaltstack, /* ASan, at exit */
	};

	for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++)
		on_nr(p, nrs[i], SECCOMP_RET_ALLOW);
}

static int install(struct prog *p)
{
	struct sock_fprog prog = {.len = (unsigned short)p->n, .filter = p->f};

	if (p->n >= PROG_MAX) {
		errno = E2BIG;
		return -1;
	}
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/*
 * The parser: reads its captures and channel; writes and sends only on fds->fd (its
 * channel, the state file, stderr, the syslog socket), never on a capture socket; may not
 * close those (so no other descriptor can take their number). Default deny: any other
 * call kills it, whatever its arguments; only the calls that take a descriptor to write to
 * reach the descriptor comparison.
 */
static int install_parser_filter(const struct sandbox_fds *fds)
{
	struct prog p;
	unsigned out[4], cl[1];

	start(&p);
	on_nr(&p, __NR_read, SECCOMP_RET_ALLOW);
	on_nr(&p, __NR_recvfrom, SECCOMP_RET_ALLOW);
	on_nr(&p, __NR_recvmsg, SECCOMP_RET_ALLOW);
	on_nr(&p, __NR_recvmmsg, SECCOMP_RET_ALLOW); /* the captures, a run of frames a call */
	/* glibc's qsort asks for the memory size (sysinfo) when it sorts more than 1 KiB: the
	 * sequence engine sorts its table of first knocks at each time step, and with some
	 * 30 sequence clients that is more (the parser was killed at the first knock) */
	on_nr(&p, __NR_sysinfo, SECCOMP_RET_ALLOW);
	/* libsodium's guarded memory for the keys a reload brings */
	on_nr(&p, __NR_mlock, SECCOMP_RET_ALLOW);
	on_nr(&p, __NR_munlock, SECCOMP_RET_ALLOW);
	allow_common(&p);
	no_exec_memory(&p);
	jump_if(&p, __NR_write, &out[0]);
	jump_if(&p, __NR_writev, &out[1]);
	jump_if(&p, __NR_sendto, &out[2]);
	jump_if(&p, __NR_sendmsg, &out[3]);
	jump_if(&p, __NR_close, &cl[0]);
	/* what libc may try (syslog reconnecting, a stray open): fail, do not kill */
	on_nr(&p, __NR_openat, SECCOMP_RET_ERRNO | EACCES);
	on_nr(&p, __NR_socket, SECCOMP_RET_ERRNO | EACCES);
	on_nr(&p, __NR_connect, SECCOMP_RET_ERRNO | EACCES);
	ret(&p, SECCOMP_RET_KILL_PROCESS); /* every other number */
	land(&p, out, 4);
	load_fd(&p);
	on_fds(&p, fds, SECCOMP_RET_ALLOW);
	ret(&p, SECCOMP_RET_KILL_PROCESS);
	land(&p, cl, 1);
	load_fd(&p);
	on_fds(&p, fds, SECCOMP_RET_ERRNO | EPERM);
	ret(&p, SECCOMP_RET_ALLOW);
	return install(&p);
}

/* openat: read-only opens (a reload reads the configuration and the key file), and a write
 * only relative to save_dir (state_dir: the last-good copy, lastgood.c), if it is a descriptor. */
static void writer_openat(struct prog *p, unsigned *at, int save_dir)
{
	land(p, at, 1);
	if (save_dir >= 0) {
		load_fd(p);
		on_nr(p, save_dir, SECCOMP_RET_ALLOW);
	}
	load_arg(p, 2);
	emit(p,
	     (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K,
					  O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0, 1));
	ret(p, SECCOMP_RET_KILL_PROCESS);
	ret(p, SECCOMP_RET_ALLOW);
}

/* renameat, renameat2: within save_dir only (the last-good copy's temporary file); else EPERM. */
static void writer_rename(struct prog *p, unsigned *at, int save_dir)
{
	land(p, at, 2);
	if (save_dir >= 0) {
		load_fd(p);
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)save_dir,
						     0, 3));
		load_arg(p, 2);
		on_nr(p, save_dir, SECCOMP_RET_ALLOW);
	}
	ret(p, SECCOMP_RET_ERRNO | EPERM);
}

/* socket: netlink for nftables only (NETLINK_NETFILTER: no routes, no addresses, no
 * generic families), libiptc's raw IPv4/IPv6 socket (IPPROTO_RAW: it sends nothing, it
 * carries get/setsockopt), packet sockets (captures opened again on a reload), Unix
 * datagrams (sd_notify, syslog; SOCK_RAW is one too: libpcap's handle for interface
 * ioctls, once its netlink one fails). Any other fails: no TCP or UDP socket. */
static void writer_socket(struct prog *p, unsigned *at)
{
	land(p, at, 1);
	load_arg(p, 0);
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 0, 4));
	load_arg(p, 2);
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NETLINK_NETFILTER, 0, 1));
	ret(p, SECCOMP_RET_ALLOW);
	ret(p, SECCOMP_RET_ERRNO | EACCES);
	on_nr(p, AF_PACKET, SECCOMP_RET_ALLOW);
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET, 2, 0));
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET6, 1, 0));
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 7, 0, 0)); /* to AF_UNIX */
	load_arg(p, 1);
	emit(p, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf)); /* the type */
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SOCK_RAW, 0, 3));
	load_arg(p, 2);
	on_nr(p, IPPROTO_RAW, SECCOMP_RET_ALLOW);
	ret(p, SECCOMP_RET_ERRNO | EACCES);
	emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 1, 0));
	ret(p, SECCOMP_RET_ERRNO | EAFNOSUPPORT);
	load_arg(p, 1);
	emit(p, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf));
	on_nr(p, SOCK_DGRAM, SECCOMP_RET_ALLOW);
	on_nr(p, SOCK_RAW, SECCOMP_RET_ALLOW); /* a datagram socket: libpcap's ioctl handle */
	ret(p, SECCOMP_RET_ERRNO | EACCES);
}

/* unlinkat: a file (no directory) in unlink_dir only, if it is a descriptor; else EPERM. */
static void writer_unlinkat(struct prog *p, unsigned *at, int unlink_dir)
{
	land(p, at, 1);
	if (unlink_dir >= 0) {
		load_fd(p);
		emit(p, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						     (uint32_t)unlink_dir, 0, 3));
		load_arg(p, 2);
		on_nr(p, 0, SECCOMP_RET_ALLOW); /* flags 0: not AT_REMOVEDIR */
	}
	ret(p, SECCOMP_RET_ERRNO | EPERM);
}

/* ioctl: what libpcap asks of an interface when a reload opens a capture; SIOCETHTOOL
 * (which can also change a device) fails, as libpcap allows. Anything else kills. */
static void writer_ioctl(struct prog *p, unsigned *at)
{
	static const long get[] = {SIOCGIFINDEX, SIOCGIFNAME, SIOCGIFHWADDR, SIOCGIFMTU,
				   SIOCGIFFLAGS};

	land(p, at, 1);
	load_arg(p, 1);
	for (size_t i = 0; i < sizeof(get) / sizeof(get[0]); i++)
		on_nr(p, get[i], SECCOMP_RET_ALLOW);
	on_nr(p, SIOCETHTOOL, SECCOMP_RET_ERRNO | EOPNOTSUPP);
	ret(p, SECCOMP_RET_KILL_PROCESS);
}

/* sendto and sendmsg: never MSG_FASTOPEN (data on a TCP connect; no TCP socket can be
 * made either). bind: a netlink or packet address only, by its length (a Unix path bind
 * is refused by Landlock besides: sandbox_landlock.c). */
static void writer_send_bind(struct prog *p, unsigned *snd, unsigned *bnd)
{
	for (int i = 0; i < 2; i++) {
		land(p, &snd[i], 1);
		load_arg(p, i == 0 ? 3 : 2); /* the flags: sendto's fourth, sendmsg's third */
		emit(p,
		     (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, MSG_FASTOPEN, 0, 1));
		ret(p, SECCOMP_RET_KILL_PROCESS);
		ret(p, SECCOMP_RET_ALLOW);
	}
	land(p, bnd, 1);
	load_arg(p, 2);
	on_nr(p, sizeof(struct sockaddr_nl), SECCOMP_RET_ALLOW);
	on_nr(p, sizeof(struct sockaddr_ll), SECCOMP_RET_ALLOW);
	ret(p, SECCOMP_RET_KILL_PROCESS);
}

/*
 * The rule writer's loop and its reloads: firewall commits (netlink; libiptc's raw socket
 * and get/setsockopt; the xtables lock), the control socket, signalfd, captures opened
 * again (libpcap), the configuration and key files opened read-only, a memfd for the
 * parser, the last-good copy written and renamed in state_dir (save_dir), and at exit the
 * removal of the control socket (unlinkat in its directory's descriptor, unlink_dir). Not
 * allowed: execve, fork, ptrace, opening a file for writing elsewhere, connect (no talking
 * to PID 1 or D-Bus), any other unlink or rename, mount, module loading, and all else not
 * listed.
 */
static int install_writer_filter(int unlink_dir, int save_dir)
{
	static const long allow[] = {
	    __NR_read,
	    __NR_write,
	    __NR_writev,
	    __NR_pread64,
	    __NR_lseek,
	    __NR_close,
	    __NR_fcntl,
	    __NR_flock,
	    __NR_getdents64,
	    __NR_recvfrom,
	    __NR_recvmsg,
	    __NR_accept4,
	    __NR_getsockname,
	    __NR_getsockopt,
	    __NR_setsockopt,
	    __NR_nanosleep,
	    __NR_clock_nanosleep,
	    __NR_getuid,
	    __NR_geteuid,
	    __NR_getgid,
	    __NR_getegid,
	    __NR_gettid,
	    __NR_uname,
	    __NR_mmap, /* executable too: NSS loads its modules on a reload (owner = USER) */
	    __NR_mprotect,
	    __NR_rt_sigaction,
	    __NR_wait4,
	    __NR_sched_yield,
	    __NR_memfd_create /* the configuration and client keys for the parser */,
	    __NR_mlock /* libsodium's guarded memory: the keys a reload derives */,
	    __NR_munlock,
	    __NR_eventfd2 /* libpcap */,
	    __NR_sysinfo /* qsort */,
	    __NR_fsync /* the last-good copy */,
	};
	struct prog p;
	unsigned op[1], so[1], io[1], ul[1], rn[2], snd[2], bnd[1];

	start(&p);
	for (size_t i = 0; i < sizeof(allow) / sizeof(allow[0]); i++)
		on_nr(&p, allow[i], SECCOMP_RET_ALLOW);
	allow_common(&p);
	jump_if(&p, __NR_openat, &op[0]);
	jump_if(&p, __NR_socket, &so[0]);
	jump_if(&p, __NR_ioctl, &io[0]);
	jump_if(&p, __NR_sendto, &snd[0]);
	jump_if(&p, __NR_sendmsg, &snd[1]);
	jump_if(&p, __NR_bind, &bnd[0]);
	on_nr(&p, __NR_connect, SECCOMP_RET_ERRNO | EACCES); /* syslog, NSS may try: fail */
	/* owner = USER in a reload: NSS modules past "files" (libnss_systemd) read links */
	on_nr(&p, __NR_readlinkat, SECCOMP_RET_ERRNO | EACCES);
	on_nr(&p, __NR_readlink, SECCOMP_RET_ERRNO | EACCES);
	on_nr(&p, __NR_unlink, SECCOMP_RET_ERRNO | EPERM);
	jump_if(&p, __NR_unlinkat, &ul[0]);
#ifdef __NR_rename
	on_nr(&p, __NR_rename, SECCOMP_RET_ERRNO | EPERM);
#endif
#ifdef __NR_renameat /* not on asm-generic architectures (aarch64): renameat2 there */
	jump_if(&p, __NR_renameat, &rn[0]);
#else
	jump_if(&p, __NR_renameat2, &rn[0]);
#endif
	jump_if(&p, __NR_renameat2, &rn[1]);
#ifdef __NR_clone3
	on_nr(&p, __NR_clone3, SECCOMP_RET_ERRNO | ENOSYS); /* the C library falls back */
#endif
	ret(&p, SECCOMP_RET_KILL_PROCESS);
	writer_openat(&p, op, save_dir);
	writer_socket(&p, so);
	writer_ioctl(&p, io);
	writer_send_bind(&p, snd, bnd);
	writer_unlinkat(&p, ul, unlink_dir);
	writer_rename(&p, rn, save_dir);
	return install(&p);
}

int sandbox_writer_filter(int unlink_dir, int save_dir, char *err, size_t errlen)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "rule writer: no_new_privs: %s", strerror(errno));
		return -1;
	}
	if (sandbox_writer_landlock(save_dir, err, errlen) < 0)
		return -1;
	if (install_writer_filter(unlink_dir, save_dir) < 0) {
		snprintf(err, errlen, "rule writer: cannot install its seccomp filter: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

int sandbox_parser(const struct sandbox_user *u, const struct sandbox_fds *fds, char *err,
		   size_t errlen)
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
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || install_parser_filter(fds) < 0) {
		snprintf(err, errlen, "parser: cannot drop privileges: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int sandbox_writer(char *err, size_t errlen)
{
	const unsigned long keep = 1UL << CAP_NET_ADMIN | 1UL << CAP_NET_RAW;
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
