#!/bin/bash
# knockctl's own argument handling, without a daemon: every oversized or bad request is
# refused with exit 1 and a message, before any socket is touched, and never crashes.
set -u
: "${KNOCK_BUILD:?}" "${KNOCK_SRC:?}"
T_N=0 T_FAIL=0
ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*"; }
C="$KNOCK_BUILD/knockctl"
[ -x "$C" ] || { echo "Bail out! $C not built"; exit 1; }
expect() { # expect DESCRIPTION WANTED-TEXT knockctl-args...
	local d=$1 want=$2 out rc; shift 2
	out=$("$C" -S /nonexistent/knockd.sock "$@" 2>&1 </dev/null)
	rc=$?
	if [ "$rc" = 1 ] && [[ $out == *"$want"* ]] && [[ $out != *smash* ]] &&
		[[ $out != *AddressSanitizer* ]]; then ok "$d: ${out:0:120}"; else
		not_ok "$d: exit $rc, '${out:0:400}' (want '$want')"; fi
}
long=$(head -c 6000 /dev/zero | tr '\0' x)
expect "open with a 6,000-character door name" "too long" open "$long"
expect "open, a 6,000-character argument, then another" "too long" open "$long" ssh
expect "many arguments adding up past the line limit" "too long" revoke $(seq 1 2000)
expect "a 70,000-character argument" "too long" open "$(head -c 70000 /dev/zero | tr '\0' y)"
expect "an ordinary request reaches the socket" "is knockd running?" status
expect "run without -- COMMAND" "usage: knockctl run DOOR" run apt
expect "run with -- but no COMMAND" "usage: knockctl run DOOR" run apt --
expect "run without a door" "usage: knockctl run DOOR" run -- true
expect "-- COMMAND with another command" "-- COMMAND goes with run" open apt -- true
expect "run with a bad --ttl" "--ttl" run apt --ttl 5x -- true
expect "run with a 6,000-character door name" "too long" run "$long" -- true
expect "run without a daemon: COMMAND not run" "not opened: touch not run" \
	run apt -- touch /nonexistent-knockctl-run-test
echo "1..$T_N"
[ "$T_FAIL" = 0 ]
