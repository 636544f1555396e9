#!/bin/bash
# The rule writer's sandbox, attacked: tests/tools/sysinject makes the live writer (root,
# CAP_NET_ADMIN and CAP_NET_RAW) of a knockd run here execute system calls it must not be
# able to make after start-up. Each must kill it (seccomp) or fail with the errno its
# filter (EACCES, EPERM) or Landlock (EACCES) gives; a kernel error of another kind means
# the call got through, and fails the test; so does a file it could create. Positive
# controls first, on the same writer: getpid answers its PID, a write to stderr reaches
# the log, a read-only open and a Unix datagram socket (sd_notify) succeed, and so does a
# write-open in state_dir (the last-good copy's), whose escapes are then attacked.
# A killed writer stops knockd: it is started again (bounded) before the next attempt.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
INJ="$KNOCK_BUILD/tests/tools/sysinject"
[ -x "$INJ" ] || bail "missing $INJ"
[ "$(uname -m)" = x86_64 ] || bail "sysinject supports x86_64 only: this test cannot run here"
SPK=$(make_key server) && CPK=$(make_key c1) || bail "keygen failed"
write_server_conf "$TMP/knockd.conf" "$CPK"
STARTS=0
W=""
ensure_daemon() {
	[ -n "$W" ] && kill -0 "$W" 2>/dev/null && return 0
	[ -n "$W" ] && { stop_knockd; wait "$KNOCKD_PID" 2>/dev/null; }
	STARTS=$((STARTS + 1))
	[ "$STARTS" -le 40 ] || bail "more than 40 restarts"
	LOG="$TMP/knockd.log.$STARTS"
	start_knockd "$TMP/knockd.conf" "$LOG" 2>/dev/null || bail "knockd did not start: $(cat "$LOG")"
	W=$KNOCKD_PID
	CTL=""
	for f in /proc/"$W"/fd/*; do # the control socket: a listening Unix socket
		ino=$(readlink "$f" | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p')
		[ -n "$ino" ] && in_ns "$SRV" awk -v i="$ino" '$7 == i && $6 == "01" {f=1} END {exit !f}' \
			/proc/net/unix && CTL=${f##*/}
	done
	[ -n "$CTL" ] || bail "no control socket among the writer's descriptors"
}
errno_text() { case $1 in EACCES) echo "Permission denied" ;; EPERM) echo "Operation not permitted" ;; esac; }
# attack NAME ERRNO NR ARGS...: the call must kill the writer, or fail with ERRNO
# (- when only a kill will do).
attack() {
	local name=$1 want=$2 out rc; shift 2
	ensure_daemon
	out=$("$INJ" "$W" "$@"); rc=$?
	case $rc in
	2) ok "$name: $out" ;;
	1) if [ "$want" != - ] && [[ $out == *"($(errno_text "$want"))" ]]; then
		ok "$name: $out (the filter's errno)"
	   else
		not_ok "$name: $out: the call reached the kernel"
	   fi ;;
	0) not_ok "$name: $out: the call SUCCEEDED" ;;
	*) not_ok "$name: the injection failed: $out" ;;
	esac
}
# sockaddr_in 192.0.2.10 port 22, as bytes
SIN=x:02000016c000020a0000000000000000
hexstr() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }

ensure_daemon
check "positive control: getpid injected into the writer answers its PID ($W)" \
	eval '[ "$("$INJ" "$W" 39)" = "succeeded: syscall 39 returned $W" ]'
out=$("$INJ" "$W" 1 2 "s:attack: a positive control line" 33)
check "positive control: a write to stderr succeeds ($out) and reaches the log" \
	eval '[[ $out == "succeeded: syscall 1 returned 33" ]] && wait_until 20 grep -q "attack: a positive control line" "$LOG"'
out=$("$INJ" "$W" 257 -100 "s:$TMP/knockd.conf" 0)
check "positive control: a read-only open succeeds ($out)" eval '[[ $out == "succeeded: "* ]]'
out=$("$INJ" "$W" 41 1 2 0)
check "positive control: a Unix datagram socket (sd_notify) succeeds ($out)" \
	eval '[[ $out == "succeeded: "* ]]'
