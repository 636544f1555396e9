#!/bin/bash
# A failed knock leaves a trace: a token of the right size and version that no client's key
# explains (a client with a stale server_public_key, or a key not listed) is logged with its
# source, at most one line per 10 s, with the count since the previous line. Nothing opens.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
SPK=$(make_key server) && CPK=$(make_key c1) && OLDSPK=$(make_key oldserver) &&
	make_key stranger >/dev/null || bail "knock keygen failed"
TTL=3s write_server_conf "$TMP/knockd.conf" "$CPK"
write_client_conf "$TMP/good.conf" "$TMP/c1.key" "$SPK" "$SRV4"
write_client_conf "$TMP/stale.conf" "$TMP/c1.key" "$OLDSPK" "$SRV4" # a reinstall ago
write_client_conf "$TMP/stranger.conf" "$TMP/stranger.key" "$SPK" "$SRV4"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"
lines() { grep -c 'refuse reason=unknown-hint' "$TMP/knockd.log"; }
# One datagram per knock (--copies 1): the counts below are of tokens, and a copy of a token
# no key explains is one more such token.

in_ns "$C1" "$KNOCK_BUILD/knock" --copies 1 -c "$TMP/stale.conf" prod
check "a knock with a stale server_public_key is logged, naming its source" \
	wait_for 20 'grep -q "knockd: refuse reason=unknown-hint src=$C14 count=1: a token no client.s key explains (is the client.s server_public_key this server.s key" "$TMP/knockd.log"'
t0=$(date +%s)
check "... and opens nothing" eval 'sleep 0.5; rules_empty grant_rules4 && cannot_connect "$C1" "$SRV4" 22'
for _ in 1 2 3; do in_ns "$C1" "$KNOCK_BUILD/knock" --copies 1 -c "$TMP/stranger.conf" prod; done
in_ns "$C2" "$KNOCK_BUILD/knock" --copies 1 -c "$TMP/stale.conf" prod
sleep 1
check "4 more within 10 s: still one line (rate-limited)" [ "$(lines)" = 1 ]
check "the positive control: the right keys open, with no unknown-hint line" \
	eval 'in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/good.conf" prod && wait_until 10 can_connect "$C1" "$SRV4" 22 && [ "$(lines)" = 1 ]'
# After the 10 s, the next one is logged with the count since the first line.
for _ in $(seq 30); do [ $(($(date +%s) - t0)) -ge 11 ] && break; sleep 0.5; done
in_ns "$C2" "$KNOCK_BUILD/knock" --copies 1 -c "$TMP/stranger.conf" prod
check "after 10 s the next one is logged, with the count since the last line (5)" \
	wait_for 20 'grep -q "refuse reason=unknown-hint src=$C24 count=5:" "$TMP/knockd.log"'
check "two lines in all" [ "$(lines)" = 2 ]
check "knockctl status counts all 6" \
	eval 'in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" status | grep -q "unknown-hint=6"'
sed 's/^/#   /' "$TMP/knockd.log"
done_testing
