#!/bin/bash
# The gate on a server with no firewall at all: knockd's own table (inet knockd) keeps SSH
# closed to everyone, over IPv4 and IPv6, before, during and after a grant; the knocker gets
# in during the grant only. The gate is locked (owner + persist flags, Linux 6.9+): another
# process's `nft flush ruleset` leaves it whole. kill -9 of knockd leaves it, and the grant
# in it expires in the kernel at its deadline. An exempt source passes without a knock.
. "$KNOCK_SRC/tests/net/lib.sh"
NO_LEGACY=1 net_setup
NO_LEGACY=1 add_outside
SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
TTL=6s write_server_conf "$TMP/knockd.conf" "$CPK" "" "[door:web-egress]" "direction = out" \
	"ports = 80,443" "ttl = 3s"
gate_set() { in_ns "$SRV" nft list set inet knockd "ssh_$1" 2>/dev/null | grep -c "$2" || true; }

# positive control: without knockd nothing here closes port 22
check "control: the bystander connects over IPv4 with no firewall" can_connect "$C2" "$SRV4" 22
check "control: the bystander connects over IPv6 with no firewall" can_connect "$C2" "$SRV6" 22
check "control: the server reaches outside:80 with no firewall" can_connect "$SRV" "$OUT4" 80
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"
check "the gate table exists" in_ns "$SRV" nft list table inet knockd
in_ns "$SRV" nft list table inet knockd | sed 's/^/#   /'

one_family() { # one_family 4|6 SERVER_ADDR CLIENT_ADDR
	local fam=$1 srv=$2 me=$3
	write_client_conf "$TMP/knock$fam.conf" "$TMP/c1.key" "$SPK" "$srv"
	check "IPv$fam: the client cannot connect before the knock" cannot_connect "$C1" "$srv" 22
	check "IPv$fam: the bystander cannot connect before the knock" cannot_connect "$C2" "$srv" 22
	in_ns "$C1" "$KNOCK_BUILD/knock" -"$fam" -c "$TMP/knock$fam.conf" prod ||
		not_ok "IPv$fam: knock exited non-zero"
	check "IPv$fam: the knocker connects within 1 s" wait_until 10 can_connect "$C1" "$srv" 22
	check "IPv$fam: the bystander still cannot connect" cannot_connect "$C2" "$srv" 22
	check "IPv$fam: the grant is an element of set ssh_$fam" [ "$(gate_set "$fam" "$me")" = 1 ]
	if [ "$fam" = 4 ]; then
		in_ns "$SRV" nft flush ruleset
		check "after nft flush ruleset the locked gate still holds the grant" \
			[ "$(gate_set 4 "$me")" = 1 ]
		check "after nft flush ruleset the bystander cannot connect" cannot_connect "$C2" "$srv" 22
		check "after nft flush ruleset the knocker can connect" can_connect "$C1" "$srv" 22
	fi
	check "IPv$fam: new connections fail after the TTL" wait_until 90 cannot_connect "$C1" "$srv" 22
	check "IPv$fam: the element is gone after the TTL" [ "$(gate_set "$fam" "$me")" = 0 ]
	check "IPv$fam: the bystander cannot connect after the grant" cannot_connect "$C2" "$srv" 22
}
one_family 4 "$SRV4" "$C14"
one_family 6 "$SRV6" "$C16"

# an out door: what leaves the host to its ports, closed until a grant is live
ctl() { in_ns "$SRV" "$KNOCK_BUILD/knockctl" -c "$TMP/knockd.conf" "$@"; }
check "out door: the server cannot reach outside:80 over IPv4" cannot_connect "$SRV" "$OUT4" 80
check "out door: nor outside:443 over IPv6" cannot_echo "$SRV" "$OUT6" 443
check "out door: knockctl open web-egress" eval 'ctl open web-egress --ttl 3s >/dev/null'
check "out door: during the grant outside:80 over IPv4" wait_until 10 can_connect "$SRV" "$OUT4" 80
check "out door: and outside:443 over IPv6" can_echo "$SRV" "$OUT6" 443
check "out door: the grant is the door's ports in set web-egress_p" \
	eval 'in_ns "$SRV" nft list set inet knockd web-egress_p | grep -q "elements = { 80.*443"'
check "out door: closed at the TTL (IPv4)" wait_until 60 cannot_connect "$SRV" "$OUT4" 80
check "out door: closed at the TTL (IPv6)" cannot_echo "$SRV" "$OUT6" 443

# kill -9 during a grant: the gate stays; the grant ends in the kernel at its deadline
in_ns "$C1" "$KNOCK_BUILD/knock" -4 -c "$TMP/knock4.conf" prod
check "a new grant opens" wait_until 10 can_connect "$C1" "$SRV4" 22
kill -9 "$KNOCKD_PID"; wait "$KNOCKD_PID" 2>/dev/null
wait_until 50 sh -c "! kill -0 $KNOCKD_PID 2>/dev/null"
check "after kill -9 the gate table is still there" in_ns "$SRV" nft list table inet knockd
check "after kill -9 the bystander cannot connect (IPv4)" cannot_connect "$C2" "$SRV4" 22
check "after kill -9 the bystander cannot connect (IPv6)" cannot_connect "$C2" "$SRV6" 22
check "after kill -9 the knocker's grant still works" can_connect "$C1" "$SRV4" 22
check "after kill -9 the kernel ends the grant at its deadline" \
	wait_until 90 cannot_connect "$C1" "$SRV4" 22
