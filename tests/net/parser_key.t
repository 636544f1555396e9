#!/bin/bash
# The packet parser never holds the server's private key: its memory (every readable
# mapping, read through /proc/PID/mem by tests/tools/memscan) is searched at start and after
# two reloads for the key's 32-byte seed, the expanded Ed25519 secret key, the X25519 secret
# derived from it and the key file's text. The server's public key, which the parser holds
# (it builds the verifier), is the positive control: a scan that cannot find it proves
# nothing. A copy wiped at once escapes a scan: so strace watches everything the parser
# reads or receives during the reloads, which must name no key file and carry no key text
# (positive control: the reload's configuration is seen being read).
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
SCAN="$KNOCK_BUILD/tests/tools/memscan"
[ -x "$SCAN" ] || bail "missing $SCAN"
SPK=$(make_key server) && CPK=$(make_key c1) || bail "keygen failed"
TTL=60s write_server_conf "$TMP/knockd.conf" "$CPK"
write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" "$SRV4"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"
W=$KNOCKD_PID
P=$(pgrep -P "$W" | head -1)
[ -n "$P" ] || bail "no parser process under $W"

# scan WHEN: the parser's memory holds the public key and none of the secrets.
scan() {
	local out
	out=$("$SCAN" "$P" "$TMP/server.key") || { not_ok "$1: the scan failed: $out"; return; }
	echo "$out" | sed 's/^/#   /'
	check "$1: the scan finds the server's public key in the parser (positive control)" \
		grep -q '^found public-key' <<<"$out"
	for s in seed expanded-secret-key x25519-secret key-file-text; do
		check "$1: no $s of the server key in the parser" grep -qx "absent $s" <<<"$out"
	done
}
scan "at start"
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" prod
check "a knock opens (the parser's keys work)" wait_until 50 can_connect "$C1" "$SRV4" 22
in_ns "$SRV" strace -p "$P" -f -y -s 256 -o "$TMP/strace.out" \
	-e trace=read,readv,pread64,recvmsg,recvfrom,openat,open 2>"$TMP/strace.err" &
STRACE=$!
PIDS+=("$STRACE")
wait_until 50 grep -q 'Process .* attached' "$TMP/strace.err" || bail "strace: $(cat "$TMP/strace.err")"
for n in 1 2; do
	C=$(make_key "extra$n") || bail "keygen failed"
	printf '%s\n' '' "[client:extra$n]" "public_key = $C" 'doors = ssh' >>"$TMP/knockd.conf"
	out=$(in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" reload 2>&1)
	check "reload $n (a client added): $out" eval '[[ $out == "reloaded "* ]]'
	check "... the same parser" eval '[ "$(pgrep -P "$W" | head -1)" = "$P" ]'
	scan "after reload $n"
done
kill "$STRACE"
wait "$STRACE" 2>/dev/null
KEYTEXT=$(tr -d '\n' <"$TMP/server.key")
diag "strace: $(wc -l <"$TMP/strace.out") line(s); reload reads:"
grep -E 'recvmsg|memfd|key' "$TMP/strace.out" | cut -c1-200 | sed 's/^/#   /' | head -20
check "strace saw the parser take the reloads (positive control: a memfd read)" \
	grep -q 'memfd:' "$TMP/strace.out"
check "the parser touched no descriptor of the key file during the reloads" \
	eval '! grep -qF "$TMP/server.key" "$TMP/strace.out"'
check "no read of the parser carried the key file's text" \
	eval '! grep -qF "$KEYTEXT" "$TMP/strace.out"'
in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" flush >/dev/null
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" prod
check "a knock still opens after the reloads" wait_until 50 can_connect "$C1" "$SRV4" 22
done_testing
