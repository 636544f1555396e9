#!/bin/bash
# Hostile packets: truncations, IPv4 options, an over-long IPv6 extension chain, fragments,
# wrong checksums, wrong sizes and versions, tokens for another server, timestamps a day or
# 75 s off. Each is dropped and counted by reason (knockctl status), nothing opens, nothing
# is logged per packet (only authenticated refusals, rate-limited, and unknown key hints,
# one line per 10 s). Then a genuine knock
# still works, and a corrupted state file stops knockd at start with a precise message.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
SPK=$(make_key server) && CPK=$(make_key c1) && OPK=$(make_key other) || bail "keygen failed"
TTL=30s write_server_conf "$TMP/knockd.conf" "$CPK"
write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" "$SRV4"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"

in_ns "$C1" "$KNOCK_BUILD/tests/tools/hostile" eth0 "$C14" "$SRV4" "$TMP/c1.key" "$SPK" "$OPK" \
	>"$TMP/sent" || bail "hostile tool failed"
sed 's/^/# sent: /' "$TMP/sent"
sleep 1
status=$(in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" status)
echo "$status" | sed 's/^/#   /'
counter() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$status"; }
sent() { sed -n "s/^$1 //p" "$TMP/sent"; }
at_least() { # at_least COUNTER N
	local v
	v=$(counter "$1")
	[ "${v:-0}" -ge "$2" ]
}
check "truncated frames counted as packet-truncated ($(counter packet-truncated) >= $(sent truncated))" \
	at_least packet-truncated "$(sent truncated)"
check "fragments counted ($(counter packet-fragment))" at_least packet-fragment "$(sent ipv4-fragments)"
check "wrong IPv4/UDP checksums counted ($(counter packet-checksum))" at_least packet-checksum "$(sent bad-checksums)"
check "an extension-header chain too long counted as packet-ip-header ($(counter packet-ip-header))" \
	at_least packet-ip-header "$(sent ipv6-long-ext-chain)"
sizes=$(($(counter token-bad-size) + $(counter packet-oversized)))
check "wrong sizes: token-bad-size, or packet-oversized beyond the snaplen ($sizes)" \
	[ "$sizes" -ge "$(sent wrong-sizes)" ]
check "wrong versions (and junk with IPv4 options) counted ($(counter token-bad-version))" \
	at_least token-bad-version "$(sent wrong-version)"
check "another server's tokens and timestamps a day off: token-unknown-hint ($(counter token-unknown-hint))" \
	at_least token-unknown-hint $(($(sent other-server-key) + $(sent timestamps-a-day-off)))
check "75 s old: token-stale ($(counter token-stale))" at_least token-stale 20
check "75 s ahead: token-future ($(counter token-future))" at_least token-future 20
check "nothing opened" rules_empty grant_rules4
check "knockd still running" kill -0 "$KNOCKD_PID"
refusals=$(grep 'refuse' "$TMP/knockd.log" | grep -vc 'reason=unknown-hint')
check "no per-packet logging: $refusals refusal lines for 40 authenticated refusals (<= 21)" \
	[ "$refusals" -le 21 ]
hints=$(grep -c 'refuse reason=unknown-hint' "$TMP/knockd.log")
check "unknown-hint tokens: $hints line(s), one per 10 s at most (the run takes less than 10 s)" \
	eval '[ "$hints" -ge 1 ] && [ "$hints" -le 2 ]'
check "nothing else logged about the junk" \
	eval '! grep -v "refuse reason=unknown-hint" "$TMP/knockd.log" | grep -Eq "truncat|checksum|fragment|bad-size|version|hint"'
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" prod
check "a genuine knock still opens" wait_until 10 can_connect "$C1" "$SRV4" 22

stop_knockd
printf 'not a replay cache\n' >"$TMP/state/replay"
start_knockd "$TMP/knockd.conf" "$TMP/knockd2.log"
check "a corrupted state file: knockd refuses to start" wait_until 50 eval '! kill -0 $KNOCKD_PID 2>/dev/null'
check "... saying which file and what to do" \
	grep -q "state/replay: not a knockd replay file; move it away to start" "$TMP/knockd2.log"
sed 's/^/#   /' "$TMP/knockd.log" "$TMP/knockd2.log"
done_testing