UFD=${out##* }
check "positive control: the writer is alive after them" kill -0 "$W"

attack "openat(\"$TMP/pwned\", O_WRONLY|O_CREAT)" - 257 -100 "s:$TMP/pwned" 0x41 0600
attack "open(\"$TMP/pwned\", O_RDWR|O_CREAT|O_TRUNC)" - 2 "s:$TMP/pwned" 0x242 0600
check "... no file was created" [ ! -e "$TMP/pwned" ]
attack "socket(AF_INET, SOCK_STREAM, 0)" EACCES 41 2 1 0
attack "socket(AF_INET6, SOCK_DGRAM, 0)" EACCES 41 10 2 0
attack "socket(AF_INET, SOCK_RAW, IPPROTO_TCP)" EACCES 41 2 3 6
attack "socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)" EACCES 41 16 3 0
attack "socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC)" EACCES 41 16 3 16
attack "connect(control socket $CTL, 192.0.2.10:22)" EACCES 42 "$CTL" "$SIN" 16
attack "sendto(control socket $CTL, 1 byte, MSG_FASTOPEN, 192.0.2.10:22)" - 44 "$CTL" s:x 1 0x20000000 "$SIN" 16
attack "sendmsg(control socket $CTL, MSG_FASTOPEN)" - 46 "$CTL" b:56 0x20000000
# A Unix socket file: a bind with the full address length, then one as short as a packet
# socket's address (20 bytes) which the seccomp filter lets through: Landlock refuses it.
ensure_daemon
out=$("$INJ" "$W" 41 1 2 0); UFD=${out##* }
attack "bind(Unix socket $UFD, \"$TMP/b.sock\", 110)" - 49 "$UFD" "x:0100$(hexstr "$TMP/b.sock")00" 110
ensure_daemon
out=$("$INJ" "$W" 41 1 2 0); UFD=${out##* }
SHORT=/tmp/k$$.s
attack "bind(Unix socket $UFD, \"$SHORT\", 20)" EACCES 49 "$UFD" "x:0100$(hexstr "$SHORT")00" 20
check "... no socket file was created" eval '[ ! -e "$TMP/b.sock" ] && [ ! -e "$SHORT" ]'
rm -f "$SHORT" "$TMP/b.sock"
attack "unlink(\"$TMP/knockd.conf\")" EPERM 87 "s:$TMP/knockd.conf"
check "... the file is still there" [ -e "$TMP/knockd.conf" ]
attack "mount(\"none\", \"$TMP\", \"tmpfs\")" - 165 s:none "s:$TMP" s:tmpfs 0 0
attack "finit_module(0, \"\", 0)" - 313 0 s: 0
attack "execve(\"/bin/true\")" - 59 s:/bin/true 0 0
attack "fork()" - 57
attack "clone(SIGCHLD)" - 56 17 0 0 0 0
attack "io_uring_setup(4, params)" - 425 4 b:120
attack "ioctl($CTL, SIOCSIFFLAGS)" - 16 "$CTL" 0x8914 b:40
attack "ptrace(PTRACE_ATTACH, 1)" - 101 16 1 0 0
attack "x32 getpid" - 0x40000027
# state_dir: the one directory the writer may write in (its last-good copy), through the
# descriptor it opened at start-up; not out of it by "..", nor a rename out of it.
state_fd() {
	local f
	for f in /proc/"$W"/fd/*; do
		[ "$(readlink "$f")" = "$TMP/state" ] && { echo "${f##*/}"; return 0; }
	done
	return 1
}
ensure_daemon
SD=$(state_fd) || bail "no state_dir descriptor among the writer's"
out=$("$INJ" "$W" 257 "$SD" s:probe.new 0x241 0600)
check "positive control: openat(state_dir $SD, \"probe.new\", O_WRONLY|O_CREAT|O_TRUNC) succeeds ($out)" \
	eval '[[ $out == "succeeded: "* ]] && [ -f "$TMP/state/probe.new" ]'
attack "openat(state_dir $SD, \"../escaped\", O_WRONLY|O_CREAT)" EACCES 257 "$SD" s:../escaped 0x41 0600
check "... no file was created outside state_dir" [ ! -e "$TMP/escaped" ]
ensure_daemon
SD=$(state_fd) || bail "no state_dir descriptor among the writer's"
attack "renameat(state_dir $SD, \"probe.new\", AT_FDCWD, \"$TMP/moved\")" EPERM 264 "$SD" s:probe.new -100 "s:$TMP/moved"
attack "renameat(state_dir $SD, \"probe.new\", state_dir, \"../moved\") (Landlock)" EACCES 264 "$SD" s:probe.new "$SD" s:../moved
check "... nothing was moved out of state_dir" [ ! -e "$TMP/moved" ]
rm -f "$TMP/state/probe.new"
diag "knockd started $STARTS time(s)"
done_testing
