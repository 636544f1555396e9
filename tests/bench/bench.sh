#!/bin/bash
# make bench: this knockd, Debian's knockd and Debian's fwknopd, one after another, in the
# same network-namespace topology (server with default-DROP INPUT on iptables-legacy, client
# and bystander on a bridge). Writes a Markdown report to stdout and tests/bench/results.md.
#   BENCH_REPS (30)  repetitions of knock -> open -> close, of client invoke -> wire, and of
#                    the knock during each kind of flood
#   BENCH_FLOOD (1000000) junk datagrams in the flood run;  BENCH_IDLE (60) idle seconds
#   BENCH_TRIAL_FLOOD (100000) datagrams of each flood trial
#   BENCH_LOSS (1000) token tries, BENCH_LOSS_SEQ (300) sequence tries over a 30 % lossy link
#   BENCH_DAEMONS ("ours debian_knockd fwknopd"); BENCH_SCALE=0 skips the scale and nftables
#   runs (quick checks of the script; never for results)
. "$KNOCK_SRC/tests/net/lib.sh"
REPS=${BENCH_REPS:-30} FLOOD=${BENCH_FLOOD:-1000000} IDLE=${BENCH_IDLE:-60} TTL=3
OUT=$KNOCK_SRC/tests/bench/results.md
B=$KNOCK_BUILD
NO_STANDIN=1 net_setup
# lib.sh's sshd stand-in, with a deep accept queue: the close probe connects every 0.5 ms
# near the close, faster than socat forks under load, and a full queue drops SYNs (which
# would read as a close).
ip netns exec "$SRV" socat TCP6-LISTEN:22,fork,reuseaddr,ipv6only=0,backlog=1024 \
	SYSTEM:'echo ok' </dev/null >/dev/null 2>&1 &
PIDS+=($!)
SPK=$(make_key server) && CPK=$(make_key c1) && RPK=$(make_key roamer) || bail "keygen failed"
note() { echo "# $*" >&2; }

