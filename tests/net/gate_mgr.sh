# The firewall-manager matrix of the gate (firewalld, Docker 28, Docker 29): what every
# scenario checks, whatever manager wrote the host's ruleset. Sourced after lib.sh by a .t
# file that has set up the manager and started knockd. The caller sets:
#   DOOR4 DOOR6    the door names the knocker asks for, per family
#   DST4 DST6      the address the knocker and the bystander connect to, per family
#   PORT           the port they connect to (a published port: the host's, before DNAT)
#   GRANT_SET4/6   the gate's set that holds a grant of the door, per family
#   BOUND_MS       the bound for a manager's reload (100 nftables, 1000 legacy)
#   MGR_LEGACY     set when the host's ruleset is legacy xtables (no nftables events: the
#                  reload is measured by looking at the kernel again and again)
# Grant timing: the doors' ttl is short (TTL_S seconds), so that the TTL checks are quick.
# shellcheck shell=bash

: "${TTL_S:=6}"
now_ms() { echo $(($(date +%s%N) / 1000000)); }
mgr_dst() { [ "$1" = 6 ] && echo "$DST6" || echo "$DST4"; }
mgr_me() { [ "$1" = 6 ] && echo "$C16" || echo "$C14"; }
mgr_door() { [ "$1" = 6 ] && echo "$DOOR6" || echo "$DOOR4"; }
mgr_set() { [ "$1" = 6 ] && echo "$GRANT_SET6" || echo "$GRANT_SET4"; }

# The knocker's client configurations (one per family: the server's address differs).
mgr_clients() { # mgr_clients SERVER_PUBKEY
	write_client_conf "$TMP/knock4.conf" "$TMP/c1.key" "$1" "$SRV4"
	write_client_conf "$TMP/knock6.conf" "$TMP/c1.key" "$1" "$SRV6"
}
mgr_knock() { # mgr_knock 4|6
	in_ns "$C1" "$KNOCK_BUILD/knock" -"$1" -c "$TMP/knock$1.conf" prod "$(mgr_door "$1")"
}
# in_gate 4|6: the knocker's address is an element of the door's set in the gate
in_gate() { in_ns "$SRV" nft list set inet knockd "$(mgr_set "$1")" 2>/dev/null | grep -q "$(mgr_me "$1")"; }
# host_rule 4|6: a grant rule of knockd's for the knocker anywhere in the host's ruleset:
# native nftables tables, or iptables-nft's (nft does not print their comments)
host_rule() {
	{
		in_ns "$SRV" nft list ruleset
		in_ns "$SRV" iptables-nft-save
		in_ns "$SRV" ip6tables-nft-save
		[ -z "${MGR_LEGACY:-}" ] || in_ns "$SRV" iptables-legacy-save
		[ -z "${MGR_LEGACY:-}" ] || in_ns "$SRV" ip6tables-legacy-save
	} 2>/dev/null | grep -q "knockd id=[0-9]* door=$(mgr_door "$1") addr=$(mgr_me "$1") "
}

# todo_check REASON DESCRIPTION COMMAND...: a check of what the product does not do yet
# (TAP TODO: printed, not counted as a failure; prove reports it when it starts to pass)
todo_check() {
	local why=$1 d=$2
	shift 2
	T_N=$((T_N + 1))
	if "$@"; then echo "ok $T_N - $d # TODO $why"; else echo "not ok $T_N - $d # TODO $why"; fi
}

# mcheck: check, or todo_check when MGR_TODO names what the product does not do yet (for
# the checks of a manager's reload)
mcheck() {
	if [ -n "${MGR_TODO:-}" ]; then todo_check "$MGR_TODO" "$@"; else check "$@"; fi
}

mgr_closed() { # mgr_closed LABEL: the bystander and the knocker, both families
	local fam
	for fam in 4 6; do
		check "$1: IPv$fam: the knocker cannot connect" cannot_connect "$C1" "$(mgr_dst "$fam")" "$PORT"
		check "$1: IPv$fam: the bystander cannot connect" cannot_connect "$C2" "$(mgr_dst "$fam")" "$PORT"
	done
}

