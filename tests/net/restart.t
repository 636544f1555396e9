#!/bin/bash
# Restart and crash safety: (a) a restart during a grant keeps it open and it still closes
# on time; (d) a token accepted before the restart is refused after it; (b) after kill -9,
# with no daemon, the kernel stops matching the rule at its deadline though the rule is
# still listed; (c) the next start removes that dead rule.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
TTL=5s write_server_conf "$TMP/knockd.conf" "$CPK"
write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" "$SRV4"
start_knockd "$TMP/knockd.conf" "$TMP/knockd1.log" || bail "knockd did not start"
exp_of() { grant_rules4 | sed -n 's/.*exp=\([0-9]*\).*/\1/p'; }

ip netns exec "$C1" "$KNOCK_BUILD/tests/tools/wiretap" eth0 62201 "$TMP/token.bin" 10 \
	>"$TMP/wiretap.out" 2>&1 </dev/null &
PIDS+=($!)
wait_until 30 grep -q ready "$TMP/wiretap.out" || bail "wiretap did not start"
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" prod
check "knock opens port 22" wait_until 10 can_connect "$C1" "$SRV4" 22
wait_until 20 [ -s "$TMP/token.bin" ] || bail "token not captured"
deadline=$(exp_of)

stop_knockd
check "(a) after SIGTERM the grant rule stays in the kernel" [ "$(exp_of)" = "$deadline" ]
check "(a) and port 22 stays open" can_connect "$C1" "$SRV4" 22
start_knockd "$TMP/knockd.conf" "$TMP/knockd2.log" || bail "knockd did not restart"
check "(a) the restarted daemon adopts the live grant" \
	grep -q 'reconcile: 1 rule(s) found, 1 grant(s) adopted, 0 removed' "$TMP/knockd2.log"
check "(a) still open after the restart" can_connect "$C1" "$SRV4" 22

in_ns "$C1" socat -u "FILE:$TMP/token.bin" "UDP-SENDTO:$SRV4:62201"
sleep 0.5
check "(d) the token accepted before the restart is refused as a replay" \
	grep -q 'refuse reason=replay src=192.0.2.10' "$TMP/knockd2.log"
check "(d) and its deadline did not move" [ "$(exp_of)" = "$deadline" ]

check "(a) the adopted grant is removed at its deadline" wait_until 80 rules_empty grant_rules4
late=$(($(date +%s) - deadline))
check "(a) removed within 1 s of its deadline (${late}s)" [ "$late" -le 1 ]
check "(a) closed after the TTL" cannot_connect "$C1" "$SRV4" 22

in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" prod
check "a new knock opens again" wait_until 10 can_connect "$C1" "$SRV4" 22
deadline=$(exp_of)
{ kill -9 "$KNOCKD_PID"; wait "$KNOCKD_PID"; } 2>/dev/null # quietly: no "Killed" job notice
sleep 0.2
check "(b) kill -9: the rule is still listed" [ "$(exp_of)" = "$deadline" ]
wait_for 100 '[ "$(date +%s)" -gt $((deadline + 1)) ]'
check "(b) past its deadline the rule text is still in the kernel" [ "$(exp_of)" = "$deadline" ]
check "(b) but the kernel no longer matches it: connect fails" cannot_connect "$C1" "$SRV4" 22

start_knockd "$TMP/knockd.conf" "$TMP/knockd3.log" || bail "knockd did not start again"
check "(c) the next start removes the dead rule" rules_empty grant_rules4
check "(c) and says so" grep -q 'reconcile: 1 rule(s) found, 0 grant(s) adopted, 1 removed' \
	"$TMP/knockd3.log"
for f in "$TMP"/knockd?.log; do sed "s|^|#   ${f##*/}: |" "$f"; done
done_testing
