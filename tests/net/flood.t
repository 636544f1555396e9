#!/bin/bash
# Floods, at the fastest rate a local sender manages: 1,000,000 junk UDP datagrams to the
# token port (250,000 each of random bytes, right-size random tokens, bit-flipped tokens and
# replays of a real token) and 250,000 SYNs over the sequence range. During each: knockd
# stays up, its resident memory grows by at most 1 MB, nothing opens for the flooder, and a
# genuine knock sent mid-flood still opens. CPU seconds per million frames are reported.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
SPK=$(make_key server) && CPK=$(make_key c1) || bail "keygen failed"
TTL=60s write_server_conf "$TMP/knockd.conf" "$CPK" "sequence = yes"
write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" "$SRV4"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start"
ctl() { in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" "$@"; }
# Both processes: the rule writer and the packet parser (which does the packet work).
procs() { echo "$KNOCKD_PID" $(pgrep -P "$KNOCKD_PID"); }
rss() { local t=0 p; for p in $(procs); do
	t=$((t + $(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$p/status"))); done; echo "$t"; }
cpu() { local t=0 p; for p in $(procs); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
	echo "$t"; }
frames() { ctl --json status | sed -n 's/.*"frames":\([0-9]*\).*/\1/p'; }
HZ=$(getconf CLK_TCK)
[ "$(procs | wc -w)" = 2 ] || bail "expected the rule writer and one packet parser"
[ "$(rss)" -gt 1000 ] || bail "could not read the daemon's resident memory"
N=250000

ip netns exec "$C1" "$KNOCK_BUILD/tests/tools/wiretap" eth0 62201 "$TMP/token.bin" 10 \
	>"$TMP/wiretap.out" 2>&1 </dev/null &
PIDS+=($!)
wait_until 30 grep -q ready "$TMP/wiretap.out" || bail "wiretap did not start"
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" prod
wait_until 20 [ -s "$TMP/token.bin" ] || bail "no token captured"
ctl flush >/dev/null

flood() { # flood MODE ARGS...: one flood from the bystander, a genuine knock in the middle
	local mode=$1 r0 c0 f0 fpid t0 opened dt
	shift
	r0=$(rss) c0=$(cpu) f0=$(frames)
	ip netns exec "$C2" "$KNOCK_BUILD/tests/tools/flood" "$@" >"$TMP/flood.out" 2>&1 &
	fpid=$!
	PIDS+=("$fpid")
	sleep 0.2
	t0=$(date +%s%N)
	in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" prod
	wait_until 30 can_connect "$C1" "$SRV4" 22 && opened=1 || opened=0
	dt=$((($(date +%s%N) - t0) / 1000000))
	for _ in $(seq 600); do kill -0 "$fpid" 2>/dev/null || break; sleep 0.1; done
	wait "$fpid"
	local seen=$(($(frames) - f0)) grew=$(($(rss) - r0)) secs
	secs=$(echo "scale=3; ($(cpu) - $c0) / $HZ" | bc)
	diag "$mode: $(cat "$TMP/flood.out"), knockd saw $seen frames, used ${secs} s CPU" \
		"($(echo "scale=2; $secs * 1000000 / ($seen + 1)" | bc) s per million), RSS +${grew} kB"
	check "$mode: the flood ran: $N sent" grep -qx "sent $N" "$TMP/flood.out"
	check "$mode: knockd saw at least a tenth of it ($seen frames)" [ "$seen" -ge $((N / 10)) ]
	check "$mode: the genuine knock mid-flood opened (connected ${dt} ms after it)" [ "$opened" = 1 ]
	check "$mode: resident memory grew by ${grew} kB (<= 1024)" [ "$grew" -le 1024 ]
	check "$mode: nothing opened for the flooder" eval '[ -z "$(grant_rules4 | grep -- "-s $C24/32")" ]'
	check "$mode: knockd still running" kill -0 "$KNOCKD_PID"
	ctl flush >/dev/null
}
flood random random "$SRV4" 62201 $N
flood right-size rightsize "$SRV4" 62201 $N
flood bit-flips bitflip "$SRV4" 62201 $N "$TMP/token.bin"
flood replays replay "$SRV4" 62201 $N "$TMP/token.bin"
flood syn-flood syn "$SRV4" 61000 $N
ctl status | sed 's/^/#   /'
check "refusal logging stayed rate-limited ($(grep -c refuse "$TMP/knockd.log") lines)" \
	[ "$(grep -c refuse "$TMP/knockd.log")" -le 60 ]
done_testing
