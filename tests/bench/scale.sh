#!/bin/bash
# make bench, scale and restore rows (this knockd only; called by bench.sh, or alone):
#  1. the gate's set elements at SCALE_N (100000) concurrent grants, on a server whose own
#     ruleset drops nothing (backend = auto picks the gate alone): one more grant (token ->
#     connection through, knockctl open round trip), every expiry's error against its TTL
#     (from nftables' own deletion events, all grants), memory per grant (the daemon's PSS,
#     the kernel's slab);
#  2. the same rows with the grants in the legacy xtables through libiptc (backend
#     iptables, default-drop INPUT) at 1,000 and 10,000 grants: that library's limit;
#  3. restore after `nft flush ruleset` and after an nftables.conf reload with `flush
#     ruleset` (median of SCALE_REPS), with gate_lock = no; with the lock, the gate is
#     checked untouched.
# Prints Markdown on stdout (bench.sh puts it into results.md); progress on stderr.
#   SCALE_N (100000)  SCALE_REPS (10: restores, knockctl opens)  ONE_REPS (20: one more
#   grant)  SCALE_LEGACY ("1000 10000")  SCALE_TTL (300: the mass grants' TTL, s)
. "$KNOCK_SRC/tests/net/lib.sh"
B=$KNOCK_BUILD
N=${SCALE_N:-100000} REPS=${SCALE_REPS:-10} MTTL=${SCALE_TTL:-300}
note() { echo "# $*" >&2; }
stats() { # median / p90 / max of numbers on stdin
	sort -g | awk '{a[NR] = $1} END {
		if (!NR) { print "n/a"; exit }
		m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		i = int(0.9 * NR + 0.999); if (i < 1) i = 1
		printf "%.2f / %.2f / %.2f\n", m, a[i], a[NR] }'
}
pss_of() { local t=0 p; for p in "$@"; do
	t=$((t + $(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup"))); done; echo $t; }
slab_kb() { awk '/^Slab:/ {print $2}' /proc/meminfo; }
ctl() { in_ns "$SRV" "$B/knockctl" -S "$TMP/knockd.sock" "$@"; }
ngrants() { ctl status | sed -n 's/^grants \([0-9]*\) of.*/\1/p'; }
now_ns() { date +%s%N; }

NO_LEGACY=1 net_setup
SPK=$(make_key server) && RPK=$(make_key roamer) || bail "keygen failed"
write_client_conf "$TMP/knock6.conf" "$TMP/roamer.key" "$SPK" "$SRV6"
KNOCK6=("$B/knock" -6 -c "$TMP/knock6.conf" --ttl 1s prod)

# scale_conf BACKEND LOCK: one nat = yes client (the mass tokens name their addresses), a
# replay window of 5 s (the replay cache holds 65,536 tokens: 5 s at 8,000/s), room for
# SCALE_N grants and a capture ring that covers the parser's pauses.
scale_conf() {
	cat >"$TMP/knockd.conf" <<CONF
[knockd]
interfaces = eth0
private_key = $TMP/server.key
spa_port = 62201
backend = $1
gate_lock = $2
state_dir = $TMP/state
control_socket = $TMP/knockd.sock
replay_window = 5s
max_grants = $((N + 1000))
capture_buffer = 16m

[door:ssh]
direction = in
protocol = tcp
ports = 22
ttl = 1s
max_ttl = 1h

[client:roamer]
public_key = $RPK
doors = ssh
nat = yes
CONF
}
scale_start() {
	rm -f "$TMP/knockd.log"
	start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"
	DPIDS="$KNOCKD_PID $(pgrep -P "$KNOCKD_PID")"
}
scale_stop() {
	stop_knockd
	wait "$KNOCKD_PID" 2>/dev/null
}
watch_start() { # watch_start [FILE]: nftwatch into FILE ($TMP/events); WPID its PID
	local f=${1:-$TMP/events}
	ip netns exec "$SRV" "$B/bench/nftwatch" >"$f" 2>&1 &
	WPID=$!
	PIDS+=("$WPID")
	wait_until 50 grep -q ready "$f"
}
watch_stop() { kill "$1"; wait "$1" 2>/dev/null; }

# load COUNT: mass tokens until the daemon holds COUNT grants (bounded: 20 rounds); the
# send times go to $TMP/sent. Prints the seconds it took.
load() {
	local want=$1 have first=1 t0 r
	t0=$(now_ns)
	for r in $(seq 20); do
		have=$(ngrants)
		[ "$have" -ge "$want" ] && break
		in_ns "$C1" "$B/bench/mass" "$TMP/roamer.key" "$SPK" "$SRV4" 62201 $((want - have)) \
			"$MTTL" "$first" 8 "$TMP/sent.$r" >/dev/null || bail "mass failed"
		first=$((first + want - have))
		for _ in $(seq 100); do # until the parser has caught up
			sleep 0.2
			[ "$(ngrants)" -ge "$want" ] && break
		done
	done
	cat "$TMP"/sent.* >"$TMP/sent"
	rm -f "$TMP"/sent.*
	[ "$(ngrants)" -ge "$want" ] || bail "only $(ngrants) of $want grants opened"
	echo "scale=1; ($(now_ns) - $t0) / 1000000000" | bc
}

# one_more: ONE_REPS (20) knocks (IPv6, into the set that holds the mass grants), each from the
# knock to a connection through, ms; the grant of TTL 1 s is gone before the next.
one_more() {
	local out lat=""
	for _ in $(seq "${ONE_REPS:-20}"); do
		sleep 1.5
		out=$(in_ns "$C1" "$B/bench/probe" open "$SRV6" 22 10000 "${KNOCK6[@]}") &&
			lat+="$(awk '{print ($2 - $1) / 1000000}' <<<"$out")"$'\n'
	done
	printf '%s' "$lat" | grep . | stats
}
# ctl_open: REPS times knockctl open (a new address each) -> the element in the kernel, ms,
# from nftwatch's newsetelem event against knockctl's start (its exec included).
ctl_open() {
	local i t0 a lat=""
	for i in $(seq "$REPS"); do
		a=2001:db8:3::$i
		t0=$(now_ns)
		ctl open ssh --addr "$a" --ttl 2s >/dev/null || continue
		sleep 0.2
		lat+="$(awk -v a="$a" -v t0="$t0" '$2 == "newsetelem" && $4 == a {
			print ($1 - t0) / 1000000; exit }' "$TMP/events")"$'\n'
	done
	printf '%s' "$lat" | grep . | stats
}

# --- 1. the gate at N grants ------------------------------------------------------------
note "== the gate alone, $N grants"
scale_conf auto no
scale_start
grep -q "backend gate" <(ctl status) || bail "knockd did not pick the gate alone: $(ctl status)"
watch_start
sleep 1
PSS0=$(pss_of $DPIDS) SLAB0=$(slab_kb)
G_LOAD=$(load "$N") || bail "could not open $N grants"
[ "$(echo "$G_LOAD < $MTTL / 3" | bc)" = 1 ] || bail "loading took $G_LOAD s: the TTL ($MTTL s) is too short for the rest"
sleep 2
PSS1=$(pss_of $DPIDS) SLAB1=$(slab_kb)
note "loaded $N in $G_LOAD s; PSS $PSS0 -> $PSS1 kB; slab $SLAB0 -> $SLAB1 kB"
G_ONE=$(one_more)
G_CTL=$(ctl_open)
note "one more: token $G_ONE ms; knockctl open $G_CTL ms"

# restore at N grants, gate_lock = no: the flush deletes the gate, the watch writes it back
cat >"$TMP/nftables.conf" <<'NFT'
flush ruleset
table inet filter {
	chain input {
		type filter hook input priority filter; policy accept;
	}
}
NFT
restore_run() { # restore_run CMD...: REPS times; prints "table back / grants back" medians
	local i w r t0 td tb ge tl="" gl=""
	for i in $(seq "$REPS"); do
		w=$WPID
		watch_start "$TMP/rev" # this rep's events only (the main watch goes on)
		r=$WPID WPID=$w
		t0=$(now_ns)
		in_ns "$SRV" "$@" || note "$* failed"
		for _ in $(seq 100); do
			sleep 0.1
			grep -q ' newtable ' "$TMP/rev" && break
		done
		sleep 2 # the restored elements' events, as nftwatch reads them: an upper bound
		watch_stop "$r"
		# (nanosecond stamps stay strings: awk's numbers would print them as 1.8e+18)
		read -r td tb ge < <(awk -v t0="$t0" '$1 > t0 {
			if ($2 == "deltable" && td == "") td = $1
			if ($2 == "newtable" && td != "" && tb == "") tb = $1
			if ($2 == "newsetelem" && tb != "") ge = $1 }
			END { print (td == "" ? 0 : td), (tb == "" ? 0 : tb), (ge == "" ? (tb == "" ? 0 : tb) : ge) }' "$TMP/rev")
		[ "$td" != 0 ] && [ "$tb" != 0 ] || { note "restore $i: no deletion/restore seen"; continue; }
		tl+="$(echo "($tb - $td) / 1000000" | bc -l)"$'\n'
		gl+="$(echo "($ge - $td) / 1000000" | bc -l)"$'\n'
	done
	echo "$(printf '%s' "$tl" | grep . | stats | cut -d/ -f1) / $(printf '%s' "$gl" | grep . | stats | cut -d/ -f1)"
}
restore_checks() { # restore_checks LABEL: the gate and its grants are back
	[ "$(in_ns "$SRV" nft list set inet knockd ssh_6 | grep -o '2001:db8:1::' | wc -l)" -ge "$N" ] &&
		cannot_connect "$C2" "$SRV6" 22 || note "$1: the gate or its grants are NOT back"
}
G_RFLUSH=$(restore_run nft flush ruleset)
restore_checks flush
G_RRELOAD=$(restore_run nft -f "$TMP/nftables.conf")
restore_checks reload
sleep 3
# restores, as knockd logs them (each line counts those not logged before it): as many as
# flushes and reloads, no more (a restore whose own events overflowed the watch must not
# start another)
G_NREST=$(sed -n 's/.*gate: restored.*(\([0-9]*\) earlier.*/\1/p' "$TMP/knockd.log" |
	awk '{n += 1 + $1} END {print n + 0}')
note "restore at $N: flush $G_RFLUSH ms, reload $G_RRELOAD ms, $G_NREST restores"

# expiry: every mass grant's deletion against its send time + TTL
note "waiting for the $N grants to expire"
for _ in $(seq 1200); do [ "$(ngrants)" = 0 ] && break; sleep 0.5; done
sleep 1
watch_stop "$WPID"
grep -q lost "$TMP/events" && note "nftwatch lost events (ENOBUFS): some expiries not seen"
# per grant: deleted - sent - TTL, and deleted - inserted (its element's first event) - TTL
awk -v ttl="$MTTL" 'NR == FNR { sent[$1] = $2; next }
	$2 == "newsetelem" && ($4 in sent) && !($4 in ins) { ins[$4] = $1 }
	$2 == "delsetelem" && ($4 in ins) && !($4 in done) {
		done[$4] = 1
		print ($1 - sent[$4]) / 1000000 - ttl * 1000, ($1 - ins[$4]) / 1000000 - ttl * 1000 }' \
	"$TMP/sent" "$TMP/events" >"$TMP/experr"
G_EXPN=$(wc -l <"$TMP/experr")
G_EXP=$(cut -d' ' -f1 "$TMP/experr" | stats)
G_EXPI=$(cut -d' ' -f2 "$TMP/experr" | stats)
G_EXP10=$(awk '$1 > 10 || $1 < -10' "$TMP/experr" | wc -l)
G_EXPI10=$(awk '$2 > 10 || $2 < -10' "$TMP/experr" | wc -l)
G_SAMPLE=$(shuf -n 300 --random-source=<(yes) "$TMP/experr" | cut -d' ' -f1 | stats)
note "expiry error (ms, all $G_EXPN): from the send $G_EXP ($G_EXP10 outside +-10 ms), from the insertion $G_EXPI ($G_EXPI10); sample of 300: $G_SAMPLE"
scale_stop

# --- 3. the lock: a flush or a reload leaves the gate as it was ----------------------------
note "== gate_lock = yes"
in_ns "$SRV" nft delete table inet knockd
scale_conf auto yes
scale_start
load 1000 >/dev/null || bail "could not open 1000 grants"
watch_start
L_BEFORE=$(in_ns "$SRV" nft list set inet knockd ssh_6 | grep -o '2001:db8:1::' | wc -l)
L_OK=0
for _ in $(seq "$REPS"); do
	in_ns "$SRV" nft flush ruleset
	in_ns "$SRV" nft -f "$TMP/nftables.conf" || note "the reload failed with the gate locked"
	# (not fewer: a token still in the parser's queue may add one)
	[ "$(in_ns "$SRV" nft list set inet knockd ssh_6 | grep -o '2001:db8:1::' | wc -l)" -ge "$L_BEFORE" ] &&
		cannot_connect "$C2" "$SRV6" 22 && L_OK=$((L_OK + 1))
done
watch_stop "$WPID"
L_DEL=$(grep -c ' deltable ' "$TMP/events")
L_RELOADED=$(in_ns "$SRV" nft list chain inet filter input >/dev/null 2>&1 && echo yes || echo no)
note "locked: $L_OK of $REPS flush+reload pairs left the $L_BEFORE elements (or more); $L_DEL deletions seen; the reload's own table loaded: $L_RELOADED"
scale_stop
in_ns "$SRV" nft flush ruleset

# --- 2. libiptc: the same grants in the legacy xtables --------------------------------------
note "== legacy (libiptc)"
in_ns "$SRV" nft delete table inet knockd 2>/dev/null
server_firewall
scale_conf iptables no
declare -A X_LOAD X_ONE
for n in ${SCALE_LEGACY:-1000 10000}; do
	rm -rf "$TMP/state"
	scale_start
	X_LOAD[$n]=$(load "$n") || bail "could not open $n legacy grants"
	X_ONE[$n]=$(ONE_REPS=10 one_more)
	note "legacy $n: loaded in ${X_LOAD[$n]} s, one more ${X_ONE[$n]} ms"
	ctl flush >/dev/null
	scale_stop
	in_ns "$SRV" nft delete table inet knockd 2>/dev/null
done

# --- report -------------------------------------------------------------------------------
per_grant() { echo "scale=0; ($2 - $1) * 1024 / $N" | bc; }
cat <<MD
Scale and restore (tests/bench/scale.sh: \`make bench\`, or alone as
\`KNOCK_BUILD=\$PWD/build KNOCK_SRC=\$PWD tests/bench/scale.sh\`): $N concurrent grants for
distinct IPv6 addresses (TTL $MTTL s), on a server whose own ruleset drops nothing, so that
backend = auto writes each grant as one element of the gate's set ssh_6 and nothing else.

| measure (the gate, $N grants) | value |
|---|---|
| time to open all $N (tokens at ~8,000/s), s | $G_LOAD |
| one more grant, knock -> connection through (IPv6, same set), ms: median / p90 / max of ${ONE_REPS:-20} | $G_ONE |
| one more grant, \`knockctl open\` start (its exec included) -> element in the kernel, ms: median / p90 / max | $G_CTL |
| expiry error (element deleted - token sent - TTL), ms, all $G_EXPN grants: median / p90 / max | $G_EXP |
| ... grants outside +-10 ms | $G_EXP10 |
| ... a random sample of 300: median / p90 / max | $G_SAMPLE |
| expiry error (element deleted - element inserted - TTL), ms, all grants: median / p90 / max | $G_EXPI |
| ... grants outside +-10 ms | $G_EXPI10 |
| memory per grant: the daemon's PSS (writer + parser), bytes | $(per_grant "$PSS0" "$PSS1") ($PSS0 -> $PSS1 kB) |
| memory per grant: the kernel's slab, bytes (system-wide /proc/meminfo, approximate) | $(per_grant "$SLAB0" "$SLAB1") |
| restore after \`nft flush ruleset\`, gate_lock = no, ms: table back / all $N grants back, median of $REPS | $G_RFLUSH |
| restore after an nftables.conf reload (\`nft -f\`, \`flush ruleset\` first), gate_lock = no, ms: table back / grants back | $G_RRELOAD |
| restores knockd made for those $((2 * REPS)) flushes and reloads (its log) | $G_NREST |
| gate_lock = yes: flush + reload pairs after which the gate held its 1,000 grants and the bystander could not connect (gate deletions seen) | $L_OK of $REPS ($L_DEL); the reload's own table loaded: $L_RELOADED |

The same grants through libiptc (backend iptables, legacy xtables, INPUT policy DROP), where
each commit rewrites the whole table: that library's limit, not the gate's.

| legacy grants | time to open all, s | one more grant, knock -> connection through, ms: median / p90 / max of 10 |
|---|---|---|
MD
for n in ${SCALE_LEGACY:-1000 10000}; do echo "| $n | ${X_LOAD[$n]} | ${X_ONE[$n]} |"; done
