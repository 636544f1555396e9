#!/bin/bash
# The gate's watch, with gate_lock = no (the table is not owned, as on kernels before 6.9):
# another process's `nft flush ruleset`, or a native nftables.conf reloaded with
# `flush ruleset`, deletes the gate during a grant; knockd sees the netlink events and
# writes the gate and the live grant back within 100 ms (measured here from the flush to the
# element being listed again), and with the native ruleset its accept in inet filter too.
. "$KNOCK_SRC/tests/net/lib.sh"
NO_LEGACY=1 net_setup
SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
now_ms() { echo $(($(date +%s%N) / 1000000)); }
has_grant() { in_ns "$SRV" nft list set inet knockd "ssh_$1" 2>/dev/null | grep -q "$2"; }
# The kernel's events in the server namespace, each stamped (ms) as nft monitor prints it.
monitor_start() {
	: >"$TMP/monitor"
	ip netns exec "$SRV" nft monitor tables 2>/dev/null |
		perl -MTime::HiRes=time -ne '$|=1; printf "%.0f %s", time*1000, $_' >"$TMP/monitor" &
	MON_PID=$!
	PIDS+=("$MON_PID")
	sleep 0.3
}
# gap: ms from the first deletion of table inet knockd to its next creation ("" if none)
gap() {
	perl -ne '$d = $1 if !defined $d && /^(\d+) delete table inet knockd/;
		if (defined $d && /^(\d+) add table inet knockd/) { print $1 - $d; exit }' "$TMP/monitor"
}
# restored SET ADDR: waits (at most 2 s) for the element, then prints the gap
restored() {
	local i
	for i in $(seq 200); do has_grant "$1" "$2" && break; sleep 0.01; done
	for i in $(seq 20); do [ -n "$(gap)" ] && break; sleep 0.05; done
	gap
}

run() { # run LABEL RELOAD_COMMAND...
	local label=$1 t0 ms fam srv me; shift
	for fam in 4 6; do
		srv=$SRV4 me=$C14
		[ "$fam" = 6 ] && srv=$SRV6 me=$C16
		write_client_conf "$TMP/knock$fam.conf" "$TMP/c1.key" "$SPK" "$srv"
		in_ns "$C1" "$KNOCK_BUILD/knock" -"$fam" -c "$TMP/knock$fam.conf" prod
		check "$label IPv$fam: the knocker connects" wait_until 10 can_connect "$C1" "$srv" 22
		monitor_start
		t0=$(now_ms)
		"$@"
		ms=$(restored "$fam" "$me")
		diag "$label IPv$fam: gate deleted -> gate back: ${ms:-?} ms (kernel events);" \
			"element listed again $(($(now_ms) - t0)) ms after the reload command started"
		check "$label IPv$fam: the gate and the grant are back within 100 ms (${ms:-?} ms)" \
			[ -n "$ms" ] && [ "$ms" -le 100 ] && has_grant "$fam" "$me"
		kill "$MON_PID" 2>/dev/null
		check "$label IPv$fam: the bystander cannot connect after the reload" \
			cannot_connect "$C2" "$srv" 22
		check "$label IPv$fam: the knocker connects after the reload" \
			wait_until 3 can_connect "$C1" "$srv" 22
	done
}

TTL=30s write_server_conf "$TMP/knockd.conf" "$CPK"
sed -i "s|^replay_window = 60s|replay_window = 60s\ngate_lock = no|" "$TMP/knockd.conf"
check "control: the bystander connects with no firewall" can_connect "$C2" "$SRV4" 22
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"
check "the bystander cannot connect with the gate" cannot_connect "$C2" "$SRV4" 22
flush() { in_ns "$SRV" nft flush ruleset; }
run "nft flush ruleset:" flush
check "knockd logged the repair and who made the change" \
	grep -q "gate: restored table inet knockd and 1 live grant(s) in [0-9]* ms after a change by nft\[" "$TMP/knockd.log"
stop_knockd

# A native nftables.conf (policy drop on input) reloaded with flush ruleset: the host's
# ruleset drops too, so the grant is also an accept in inet filter (backend nftables).
server_nft_firewall
cat >"$TMP/nftables.conf" <<'NFT'
flush ruleset
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif "lo" accept
		meta l4proto ipv6-icmp accept
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
	}
}
NFT
BACKEND=auto TTL=30s write_server_conf "$TMP/knockd2.conf" "$CPK"
sed -i "s|^replay_window = 60s|replay_window = 60s\ngate_lock = no|; s|^state_dir = .*|state_dir = $TMP/state2|" "$TMP/knockd2.conf"
start_knockd "$TMP/knockd2.conf" "$TMP/knockd2.log" || bail "knockd did not start: $(cat "$TMP/knockd2.log")"
reload_conf() { in_ns "$SRV" nft -f "$TMP/nftables.conf"; }
run "nftables.conf reload:" reload_conf
check "the grant's accept is back in inet filter" \
	wait_for 10 'in_ns "$SRV" nft list chain inet filter knockd_input 2>/dev/null | grep -q "$C16"'
check "knockd is still running" kill -0 "$KNOCKD_PID"
sed 's/^/#   /' "$TMP/knockd.log" "$TMP/knockd2.log"
done_testing