# mgr_grant FAM LABEL: a knock; the knocker gets in, the bystander does not
mgr_grant() {
	local fam=$1 dst
	dst=$(mgr_dst "$fam")
	mgr_knock "$fam" || not_ok "$2: IPv$fam: knock exited non-zero"
	check "$2: IPv$fam: the knocker connects within 1 s of the knock" \
		wait_until 10 can_connect "$C1" "$dst" "$PORT"
	check "$2: IPv$fam: the grant is in the gate" in_gate "$fam"
	check "$2: IPv$fam: the bystander cannot connect during the grant" \
		cannot_connect "$C2" "$dst" "$PORT"
}

# whole_look FAM HAD_HOST: whether the grant is whole: the gate's element and
# (HAD_HOST=1) knockd's rule in the host's ruleset.
whole_look() {
	in_gate "$1" && { [ "$2" = 0 ] || host_rule "$1"; }
}
# The kernel's nftables events in the server's namespace, each stamped (ms).
mon_start() {
	: >"$TMP/monitor"
	ip netns exec "$SRV" nft monitor 2>/dev/null |
		perl -MTime::HiRes=time -ne '$|=1; printf "%.0f %s", time*1000, $_' >"$TMP/monitor" &
	MON_PID=$!
	PIDS+=("$MON_PID")
	sleep 0.3
}
# mon_times ADDR: from the events, grouped into transactions by nft monitor's "new
# generation N by process PID (NAME)" lines: "LAST FIX NM" (ms): the end of the last
# transaction by another process than knockd (the manager's last change), the end of the
# first transaction of knockd's after it that writes a rule or gate element for ADDR (or,
# failing that, any transaction of knockd's), -1 if knockd wrote nothing after it; NM: the
# manager's transactions. "0 0 0": no transaction at all.
mon_times() {
	perl -e 'my $a = shift; my ($last, $fix, $any, $nm, $mine) = (0, -1, -1, 0, 0);
		while (<>) {
			my ($t) = /^(\d+) / or next;
			$mine = 1 if / (add|insert) rule \S+ \S+ (knockd_|KNOCKD-)\S* .*saddr \Q$a\E /
				|| / add element inet knockd \S+ \{ \Q$a\E /;
			next unless /# new generation \d+ by process \d+ \((.*)\)/;
			if ($1 ne "knockd") { $last = $t; $nm++; ($fix, $any) = (-1, -1); }
			elsif ($nm) { $fix = $t if $fix < 0 && $mine; $any = $t if $any < 0; }
			$mine = 0;
		}
		$fix = $any if $fix < 0;
		print "$last $fix $nm\n";' "$1" "$TMP/monitor"
}
# mgr_reload FAM LABEL COMMAND...: during a grant, the manager reloads. From the kernel's
# events: how long the grant was broken, and how long knockd took to write it again once
# the manager's ruleset was back (the bound: BOUND_MS); then the grant is whole in the
# kernel, the knocker connects and the bystander does not.
mgr_reload() {
	local fam=$1 label=$2 t0 t1 had_host=0 conn dst me b f nm lag
	shift 2
	dst=$(mgr_dst "$fam") me=$(mgr_me "$fam")
	host_rule "$fam" && had_host=1
	if [ -n "${MGR_LEGACY:-}" ]; then
		mgr_reload_legacy "$fam" "$label" "$had_host" "$@"
		return
	fi
	mon_start
	t0=$(now_ms)
	"$@" >"$TMP/reload.out" 2>&1 || diag "$label: reload exited non-zero: $(cat "$TMP/reload.out")"
	t1=$(now_ms)
	wait_until 20 whole_look "$fam" "$had_host"
	wait_until 20 can_connect "$C1" "$dst" "$PORT"
	conn=$(($(now_ms) - t1))
	sleep 0.2
	kill "$MON_PID" 2>/dev/null
	read -r b f nm <<<"$(mon_times "$me")"
	if [ "$f" = -1 ]; then
		lag=0 # knockd wrote nothing after the manager's last change: whole_look says if it had to
	else
		lag=$((f - b))
	fi
	diag "$label IPv$fam: the reload took $((t1 - t0)) ms, $nm transaction(s);" \
		"$([ "$f" = -1 ] && echo "knockd wrote nothing after the manager's last one" ||
			echo "knockd's rules written again $lag ms after the manager's last one")$([ "$had_host" = 0 ] && echo " (gate only)");" \
		"first connection $conn ms after the reload"
	mcheck "$label: IPv$fam: the grant is whole again within $BOUND_MS ms of the manager's last change (${lag} ms)" \
		eval "[ $lag -le $BOUND_MS ] && whole_look $fam $had_host"
	mcheck "$label: IPv$fam: the knocker connects after the reload ($conn ms)" \
		can_connect "$C1" "$dst" "$PORT"
	check "$label: IPv$fam: the bystander cannot connect after the reload" \
		cannot_connect "$C2" "$dst" "$PORT"
}

