#!/bin/bash
# The packet parser's sandbox, attacked: tests/tools/sysinject makes the live parser (of a
# knockd run here, in its namespaces) execute system calls it must not be able to make.
# Each must kill it (seccomp, default deny) or fail with the filter's own errno (EACCES
# for openat/socket: what libc may try); an error from the kernel itself (EBADF, EINVAL,
# ENOSYS...) means the filter let the call through, and fails the test. The forbidden calls
# get as first argument each descriptor the parser may write to (stderr, the channel, the
# state file), and, for those taking a pointer first, an address whose low 32 bits are that
# descriptor (the filter compares 32 bits): the review's bypass. A send on each capture
# socket must kill it too. Positive controls first, on the same parser: getpid answers its
# PID, a write to stderr reaches the log, an mmap succeeds: the injector works.
# A killed parser stops knockd: it is started again (bounded) before the next attempt.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
INJ="$KNOCK_BUILD/tests/tools/sysinject"
[ -x "$INJ" ] || bail "missing $INJ"
[ "$(uname -m)" = x86_64 ] || bail "sysinject supports x86_64 only: this test cannot run here"
SPK=$(make_key server) && CPK=$(make_key c1) || bail "keygen failed"
write_server_conf "$TMP/knockd.conf" "$CPK"
STARTS=0
P=""
# A running daemon and its parser in $P: started again if the last attempt killed it.
ensure_daemon() {
	if [ -n "$P" ] && kill -0 "$P" 2>/dev/null && kill -0 "$KNOCKD_PID" 2>/dev/null; then
		return 0
	fi
	[ -n "$P" ] && { stop_knockd; wait "$KNOCKD_PID" 2>/dev/null; }
	STARTS=$((STARTS + 1))
	[ "$STARTS" -le 80 ] || bail "more than 80 restarts"
	rm -rf "$TMP/state"
	start_knockd "$TMP/knockd.conf" "$TMP/knockd.log.$STARTS" ||
		bail "knockd did not start: $(cat "$TMP/knockd.log.$STARTS")"
	P=""
	wait_for 30 'P=$(pgrep -P "$KNOCKD_PID" | head -1); [ -n "$P" ]' || bail "no parser"
	LOG="$TMP/knockd.log.$STARTS"
	# The descriptors the parser may write to: stderr, the channel (its one Unix socket
	# apart from syslog's), the state file.
	ALLOWED="2"
	for f in /proc/"$P"/fd/*; do
		[ "$(readlink "$f")" = "$TMP/state/replay" ] && ALLOWED="$ALLOWED ${f##*/}"
	done
	local packet unix
	packet=$(in_ns "$SRV" awk 'NR > 1 {print $NF}' /proc/net/packet)
	CAPTURES=""
	for f in /proc/"$P"/fd/*; do
		unix=$(readlink "$f" | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p')
		[ -n "$unix" ] || continue
		if grep -qx "$unix" <<<"$packet"; then
			CAPTURES="$CAPTURES ${f##*/}"
		else
			ALLOWED="$ALLOWED ${f##*/}"
		fi
	done
	# A page at 0x300000000: a pointer there + fd has the fd as its low 32 bits.
	OUT=$("$INJ" "$P" 9 0x300000000 4096 3 0x32 -1 0)
	[ "$OUT" = "succeeded: syscall 9 returned 12884901888" ] || bail "mmap at 0x300000000: $OUT"
}

# attack NAME ERRNO NR ARGS...: the call must kill the parser, or fail with ERRNO (a name
# such as EACCES, or - when only a kill will do).
attack() {
	local name=$1 want=$2 out rc; shift 2
	ensure_daemon
	out=$("$INJ" "$P" "$@"); rc=$?
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
errno_text() { case $1 in EACCES) echo "Permission denied" ;; EPERM) echo "Operation not permitted" ;; *) echo "$1" ;; esac; }

ensure_daemon
check "positive control: getpid injected into the parser answers its PID ($P)" \
	eval '[ "$("$INJ" "$P" 39)" = "succeeded: syscall 39 returned $P" ]'
out=$("$INJ" "$P" 1 2 "s:attack: a positive control line" 33)
check "positive control: a write to stderr succeeds ($out) and reaches the log" \
	eval '[[ $out == "succeeded: syscall 1 returned 33" ]] && wait_until 20 grep -q "attack: a positive control line" "$LOG"'
check "positive control: the parser is alive after them" kill -0 "$P"
diag "parser $P: allowed descriptors $ALLOWED; captures $CAPTURES"

for fd in $ALLOWED; do
	A=$((0x300000000 + fd))
	attack "open(\"/etc/hostname\" at $(printf %#x $A)) [fd $fd]" - 2 "m:$A:/etc/hostname" 0
	attack "x32 open(\"/etc/hostname\" at $(printf %#x $A)) [fd $fd]" - 0x40000002 "m:$A:/etc/hostname" 0
	attack "openat($fd, \"/etc/hostname\")" EACCES 257 "$fd" "s:/etc/hostname" 0
	attack "socket($fd, SOCK_DGRAM, 0)" EACCES 41 "$fd" 2 0
	attack "io_uring_setup($fd, params)" - 425 "$fd" b:120
	attack "dup($fd)" - 32 "$fd"
	attack "close_range($fd, $fd, CLOEXEC)" - 436 "$fd" "$fd" 4
	attack "pipe2(at $(printf %#x $A)) [fd $fd]" - 293 "$A" 0
	attack "splice($fd, NULL, $fd, NULL, 1, NONBLOCK)" - 275 "$fd" 0 "$fd" 0 1 2
	attack "ftruncate($fd, 1 GiB)" - 77 "$fd" 0x40000000
	attack "mmap($fd, 4096, PROT_READ|PROT_EXEC, private anonymous)" - 9 "$fd" 4096 5 0x22 -1 0
	attack "execve(\"/bin/true\" at $(printf %#x $A)) [fd $fd]" - 59 "m:$A:/bin/true" 0 0
done
attack "socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER) (a firewall rule)" EACCES 41 16 3 12
attack "socket(AF_PACKET, SOCK_RAW, 0)" EACCES 41 17 3 0
attack "connect(stderr, 192.0.2.10:22)" EACCES 42 2 x:02000016c000020a0000000000000000 16
attack "mmap(NULL, 4096, PROT_READ|PROT_EXEC, private anonymous)" - 9 0 4096 5 0x22 -1 0
attack "mprotect(a page, PROT_READ|PROT_EXEC)" - 10 0x300000000 4096 5
attack "ptrace(PTRACE_ATTACH, 1)" - 101 16 1 0 0
attack "fork()" - 57
ensure_daemon
for fd in $CAPTURES; do
	attack "sendto(capture socket $fd, 64 bytes)" - 44 "$fd" "b:64" 64 0 0 0
done
[ -n "$CAPTURES" ] || not_ok "no capture socket found in the parser"
diag "knockd started $STARTS time(s)"
done_testing
