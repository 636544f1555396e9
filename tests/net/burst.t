#!/bin/bash
# A burst of knocks loses none (one of the two tests that size capture_buffer's default,
# with flood.t; knockd.conf(5)): 200 valid
# tokens from 200 addresses sent back to back (well within 10 ms), first to an idle daemon,
# then while the rule writer is busy revoking 10,000 grants (knockctl flush: ten commits into
# a table that holds them), on one interface and on "any". The parser verifies about 20,000
# tokens a second, so most of the burst waits in the capture socket's receive queue; its grant requests then
# wait in the privsep channel while the writer commits. Every one of the 200 addresses must
# get its grant. Then the parser maps no capture ring, its capture socket's receive queue
# is bounded by capture_buffer, and after a reload to 256k (the smallest that holds the
# burst) the queue is 256k and the burst still opens.
# BURST_CAPTURE_BUFFER=SIZE runs the burst rounds with that capture_buffer (at 192k, 128k,
# 64k they lose the frames beyond what the queue holds).
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
SPK=$(make_key server) && CPK=$(make_key c1) && RPK=$(make_key roamer) || bail "keygen failed"
N=200 FIRST=192.0.2.30 MASS=10000
extra=()
[ -n "${BURST_CAPTURE_BUFFER:-}" ] && extra=("capture_buffer = $BURST_CAPTURE_BUFFER")
TTL=5m write_server_conf "$TMP/knockd.conf" "$CPK" "[client:roamer]" "public_key = $RPK" \
	"doors = ssh" "nat = yes"
[ -z "${BURST_CAPTURE_BUFFER:-}" ] ||
	sed -i "/^\[knockd\]/a capture_buffer = $BURST_CAPTURE_BUFFER" "$TMP/knockd.conf"