# mgr_reload_legacy FAM LABEL HAD_HOST COMMAND...: the legacy tables have no events: from
# the reload's end, the kernel is looked at and a real connection tried again and again
# until the grant is whole and works (an upper bound: the first look that finds it so
# ends after it was).
mgr_reload_legacy() {
	local fam=$1 label=$2 had_host=$3 t0 t1 ms=-1 n=0 dst
	shift 3
	dst=$(mgr_dst "$fam")
	t0=$(now_ms)
	"$@" >"$TMP/reload.out" 2>&1 || diag "$label: reload exited non-zero: $(cat "$TMP/reload.out")"
	t1=$(now_ms)
	while [ "$n" -lt 20 ] && [ $(($(now_ms) - t1)) -lt 3000 ]; do
		n=$((n + 1))
		whole_look "$fam" "$had_host" && can_connect "$C1" "$dst" "$PORT" &&
			{ ms=$(($(now_ms) - t1)); break; }
		sleep 0.005
	done
	diag "$label IPv$fam: the reload took $((t1 - t0)) ms; the knocker connected again by $ms ms" \
		"after it (look $n, each a real connection$([ "$had_host" = 0 ] && echo ", gate only"))"
	mcheck "$label: IPv$fam: the grant is whole again within $BOUND_MS ms ($ms ms)" \
		eval "[ $ms -ge 0 ] && [ $ms -le $BOUND_MS ]"
	mcheck "$label: IPv$fam: the knocker connects after the reload" can_connect "$C1" "$dst" "$PORT"
	check "$label: IPv$fam: the bystander cannot connect after the reload" \
		cannot_connect "$C2" "$dst" "$PORT"
}

# mgr_ttl FAM LABEL: closed at the TTL, to both
mgr_ttl() {
	local dst
	dst=$(mgr_dst "$1")
	check "$2: IPv$1: closed to the knocker at the TTL" \
		wait_until $((TTL_S * 10 + 40)) cannot_connect "$C1" "$dst" "$PORT"
	check "$2: IPv$1: the element left the gate" eval '! in_gate "$1"'
	check "$2: IPv$1: the bystander cannot connect after the grant" \
		cannot_connect "$C2" "$dst" "$PORT"
}

# mgr_kill9 LABEL: kill -9 of knockd during an IPv4 grant leaves the door closed to the
# bystander (both families), the grant works until its deadline and then ends in the kernel.
mgr_kill9() {
	mgr_grant 4 "$1"
	kill -9 "$KNOCKD_PID"
	wait "$KNOCKD_PID" 2>/dev/null
	check "$1: knockd is gone" eval '! kill -0 "$KNOCKD_PID" 2>/dev/null'
	check "$1: after kill -9 the gate is still there" eval 'in_ns "$SRV" nft list table inet knockd >/dev/null'
	check "$1: after kill -9 the bystander cannot connect (IPv4)" cannot_connect "$C2" "$DST4" "$PORT"
	check "$1: after kill -9 the bystander cannot connect (IPv6)" cannot_connect "$C2" "$DST6" "$PORT"
	check "$1: after kill -9 the knocker's grant still works" can_connect "$C1" "$DST4" "$PORT"
	mgr_ttl 4 "$1: after kill -9"
}

# mgr_matrix LABEL RELOAD_COMMAND...: the whole list, for a running knockd
mgr_matrix() {
	local label=$1 fam
	shift
	mgr_closed "$label: before any grant"
	for fam in 4 6; do
		mgr_grant "$fam" "$label"
		mgr_reload "$fam" "$label: after $*" "$@"
		mgr_ttl "$fam" "$label"
	done
	mgr_kill9 "$label"
}
