#!/bin/bash
# Static sequences are unauthenticated (anyone who sees one can replay it, from any address
# they can spoof): grants they open may take only a quarter of max_grants, and their log
# lines are rate-limited. 30 addresses completing the sequence open 4 grants (max_grants =
# 16); a token client still gets in; the log holds at most 20 completion lines.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
TTL=60s write_server_conf "$TMP/knockd.conf" "$CPK" "" \
	"[sequence:legacy]" "ports = 7000,8000:udp,9000" "timeout = 10s" "doors = ssh"
sed -i 's/^replay_window = 60s$/replay_window = 60s\nmax_grants = 16/' "$TMP/knockd.conf"
write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" "$SRV4"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"
for i in $(seq 100 129); do in_ns "$C2" ip addr add "192.0.2.$i/24" dev eth0; done
sleep 0.5
static_knock() { # static_knock SOURCE: the three knocks from SOURCE, in order
	in_ns "$C2" timeout 2 socat -u /dev/null "TCP:$SRV4:7000,bind=$1,connect-timeout=0.2" 2>/dev/null
	echo x | in_ns "$C2" timeout 2 socat -u - "UDP:$SRV4:8000,bind=$1" 2>/dev/null
	in_ns "$C2" timeout 2 socat -u /dev/null "TCP:$SRV4:9000,bind=$1,connect-timeout=0.2" 2>/dev/null
}
pids=()
for i in $(seq 100 129); do static_knock "192.0.2.$i" & pids+=($!); done
wait "${pids[@]}"
sleep 1
n=$(grant_rules4 | grep -c -- '-s 192.0.2.1[0-2][0-9]/32')
check "30 addresses completed the static sequence: $n grant(s), at most 16 / 4" \
	eval '[ "$n" -ge 1 ] && [ "$n" -le 4 ]'
check "... the others refused as unauthenticated-share-full" grep -q 'refuse reason=unauthenticated-share-full' "$TMP/knockd.log"
lines=$(grep -c 'unauthenticated static' "$TMP/knockd.log")
check "completions logged at most 20 per 10 s: $lines for 30" [ "$lines" -le 20 ]
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" prod
check "a token client still gets a grant" wait_until 10 can_connect "$C1" "$SRV4" 22
check "... nothing refused for a full table" eval '! grep -q grant-table-full "$TMP/knockd.log"'
sed 's/^/#   /' "$TMP/knockd.log" | head -60
done_testing