# median p90 min max of numbers on stdin
stats() {
	sort -g | awk '{a[NR] = $1} END {
		if (!NR) { print "n/a"; exit }
		m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		i = int(0.9 * NR + 0.999); if (i < 1) i = 1
		printf "%.2f / %.2f / %.2f / %.2f\n", m, a[i], a[1], a[NR] }'
}
cpu_of() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $t; }
rss_of() { local t=0 p; for p in "$@"; do
	t=$((t + $(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$p/status"))); done; echo $t; }
# mem_of PID...: "PSS_SUM RSS_SUM DETAIL" in kB from /proc/PID/smaps_rollup; DETAIL is
# PSS/RSS per process, space-separated, in the order given (this knockd: writer, parser)
mem_of() { local p r ps tp=0 tr=0 det=""
	for p in "$@"; do
		read -r r ps < <(awk '/^Rss:/ {r = $2} /^Pss:/ {p = $2} END {print r, p}' "/proc/$p/smaps_rollup")
		tp=$((tp + ps)) tr=$((tr + r)) det+="${det:+ + }$ps/$r"
	done
	echo "$tp $tr $det"; }
HZ=$(getconf CLK_TCK)

# --- the three daemons -------------------------------------------------------------
ours_start() {
	TTL=${TTL}s write_server_conf "$TMP/ours.conf" "$CPK" "" "[client:roamer]" \
		"public_key = $RPK" "doors = ssh" "nat = yes"
	# OURS_KNOCKD: extra [knockd] lines (the scale run's capture_buffer)
	[ -z "${OURS_KNOCKD:-}" ] || sed -i "/^\[knockd\]/a $OURS_KNOCKD" "$TMP/ours.conf"
	write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" "$SRV4"
	rm -f "$TMP/ours.log" # start_knockd waits for "started": not the previous run's
	start_knockd "$TMP/ours.conf" "$TMP/ours.log" || bail "knockd did not start: $(cat "$TMP/ours.log")"
	DPIDS="$KNOCKD_PID $(pgrep -P "$KNOCKD_PID")"
	# one copy: the probe counts from the knock's exit, which copies would delay by 60 ms
	KNOCK=("$B/knock" --copies 1 -c "$TMP/knock.conf" prod)
	# as shipped (7 copies): the first packet is what the launch probe times
	LAUNCH=("$B/knock" -c "$TMP/knock.conf" prod)
	FLOOD_KNOCK=("$B/knock" -c "$TMP/knock.conf" prod)
	FLOOD_KINDS="random rightsize bitflip replay"
	JUNK_PORT=62201
}
debian_knockd_start() {
	cat >"$TMP/dk.conf" <<CONF
[options]
	logfile = $TMP/debian_knockd.log
[ssh]
	sequence      = 7000,8000,9000
	seq_timeout   = 5
	tcpflags      = syn
	start_command = /usr/sbin/iptables-legacy -A INPUT -s %IP% -p tcp --dport 22 -j ACCEPT
	cmd_timeout   = $TTL
	stop_command  = /usr/sbin/iptables-legacy -D INPUT -s %IP% -p tcp --dport 22 -j ACCEPT
CONF
	ip netns exec "$SRV" /usr/sbin/knockd -c "$TMP/dk.conf" -i eth0 -p "$TMP/dk.pid" \
		</dev/null >/dev/null 2>&1 &
	KNOCKD_PID=$!
	PIDS+=("$KNOCKD_PID")
	sleep 1
	DPIDS=$KNOCKD_PID
	KNOCK=(/usr/bin/knock "$SRV4" 7000 8000 9000)
	LAUNCH=("${KNOCK[@]}") FLOOD_KNOCK=("${KNOCK[@]}") FLOOD_KINDS=random
	JUNK_PORT=7000
}
fwknopd_start() {
	local keys k h
	keys=$(HOME=$TMP fwknop --key-gen 2>/dev/null)
	k=$(sed -n 's/^KEY_BASE64: //p' <<<"$keys") h=$(sed -n 's/^HMAC_KEY_BASE64: //p' <<<"$keys")
	mkdir -p "$TMP/fwk"
	printf '%s\n' "PCAP_INTF eth0;" "ENABLE_PCAP_PROMISC N;" "FIREWALL_EXE /usr/sbin/iptables-legacy;" \
		"FWKNOP_RUN_DIR $TMP/fwk;" >"$TMP/fwknopd.conf"
	printf '%s\n' "SOURCE ANY" "REQUIRE_SOURCE_ADDRESS Y" "KEY_BASE64 $k" "HMAC_KEY_BASE64 $h" \
		"OPEN_PORTS tcp/22" "FW_ACCESS_TIMEOUT $TTL" >"$TMP/access.conf"
	chmod 600 "$TMP/fwknopd.conf" "$TMP/access.conf"
	ip netns exec "$SRV" /usr/sbin/fwknopd -f -c "$TMP/fwknopd.conf" -a "$TMP/access.conf" \
		-d "$TMP/fwk/digest.cache" -p "$TMP/fwk/fwknopd.pid" -i eth0 \
		</dev/null >"$TMP/fwknopd.log" 2>&1 &
	KNOCKD_PID=$!
	PIDS+=("$KNOCKD_PID")
	sleep 2
	DPIDS=$KNOCKD_PID
	KNOCK=(env HOME="$TMP" fwknop --no-save-args -A tcp/22 -a "$C14" -D "$SRV4"
		--key-base64-rijndael "$k" --key-base64-hmac "$h" --use-hmac)
	LAUNCH=("${KNOCK[@]}") FLOOD_KNOCK=("${KNOCK[@]}") FLOOD_KINDS=random
	JUNK_PORT=62201
}

daemon_stop() {
	kill "$KNOCKD_PID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$KNOCKD_PID" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$KNOCKD_PID" 2>/dev/null
	wait "$KNOCKD_PID" 2>/dev/null
	# Nothing of one daemon may help the next: their chains and rules go (and this
	# knockd's gate, which stays when it stops and would close the others' doors).
	in_ns "$SRV" iptables-legacy -F KNOCKD-INPUT 2>/dev/null
	in_ns "$SRV" nft delete table inet knockd 2>/dev/null
	in_ns "$SRV" iptables-legacy-save | grep -- '-A INPUT -s .* --dport 22 -j ACCEPT' |
		sed 's/^-A/-D/' | while read -r rule; do
			# shellcheck disable=SC2086
			in_ns "$SRV" iptables-legacy $rule
		done
	in_ns "$SRV" iptables-legacy -F FWKNOP_INPUT 2>/dev/null
}

# --- measurements ---------------------------------------------------------------------
# knock -> open (ms) and the close error, closed - knock - TTL (ms), REPS times; prints two
# lines of statistics. The close probe tries every 5 ms until 200 ms before the TTL, then
# every 0.5 ms (probe.c): the close time is known to about 1.5 ms.
open_close() {
	local r out t0 t1 tc lat="" cls=""
	for r in $(seq "$REPS"); do
		out=$(in_ns "$C1" "$B/bench/probe" open "$SRV4" 22 10000 "${KNOCK[@]}") || {
			note "rep $r: did not open"; continue; }
		read -r t0 t1 <<<"$out"
		# the fast probing starts 200 ms before the TTL (counted from the knock)
		tc=$(in_ns "$C1" "$B/bench/probe" close "$SRV4" 22 $(((TTL + 15) * 1000)) \
			$((TTL * 1000 - 200 - (t1 - t0) / 1000000))) || {
			note "rep $r: did not close"; continue; }
		lat+="$(echo "($t1 - $t0) / 1000000" | bc -l)"$'\n'
		cls+="$(echo "($tc - $t0) / 1000000 - $TTL * 1000" | bc -l)"$'\n'
		sleep 1.2 # a clean slate for all
	done
	printf '%s' "$lat" | grep . | stats
	printf '%s' "$cls" | grep . | stats
}

# A junk flood to the knock port from the bystander with a genuine knock in its middle.
flood_run() {
	local c0 r0 fpid out t0 t1 result p cpu=""
	declare -A pc0
	for p in $DPIDS; do pc0[$p]=$(cpu_of "$p"); done
	c0=$(cpu_of $DPIDS) r0=$(rss_of $DPIDS)
	ip netns exec "$C2" "$B/tests/tools/flood" random "$SRV4" "$JUNK_PORT" "$FLOOD" \
		>/dev/null 2>&1 &
	fpid=$!
	PIDS+=("$fpid")
	sleep 0.3
	if out=$(in_ns "$C1" "$B/bench/probe" open "$SRV4" 22 10000 "${KNOCK[@]}"); then
		read -r t0 t1 <<<"$out"
		result="yes, $(echo "scale=1; ($t1 - $t0) / 1000000" | bc) ms"
	else
		result="no (10 s)"
	fi
	wait "$fpid"
	# CPU seconds per million junk datagrams, each process (this knockd: writer + parser)
	for p in $DPIDS; do
		cpu+="${cpu:+ + }$(echo "scale=2; ($(cpu_of "$p") - ${pc0[$p]}) * 1000000 / $HZ / $FLOOD" | bc)"
	done
	echo "$result | $(echo "scale=2; ($(cpu_of $DPIDS) - $c0) * 1000000 / $HZ / $FLOOD" | bc) ($cpu) | $(($(rss_of $DPIDS) - r0))"
	sleep $((TTL + 2))
}

# Client invoke -> its first packet on the wire (ns, the kernel's timestamp; tests/bench/
# launch.c), REPS times; the neighbour entry is resolved by the open/close runs before.
launch_run() {
	local r v=""
	for r in $(seq "$REPS"); do
		v+="$(in_ns "$C1" "$B/bench/launch" eth0 "$SRV4" "${LAUNCH[@]}" 2>/dev/null |
			awk '$1 ~ /^[0-9]+$/ {print $1 / 1000000}')"$'\n'
		sleep 0.2
	done
	printf '%s' "$v" | grep . | stats
}

# REPS trials of each flood kind: BENCH_TRIAL_FLOOD datagrams from the bystander, a genuine
# knock in the middle; "KIND opened/REPS median-ms" per kind. The replayed token is a real
# one, captured off the client's wire (for this knockd).
flood_trials() {
	local kind r fpid out n ms res="" tok="$TMP/token.bin"
	case " $FLOOD_KINDS " in *" replay "*)
		ip netns exec "$C1" "$B/tests/tools/wiretap" eth0 62201 "$tok" 10 >"$TMP/wt.out" 2>&1 &
		PIDS+=($!)
		wait_until 30 grep -q ready "$TMP/wt.out"
		in_ns "$C1" "${FLOOD_KNOCK[@]}" >/dev/null 2>&1
		wait_until 50 [ -s "$tok" ]
		in_ns "$SRV" "$B/knockctl" -S "$TMP/knockd.sock" flush >/dev/null ;;
	esac
	for kind in $FLOOD_KINDS; do
		n=0 ms=""
		for r in $(seq "$REPS"); do
			ip netns exec "$C2" "$B/tests/tools/flood" "$kind" "$SRV4" "$JUNK_PORT" \
				"${BENCH_TRIAL_FLOOD:-100000}" "$tok" >/dev/null 2>&1 &
			fpid=$!
			PIDS+=("$fpid")
			sleep 0.1
			if out=$(in_ns "$C1" "$B/bench/probe" open "$SRV4" 22 5000 "${FLOOD_KNOCK[@]}"); then
				n=$((n + 1)) ms+="$(awk '{print ($2 - $1) / 1000000}' <<<"$out")"$'\n'
			fi
			wait "$fpid"
			close_grant
		done
		res+="${res:+, }$kind $n/$REPS $(printf '%s' "$ms" | grep . | stats | cut -d/ -f1 | tr -d ' ')ms"
	done
	echo "$res"
}
# Takes the knock's grant away at once (this knockd: flush; the others: their rule).
close_grant() {
	if [ -S "$TMP/knockd.sock" ] && kill -0 "$KNOCKD_PID" 2>/dev/null &&
		in_ns "$SRV" "$B/knockctl" -S "$TMP/knockd.sock" flush >/dev/null 2>&1; then
		return 0
	fi
	in_ns "$SRV" iptables-legacy-save | grep -- '-A INPUT -s .* --dport 22 -j ACCEPT' |
		sed 's/^-A/-D/' | while read -r rule; do
			# shellcheck disable=SC2086
			in_ns "$SRV" iptables-legacy $rule
		done
	in_ns "$SRV" iptables-legacy -F FWKNOP_INPUT 2>/dev/null
	return 0
}

# Knocks over a link that drops 30 % of the client's packets at random (the client's bridge
# port, as tests/net/loss.t): "opened/tries", each within 1 s of the knock's exit.
loss_run() {
	local n=0 r tries=$1
	in_ns "$LAN" nft -f - <<'NFT'
table bridge loss {
	chain lossy {
		type filter hook forward priority 0; policy accept;
		iifname "v-c1" ip daddr 192.0.2.1 numgen random mod 100 < 30 drop
	}
}
NFT
	for r in $(seq "$tries"); do
		in_ns "$C1" "$B/bench/probe" open "$SRV4" 22 1000 "${LAUNCH[@]}" >/dev/null 2>&1 &&
			n=$((n + 1))
		close_grant
	done
	in_ns "$LAN" nft delete table bridge loss
	echo "$n/$tries"
}

# Idle: summed PSS and RSS (kB, from smaps_rollup) with each process's PSS/RSS, and CPU.
idle_run() {
	local c0 ps rs det
	c0=$(cpu_of $DPIDS)
	sleep "$IDLE"
	read -r ps rs det < <(mem_of $DPIDS)
	echo "$ps;$rs;$det;$(echo "scale=2; ($(cpu_of $DPIDS) - $c0) / $HZ" | bc)"
}

alive() { # alive NAME LOG: the daemon just started is still there
	kill -0 "$KNOCKD_PID" 2>/dev/null || bail "$1 did not stay up: $(tail -5 "$2" 2>/dev/null)"
}
declare -A LAT CLOSE FLOODR IDLER IP IR ID IC LAUNCHR TRIALS LOSSR
for d in ${BENCH_DAEMONS:-ours debian_knockd fwknopd}; do
	note "== $d"
	"${d}_start"
	alive "$d" "$TMP/$d.log"
	IDLER[$d]=$(idle_run)
	{ read -r LAT[$d]; read -r CLOSE[$d]; } < <(open_close)
	LAUNCHR[$d]=$(launch_run)
	note "$d: client invoke -> wire ${LAUNCHR[$d]} ms"
	FLOODR[$d]=$(flood_run)
	TRIALS[$d]=$(flood_trials)
	note "$d: flood trials ${TRIALS[$d]}"
	LOSSR[$d]=$(loss_run "$([ "$d" = ours ] && echo 100 || echo "${BENCH_LOSS_OTHERS:-100}")")
	note "$d: through 30 % loss ${LOSSR[$d]}"
	daemon_stop
done
# This knockd's tokens and authenticated sequences through 30 % loss, many tries (a sequence
# is valid once per client and step: tests/net/loss.t knocks with one client per try).
LOSS_OURS=$(LOSS_TOKENS=${BENCH_LOSS:-1000} LOSS_SEQS=${BENCH_LOSS_SEQ:-300} \
	"$KNOCK_SRC/tests/net/loss.t" 2>/dev/null | sed -n 's/^# loss: //p')
note "loss.t: $LOSS_OURS"

if [ "${BENCH_SCALE:-1}" = 0 ]; then
	for d in ${BENCH_DAEMONS:-ours debian_knockd fwknopd}; do
		echo "$d: open ${LAT[$d]}; close ${CLOSE[$d]}; invoke ${LAUNCHR[$d]}; flood ${FLOODR[$d]}; trials ${TRIALS[$d]}; loss ${LOSSR[$d]}; idle ${IDLER[$d]}"
	done
	exit 0
fi
# --- scale (this knockd): N concurrent grants, per backend ------------------------------------
SCALE_TTL=20
declare -A SOPEN SLAT SLAG
# scale_run LABEL: knockd is running; COUNT6 counts the mass grants in the kernel.
scale_run() {
	local n t0 t1 lats id out
	for n in 100 1000 10000; do
		in_ns "$SRV" "$B/knockctl" -S "$TMP/knockd.sock" flush >/dev/null
		t0=$(date +%s.%N)
		in_ns "$C1" "$B/bench/mass" "$TMP/roamer.key" "$SPK" "$SRV4" 62201 "$n" "$SCALE_TTL" >/dev/null
		for _ in $(seq 3000); do [ "$($COUNT6)" -ge "$n" ] && break; sleep 0.1; done
		t1=$(date +%s.%N)
		SOPEN[$1:$n]=$(echo "scale=2; $t1 - $t0" | bc)
		lats=""
		for _ in 1 2 3 4 5; do
			# the client's own grant must not be open already: each probe measures an open
			id=$(in_ns "$SRV" "$B/knockctl" -S "$TMP/knockd.sock" list | awk '$3 == "'"$C16"'" {print $1}')
			[ -z "$id" ] || in_ns "$SRV" "$B/knockctl" -S "$TMP/knockd.sock" revoke "$id" >/dev/null
			out=$(in_ns "$C1" "$B/bench/probe" open "$SRV6" 22 10000 "${KNOCK6[@]}") &&
				lats+="$(awk '{print ($2 - $1) / 1000000}' <<<"$out")"$'\n'
			sleep 0.3
		done
		SLAT[$1:$n]=$(printf '%s' "$lats" | grep . | stats | cut -d/ -f1)
		for _ in $(seq 3000); do [ "$($COUNT6)" = 0 ] && break; sleep 0.1; done
		SLAG[$1:$n]=$(echo "scale=2; $(date +%s.%N) - $t1 - $SCALE_TTL" | bc)
		note "scale $1 $n: open ${SOPEN[$1:$n]} s, latency ${SLAT[$1:$n]} ms, expiry lag ${SLAG[$1:$n]} s"
	done
}
note "== scale"
# Knocks over IPv6, like the mass grants: a libiptc commit then rewrites the table that holds them.
write_client_conf "$TMP/knock6.conf" "$TMP/c1.key" "$SPK" "$SRV6"
KNOCK6=("$B/knock" -6 --copies 1 -c "$TMP/knock6.conf" prod)
count_legacy() { in_ns "$SRV" ip6tables-legacy-save -t filter | grep -c 'addr=2001:db8:1::' || true; }
COUNT6=count_legacy
# 10,000 tokens at 16,000/s, near what the parser verifies: the ring must cover its pauses
# when the machine is busy (knockd.conf(5), capture_buffer); 4m is enough, set here so
# that the scale runs do not change with the default.
SCALE_KNOCKD="capture_buffer = 4m"
OURS_KNOCKD=$SCALE_KNOCKD ours_start
scale_run legacy
daemon_stop
# The same host with its base ruleset in a native nftables table: backend = auto picks nftables.
for t in iptables-legacy ip6tables-legacy; do
	in_ns "$SRV" "$t" -P INPUT ACCEPT
	in_ns "$SRV" "$t" -F INPUT
done
server_nft_firewall
# A fresh replay cache: the legacy run's 11,100 tokens are still inside replay_window, and
# 10,000 more would fill the cache (replay-full) when the runs come close together.
rm -rf "$TMP/state"
count_nft() { in_ns "$SRV" nft list chain inet filter knockd_input | grep -c 'addr=2001:db8:1::' || true; }
COUNT6=count_nft
BACKEND=auto OURS_KNOCKD=$SCALE_KNOCKD ours_start
grep -q 'backend nftables' "$TMP/ours.log" || bail "knockd did not pick nftables: $(cat "$TMP/ours.log")"
note "== ours, nftables backend, native inet table"
{ read -r LAT[nft_inet]; read -r CLOSE[nft_inet]; } < <(open_close)
scale_run nft
daemon_stop
# ... and with the base ruleset written by iptables-nft, the guides' way on Debian 11+.
in_ns "$SRV" nft flush ruleset
server_firewall iptables-nft ip6tables-nft
BACKEND=auto ours_start
grep -q 'backend nftables' "$TMP/ours.log" || bail "knockd did not pick nftables: $(cat "$TMP/ours.log")"
note "== ours, nftables backend, iptables-nft tables"
{ read -r LAT[nft_ipt]; read -r CLOSE[nft_ipt]; } < <(open_close)
daemon_stop
MICRO=$("$B/bench/micro")
micro() { sed -n "s/^$1 //p" <<<"$MICRO" | awk '{printf "%\047.0f", $1}'; }

# --- report ---------------------------------------------------------------------------
{
	echo "# Benchmarks"
	echo
	echo "Produced by \`make bench\` (tests/bench/bench.sh) on $(date -u +%Y-%m-%d), $(nproc) cores," \
		"$(sed -n 's/^model name\t: //p' /proc/cpuinfo | head -1), kernel $(uname -r)." \
		"Repetitions: $REPS; TTL ${TTL} s; flood $FLOOD random datagrams to each daemon's knock port."
	echo "Debian's knockd $(dpkg-query -W -f='${Version}' knockd) and fwknopd" \
		"$(dpkg-query -W -f='${Version}' fwknop-server) run as shipped (fwknopd's PCAP_LOOP_SLEEP is" \
		"100 ms; knockd and fwknopd exec iptables-legacy for each rule)."
	echo
	echo "| measure | this knockd | Debian knockd | fwknopd |"
	echo "|---|---|---|---|"
	echo "| knock-to-open, ms: median / p90 / min / max | ${LAT[ours]} | ${LAT[debian_knockd]} | ${LAT[fwknopd]} |"
	echo "| close error (closed - knock - TTL), ms: median / p90 / min / max | ${CLOSE[ours]} | ${CLOSE[debian_knockd]} | ${CLOSE[fwknopd]} |"
	echo "| client invoke -> first packet on the wire, ms: median / p90 / min / max | ${LAUNCHR[ours]} | ${LAUNCHR[debian_knockd]} | ${LAUNCHR[fwknopd]} |"
	echo "| knock through a link dropping 30 % at random, opened within 1 s: token (sequence) | ${LOSS_OURS:-n/a} | sequence ${LOSSR[debian_knockd]} | ${LOSSR[fwknopd]} |"
	echo "| genuine knock during each kind of flood ($REPS trials of ${BENCH_TRIAL_FLOOD:-100000} datagrams): opened/trials, median ms | ${TRIALS[ours]} | ${TRIALS[debian_knockd]} | ${TRIALS[fwknopd]} |"
	echo "| under flood: opened, how fast \| CPU s per million junk datagrams (per process) \| RSS growth kB | ${FLOODR[ours]//|/\\|} | ${FLOODR[debian_knockd]//|/\\|} | ${FLOODR[fwknopd]//|/\\|} |"
	for d in ours debian_knockd fwknopd; do IFS=';' read -r IP[$d] IR[$d] ID[$d] IC[$d] <<<"${IDLER[$d]}"; done
	echo "| idle memory, summed over the daemon's processes: PSS / RSS, kB | ${IP[ours]}/${IR[ours]} | ${IP[debian_knockd]}/${IR[debian_knockd]} | ${IP[fwknopd]}/${IR[fwknopd]} |"
	echo "| idle memory per process: PSS/RSS, kB (this knockd: rule writer + packet parser) | ${ID[ours]} | ${ID[debian_knockd]} | ${ID[fwknopd]} |"
	echo "| idle ${IDLE} s: CPU s | ${IC[ours]} | ${IC[debian_knockd]} | ${IC[fwknopd]} |"
	echo
	echo "This knockd with the nftables backend (same topology, the base ruleset in nftables):"
	echo
	echo "| measure | iptables-nft tables | native inet table |"
	echo "|---|---|---|"
	echo "| knock-to-open, ms: median / p90 / min / max | ${LAT[nft_ipt]} | ${LAT[nft_inet]} |"
	echo "| close error (closed - knock - TTL), ms: median / p90 / min / max | ${CLOSE[nft_ipt]} | ${CLOSE[nft_inet]} |"
	echo
	echo "Scale (this knockd; grants for distinct IPv6 addresses, TTL ${SCALE_TTL} s), legacy backend (ip6tables-legacy) / nftables backend (native inet table):"
	echo
	echo "| concurrent grants | time to open all, s: legacy / nftables | open latency of one more (IPv6, same table), ms, median of 5: legacy / nftables | expiry lag after the last TTL, s: legacy / nftables |"
	echo "|---|---|---|---|"
	for n in 100 1000 10000; do
		echo "| $n | ${SOPEN[legacy:$n]} / ${SOPEN[nft:$n]} | ${SLAT[legacy:$n]} / ${SLAT[nft:$n]} | ${SLAG[legacy:$n]} / ${SLAG[nft:$n]} |"
	done
	echo
	echo "In-process, one core (tests/bench/micro.c): $(micro junk-rejected-per-s) right-size junk tokens" \
		"rejected/s (hint lookup); $(micro aead-failures-per-s) tokens with a valid hint but a flipped" \
		"bit rejected/s (one AEAD open each); $(micro valid-verified-per-s) valid tokens verified/s" \
		"(Ed25519)."
	echo "This knockd's memory and CPU count both of its processes (rule writer and packet parser);" \
		"memory from /proc/PID/smaps_rollup after ${IDLE} s idle, default configuration" \
		"(capture_buffer 8m) on one interface; the scale runs use capture_buffer = 4m."
} | tee "$OUT"
