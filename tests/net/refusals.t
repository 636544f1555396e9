#!/bin/bash
# What must open nothing: the captured token re-sent byte for byte (at once from the
# client's address: a duplicate, counted, not logged; later: a replay, logged; and after its
# grant expired), a token made with a key the server does not know, a door the
# client is not allowed, and a token naming another address than the one it comes from.
# FAMILY=6 (tests/net/refusals6.t) runs the same over IPv6.
. "$KNOCK_SRC/tests/net/lib.sh"
FAMILY=${FAMILY:-4}
if [ "$FAMILY" = 6 ]; then S=$SRV6 A1=$C16 A2=$C26; else S=$SRV4 A1=$C14 A2=$C24; fi
rules() { "grant_rules$FAMILY"; }
net_setup
SPK=$(make_key server) && CPK=$(make_key c1) && make_key stranger >/dev/null ||
	bail "knock keygen failed"
TTL=10s write_server_conf "$TMP/knockd.conf" "$CPK"
write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" "$S"
write_client_conf "$TMP/stranger.conf" "$TMP/stranger.key" "$SPK" "$S"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"

# nothing_opens DESCRIPTION: no grant rule appears within 1 s and port 22 stays closed.
nothing_opens() {
	sleep 1
	check "$1: no rule in the kernel" rules_empty rules
	check "$1: port 22 still closed" cannot_connect "$C1" "$S" 22
}
logged() { grep -q -- "$1" "$TMP/knockd.log"; }

# Capture the real token on the client's wire while knocking.
ip netns exec "$C1" "$KNOCK_BUILD/tests/tools/wiretap" eth0 62201 "$TMP/token.bin" 10 \
	>"$TMP/wiretap.out" 2>&1 </dev/null &
PIDS+=($!)
wait_until 30 grep -q ready "$TMP/wiretap.out" || bail "wiretap did not start"
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" prod || not_ok "knock exited non-zero"
check "IPv$FAMILY: the genuine knock opens port 22" wait_until 10 can_connect "$C1" "$S" 22
check "the token was captured off the wire (273 bytes)" \
	wait_for 20 '[ "$(stat -c %s "$TMP/token.bin" 2>/dev/null)" = 273 ]'
deadline=$(rules | sed -n 's/.*exp=\([0-9]*\).*/\1/p')

resend() { in_ns "$C1" socat -u "FILE:$TMP/token.bin" "UDP-SENDTO:$( [ "$FAMILY" = 6 ] && echo "[$S]" || echo "$S"):62201"; }
dups() { in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" status |
	sed -n 's/.* token-duplicate=\([0-9]*\).*/\1/p'; }
d0=$(dups)
check "the client's own copies were counted as duplicates ($d0)" [ "${d0:-0}" -ge 1 ]
resend
wait_for 20 '[ "$(dups)" = $((d0 + 1)) ]'
check "a copy at once from the same address: one more duplicate ($(dups))" [ "$(dups)" = $((d0 + 1)) ]
check "... not logged" eval '! logged "refuse reason=replay"'
check "... the deadline did not move" [ "$(rules | sed -n 's/.*exp=\([0-9]*\).*/\1/p')" = "$deadline" ]
sleep 3.2 # past the duplicate window (2 s after acceptance, in whole seconds)
resend
sleep 0.5
check "replay while open: refused and logged" logged "refuse reason=replay src=$A1 client=laptop"
check "replay while open: the deadline did not move" \
	[ "$(rules | sed -n 's/.*exp=\([0-9]*\).*/\1/p')" = "$deadline" ]
check "the grant expires" wait_until 150 rules_empty rules
resend
nothing_opens "replay after expiry"
check "replay after expiry: refused as replay" [ "$(grep -c 'refuse reason=replay' "$TMP/knockd.log")" = 2 ]

in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/stranger.conf" prod
nothing_opens "unknown client key"

in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" prod web
nothing_opens "door 'web' not allowed for this client"
check "door refusal logged, naming the door" logged "refuse reason=door src=$A1 client=laptop door=web$"

in_ns "$C2" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" --addr "$A1" prod
nothing_opens "token from $A2 naming $A1"
check "address refusal logged" logged "refuse reason=address src=$A2 client=laptop"

check "exactly one grant in the whole run" [ "$(grep -c 'knockd: grant ' "$TMP/knockd.log")" = 1 ]
check "knockd is still running" kill -0 "$KNOCKD_PID"
sed 's/^/#   /' "$TMP/knockd.log"
done_testing