check "after kill -9 and the deadline the bystander still cannot connect" \
	cannot_connect "$C2" "$SRV4" 22

# a restart takes the orphaned gate back; exempt sources pass without a knock
TTL=6s BACKEND=auto write_server_conf "$TMP/knockd.conf" "$CPK" "" "[door:ssh2]" "direction = in" \
	"ports = 2222" "exempt = $C24/32, $C26/128"
sed -i "s|^replay_window = 60s|replay_window = 60s\nexempt = 192.0.2.0/28|" "$TMP/knockd.conf"
start_knockd "$TMP/knockd.conf" "$TMP/knockd2.log" || bail "knockd did not restart: $(cat "$TMP/knockd2.log")"
"$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" >"$TMP/t.out" 2>&1
sed 's/^/#   /' "$TMP/t.out"
check "knockd -t says what door ssh gates and what is exempt" \
	grep -q "gate: door ssh (in): table inet knockd drops NEW tcp to port 22 arriving on any interface but lo unless granted; exempt: 192.0.2.0/28" "$TMP/t.out"
check "[knockd] exempt: the client (192.0.2.10, in 192.0.2.0/28) connects without a knock" \
	can_connect "$C1" "$SRV4" 22
check "[knockd] exempt: the bystander (192.0.2.20) still cannot connect" cannot_connect "$C2" "$SRV4" 22
check "[knockd] exempt covers IPv4 only: the client cannot connect over IPv6" \
	cannot_connect "$C1" "$SRV6" 22
in_ns "$SRV" socat TCP6-LISTEN:2222,fork,reuseaddr,ipv6only=0 SYSTEM:'echo ok' </dev/null >/dev/null 2>&1 &
PIDS+=($!)
check "door exempt: the bystander reaches door ssh2 over IPv4" wait_until 10 can_connect "$C2" "$SRV4" 2222
check "door exempt: the bystander reaches door ssh2 over IPv6" can_connect "$C2" "$SRV6" 2222
check "door exempt: others do not (IPv6 client)" cannot_connect "$C1" "$SRV6" 2222
# backend = auto, nothing drops here but the gate: a grant is its set element alone
# (backend gate), no host rule; a restart adopts a live grant from its element (id kept).
check "nothing else drops: knockctl status names backend gate" \
	eval 'ctl status | grep -q "backend gate"'
check "a knock over IPv6 opens (the grant to adopt)" \
	eval 'in_ns "$C1" "$KNOCK_BUILD/knock" -6 -c "$TMP/knock6.conf" --ttl 30s prod'
check "... the knocker connects over IPv6" wait_until 10 can_connect "$C1" "$SRV6" 22
check "... its element is in set ssh_6" [ "$(gate_set 6 "$C16")" = 1 ]
check "... and no host rule was written for it" rules_empty grant_rules6
gid=$(ctl list | awk -v a="$C16" '$3 == a {print $1}')
check "... knockctl lists it (id $gid)" [ -n "$gid" ]
stop_knockd
start_knockd "$TMP/knockd.conf" "$TMP/knockd3.log" || bail "knockd did not restart: $(cat "$TMP/knockd3.log")"
check "after a restart the grant is adopted from the gate with its id" \
	eval '[ "$(ctl list | awk -v a="$C16" '"'"'$3 == a {print $1}'"'"')" = "$gid" ]'
check "... its element is in set ssh_6 again" [ "$(gate_set 6 "$C16")" = 1 ]
check "... the knocker still connects" can_connect "$C1" "$SRV6" 22
check "... the bystander does not" cannot_connect "$C2" "$SRV6" 22
check "knockctl revoke ends it: its element goes" \
	eval 'ctl revoke "$gid" >/dev/null && wait_until 20 [ "$(gate_set 6 "$C16")" = 0 ]'
check "... and the knocker cannot connect" cannot_connect "$C1" "$SRV6" 22
check "knockctl gate status: locked, held by the running knockd" \
	eval 'ctl gate status | grep -q "present, locked: held by the running knockd"'
check "knockctl gate remove refuses while knockd runs" eval '! ctl gate remove 2>/dev/null'
check "... and the gate is still there" in_ns "$SRV" nft list table inet knockd
stop_knockd
check "after knockd stops the gate stays" in_ns "$SRV" nft list table inet knockd
check "after knockd stops the bystander cannot connect" cannot_connect "$C2" "$SRV4" 22
check "knockctl gate status: left in place by a knockd that stopped" \
	eval 'ctl gate status | grep -q "left in place by a knockd that stopped"'
check "knockctl gate remove, knockd stopped: removed" ctl gate remove
check "... the table is gone" eval '! in_ns "$SRV" nft list table inet knockd 2>/dev/null'
check "... and the door is open again: the bystander connects" can_connect "$C2" "$SRV4" 22
check "knockd -G (the boot unit) writes the gate" in_ns "$SRV" "$KNOCK_BUILD/knockd" -G -c "$TMP/knockd.conf"
check "... the bystander cannot connect" cannot_connect "$C2" "$SRV4" 22
check "... nor the client (no grant yet, IPv6)" cannot_connect "$C1" "$SRV6" 22
check "knockd -G again leaves it as it is" \
	eval 'in_ns "$SRV" "$KNOCK_BUILD/knockd" -G -c "$TMP/knockd.conf" | grep -q "already in place"'
sed 's/^/#   /' "$TMP/knockd.log" "$TMP/knockd2.log" "$TMP/knockd3.log"
done_testing
