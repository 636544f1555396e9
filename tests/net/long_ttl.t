#!/bin/bash
# No authorised client can stop the daemon: a correctly signed token asking a TTL above
# 30 days (2592001 s, then 2^32 - 1) is cut by the packet parser to what the door allows
# (max_ttl, one log line); knockd keeps running and the next knock still opens.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
write_server_conf "$TMP/knockd.conf" "$CPK"
write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" "$SRV4"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"

# long_knock TTL: one token from C1 naming its own address and door ssh, asking TTL.
long_knock() {
	"$KNOCK_BUILD/tests/tools/tokttl" "$TMP/c1.key" "$SPK" "$C14" "$1" ssh >"$TMP/tok.$1" ||
		bail "tokttl failed"
	in_ns "$C1" socat -u "FILE:$TMP/tok.$1" "UDP-SENDTO:$SRV4:62201"
}
# deadline_in: seconds from now to the grant's kernel deadline (-m time --datestop).
deadline_in() {
	local stop
	stop=$(grant_rules4 | sed -n 's/.*--datestop \([0-9T:-]*\).*/\1/p' | head -n 1)
	[ -n "$stop" ] && echo $(($(date -u -d "$stop" +%s) - $(date +%s)))
}

in_range() { [ "$1" -gt "$2" ] && [ "$1" -le "$3" ]; }

check "C1 cannot connect before any knock" cannot_connect "$C1" "$SRV4" 22
for ttl in 2592001 4294967295; do
	long_knock "$ttl"
	check "ttl $ttl: the parser cuts it (one log line)" \
		wait_until 20 grep -q "cut addr=$C14 client=laptop: ttl ${ttl}s asked, cut to 2592000s" \
		"$TMP/knockd.log"
	check "ttl $ttl: port 22 opens for C1" wait_until 20 can_connect "$C1" "$SRV4" 22
	left=$(deadline_in)
	check "ttl $ttl: the kernel deadline is the door's max_ttl (1h; ${left:-none} s left)" \
		in_range "${left:-0}" 3500 3600
	sleep 1
	check "ttl $ttl: knockd is still running" kill -0 "$KNOCKD_PID"
done
check "the writer never refused a request" \
	bash -c "! grep -q 'refused a request from the packet parser' '$TMP/knockd.log'"
check "C2 cannot connect before its knock" cannot_connect "$C2" "$SRV4" 22
in_ns "$C2" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" prod || not_ok "knock exited non-zero"
check "the next knock (from C2) still opens port 22" wait_until 20 can_connect "$C2" "$SRV4" 22
check "knockd is still running at the end" kill -0 "$KNOCKD_PID"
sed 's/^/#   /' "$TMP/knockd.log"
done_testing