ctl() { in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" "$@"; }
diag "capture_buffer: ${BURST_CAPTURE_BUFFER:-the default}"

# The burst's 200 source addresses, 192.0.2.30 to .229, on the client.
for i in $(seq 0 $((N - 1))); do echo "addr add 192.0.2.$((30 + i))/24 dev eth0"; done >"$TMP/addrs"
in_ns "$C1" ip -batch "$TMP/addrs" || bail "cannot add the burst's addresses"
# How many of the burst's addresses hold a grant in the kernel; the first ten that do not.
rules() { in_ns "$SRV" iptables-legacy-save -t filter | grep -- '-A KNOCKD-INPUT' || true; }
missing() { local have i n=0
	have=$(rules)
	for i in $(seq 0 $((N - 1))); do
		grep -q -- "-s 192.0.2.$((30 + i))/32 " <<<"$have" && continue
		n=$((n + 1))
		[ $n -le 10 ] && printf '192.0.2.%d ' $((30 + i))
	done
	echo "($n)"; }
granted() { rules | grep -o -- '-s 192\.0\.2\.[0-9]*/32' | sort -u |
	awk -F'[ ./]' '$5 >= 30 && $5 < 230' | wc -l; }
burst() { in_ns "$C1" "$KNOCK_BUILD/tests/tools/burst" "$TMP/c1.key" "$SPK" "$SRV4" 62201 "$FIRST" "$N"; }
count6() { in_ns "$SRV" ip6tables-legacy-save -t filter | grep -c 'addr=2001:db8:1::' || true; }
burst_granted() { # burst_granted LABEL: the 200 grants are all in the kernel
	local got
	wait_for 100 '[ "$(granted)" -ge $N ]'
	got=$(granted)
	check "$1: all $N addresses of the burst got their grant ($got; missing: $(missing))" \
		[ "$got" = $N ]
}

for ifc in eth0 any; do
	sed -i "s/^interfaces = .*/interfaces = $ifc/" "$TMP/knockd.conf"
	start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" ||
		bail "knockd did not start: $(cat "$TMP/knockd.log")"
	# 1. To an idle daemon.
	out=$(burst) || bail "burst tool failed: $out"
	diag "$ifc, idle daemon: $out"
	burst_granted "interfaces = $ifc, idle daemon"
	ctl flush >/dev/null

	# 2. While 10,000 grants are being revoked.
	in_ns "$C1" "$KNOCK_BUILD/bench/mass" "$TMP/roamer.key" "$SPK" "$SRV4" 62201 $MASS 300 \
		>/dev/null || bail "mass tool failed"
	# (mass sends 16,000 tokens/s, near what the parser verifies: a few may be lost in the
	# ring when the parser is not scheduled for a while; this round is about the burst)
	wait_for 600 '[ "$(count6)" -ge $MASS ]'
	many=$(count6)
	check "interfaces = $ifc: the mass grants opened ($many of $MASS)" [ "$many" -ge $((MASS * 99 / 100)) ]
	t0=$(date +%s%N)
	ip netns exec "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" flush >"$TMP/flush.out" 2>&1 &
	fpid=$!
	PIDS+=("$fpid")
	sleep 0.05
	out=$(burst) || bail "burst tool failed: $out"
	busy=0
	kill -0 "$fpid" 2>/dev/null && busy=1
	for _ in $(seq 600); do kill -0 "$fpid" 2>/dev/null || break; sleep 0.1; done
	wait "$fpid"
	diag "$ifc, during the flush: $out; flush: $(cat "$TMP/flush.out") in" \
		"$((($(date +%s%N) - t0) / 1000000)) ms"
	check "interfaces = $ifc: the burst was sent while the rule writer was still revoking" \
		[ "$busy" = 1 ]
	check "interfaces = $ifc: the flush revoked the $many grants" \
		grep -qx "revoked $many grant(s)" "$TMP/flush.out"
	burst_granted "interfaces = $ifc, busy rule writer"
	check "interfaces = $ifc: knockd still running" kill -0 "$KNOCKD_PID"
	ctl status | grep -o 'frames=[0-9]*\|token-ok=[0-9]*' | tr '\n' ' ' | sed 's/^/# /'
	echo
	ctl flush >/dev/null
	stop_knockd
	rm -rf "$TMP/state" # a fresh replay cache: the next round's tokens are new anyway
done
# The parser maps no capture ring (the frames wait in its capture socket's receive queue,
# kernel memory), the queue is bounded by capture_buffer, and a reload applies a new size.
ring_kb() { # the parser's mappings of a socket (a capture ring), resident kB
	local parser
	parser=$(pgrep -P "$KNOCKD_PID" | head -1)
	[ -n "$parser" ] && awk '/^[0-9a-f]+-[0-9a-f]+ .*socket:/ {s = 1; next}
		/^[0-9a-f]+-[0-9a-f]+ / {s = 0} s && /^Rss:/ {t += $2} END {print t + 0}' \
		"/proc/$parser/smaps"; }
rcvbuf() { # the receive buffer of the parser's packet socket (ss: rb, twice what was set)
	local parser
	parser=$(pgrep -P "$KNOCKD_PID" | head -1)
	in_ns "$SRV" ss -0 -m -p 2>/dev/null | grep -A1 "pid=$parser," |
		sed -n 's/.*skmem:(r[0-9]*,rb\([0-9]*\),.*/\1/p' | head -1; }
sed -i "s/^interfaces = .*/interfaces = eth0/" "$TMP/knockd.conf"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start"
kb=$(ring_kb)
check "the parser maps no capture ring (${kb} kB)" [ "$kb" = 0 ]
if [ -z "${BURST_CAPTURE_BUFFER:-}" ]; then
	rb=$(rcvbuf)
	check "its capture socket's receive queue is bounded by the default 8m (rb ${rb:-?})" \
		[ "${rb:-0}" = $((2 * 8 * 1048576)) ]
fi
# 256k: the smallest that holds the burst (knockd.conf(5), capture_buffer)
sed -i '/^capture_buffer/d; /^\[knockd\]/a capture_buffer = 256k' "$TMP/knockd.conf"
out=$(ctl reload 2>&1)
wait_for 50 '[ "$(rcvbuf)" = $((2 * 262144)) ]'
rb=$(rcvbuf)
check "reload to capture_buffer = 256k ($out): the capture socket's queue is 256k (rb ${rb:-?})" \
	[ "${rb:-0}" = $((2 * 262144)) ]
out=$(burst) || bail "burst tool failed: $out"
burst_granted "after the reload to 256k"
done_testing
