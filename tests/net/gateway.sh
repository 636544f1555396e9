#!/bin/bash
# Gateway doors (direction = forward) against one ruleset family, chosen by the .t file that
# sources this: RULESET=legacy (iptables-legacy), iptnft (iptables-nft), inet (a native
# `table inet filter`). The server is a gateway to an inner host (198.51.100.20,
# 2001:db8:2::20) whose port 22 answers "ok"; FORWARD and INPUT drop by policy, established
# traffic is accepted. For IPv4 and IPv6: a forward door opens inner:22 for the knocking
# address only (the bystander stays closed, the gateway's own port 22 stays closed), a
# nat_port door opens gateway:2222 -> inner:22 the same way; both close after the TTL.
# Then a forward grant survives a restart (adopted) and, after kill -9, stops matching at
# its deadline. knockd -t warns when forwarding is off.
. "$KNOCK_SRC/tests/net/lib.sh"
NO_LEGACY=1
net_setup
add_inner
command -v nft >/dev/null && command -v iptables-nft >/dev/null ||
	bail "nft or iptables-nft missing (make deps installs nftables and iptables)"

case $RULESET in legacy | iptnft | inet) ;; *) bail "RULESET must be legacy, iptnft or inet" ;; esac
case $RULESET in
legacy | iptnft)
	v=$([ "$RULESET" = legacy ] && echo legacy || echo nft)
	IPT4=iptables-$v IPT6=ip6tables-$v
	chain_firewall INPUT "$IPT4" "$IPT6"
	chain_firewall FORWARD "$IPT4" "$IPT6"
	# the nat table's PREROUTING (iptables-nft creates a table's chains on first use)
	in_ns "$SRV" "$IPT4" -t nat -P PREROUTING ACCEPT
	in_ns "$SRV" "$IPT6" -t nat -P PREROUTING ACCEPT
	want_backend=$([ "$RULESET" = legacy ] && echo iptables || echo nftables)
	save() { in_ns "$SRV" "${1}tables-$v-save" -t "$2" 2>/dev/null; }
	fwd_rules() { save "$([ "$1" = 6 ] && echo ip6 || echo ip)" filter | grep -- '-A KNOCKD-FORWARD' || true; }
	if [ "$RULESET" = legacy ]; then
		nat_rules() { save "$([ "$1" = 6 ] && echo ip6 || echo ip)" nat | grep -- '-A KNOCKD-DNAT' || true; }
	fi
	fwd_rule_re() { echo "^-A KNOCKD-FORWARD -s $1/\(32\|128\) -d $2/\(32\|128\) -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -m time --datestop 20[0-9-]*T[0-9:]* -m comment --comment \"knockd id=[0-9]* door=$3 addr=$1 exp=[0-9]*\" -j ACCEPT\$"; }
	nat_rule_re() { echo "^-A KNOCKD-DNAT -s $1/\(32\|128\) -p tcp -m tcp --dport 2222 -m time --datestop 20[0-9-]*T[0-9:]* -m comment --comment \"knockd id=[0-9]* door=$3 addr=$1 exp=[0-9]*\" -j DNAT --to-destination \[\?$2\]\?:22\$"; }
	;;&
iptnft)
	# the nftables backend keeps its DNAT chain in a table of its own: inet knockd_nat
	nat_rules() { in_ns "$SRV" nft list table inet knockd_nat 2>/dev/null | grep "dnat.*comment \"knockd id=.*addr=$([ "$1" = 6 ] && echo "$C16" || echo "$C14") " || true; }
	nat_rule_re() { echo "ip6\? saddr $1 tcp dport 2222 meta time < \"20[0-9-]* [0-9:]*\" counter packets [0-9]* bytes [0-9]* dnat ip6\? to \[\?$2\]\?:22 comment \"knockd id=[0-9]* door=$3 addr=$1 exp=[0-9]*\""; }
	;;
inet)
	in_ns "$SRV" nft -f - <<NFT
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif "lo" accept
		meta l4proto ipv6-icmp accept
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		meta l4proto ipv6-icmp accept
	}
}
NFT
	want_backend=nftables
	nft_rules() { in_ns "$SRV" nft list ruleset 2>/dev/null | grep "comment \"knockd id=.*addr=$([ "$1" = 6 ] && echo "$C16" || echo "$C14") " || true; }
	fwd_rules() { nft_rules "$1" | grep -v dnat || true; }
	nat_rules() { nft_rules "$1" | grep dnat || true; }
	fwd_rule_re() { echo "ip6\? saddr $1 ip6\? daddr $2 tcp dport 22 ct state new meta time < \"20[0-9-]* [0-9:]*\" counter packets [0-9]* bytes [0-9]* accept comment \"knockd id=[0-9]* door=$3 addr=$1 exp=[0-9]*\""; }
	nat_rule_re() { echo "ip6\? saddr $1 tcp dport 2222 meta time < \"20[0-9-]* [0-9:]*\" counter packets [0-9]* bytes [0-9]* dnat ip6\? to \[\?$2\]\?:22 comment \"knockd id=[0-9]* door=$3 addr=$1 exp=[0-9]*\""; }
	;;
esac
all_rules() { fwd_rules 4; fwd_rules 6; nat_rules 4; nat_rules 6; }

SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
BACKEND=auto TTL=4s write_server_conf "$TMP/knockd.conf" "$CPK"
sed -i 's/^doors = ssh$/doors = ssh, db-ssh, db-ssh6, db-nat, db-nat6/' "$TMP/knockd.conf"
for d in "db-ssh $IN4" "db-ssh6 $IN6" "db-nat $IN4 2222" "db-nat6 $IN6 2222"; do
	set -- $d
	printf '%s\n' "[door:$1]" 'direction = forward' "to = $2" 'protocol = tcp' 'ports = 22' \
		'ttl = 4s' ${3:+"nat_port = $3"} >>"$TMP/knockd.conf"
done
write_client_conf "$TMP/knock4.conf" "$TMP/c1.key" "$SPK" "$SRV4"
write_client_conf "$TMP/knock6.conf" "$TMP/c1.key" "$SPK" "$SRV6"

in_ns "$SRV" sysctl -q -w net.ipv4.ip_forward=0
out=$(in_ns "$SRV" "$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" 2>&1)
check "$RULESET: knockd -t warns that IPv4 forwarding is off" \
	eval '[[ $out == *"forwarding is off here (net.ipv4.ip_forward = 0)"* ]]'
in_ns "$SRV" sysctl -q -w net.ipv4.ip_forward=1
out=$(in_ns "$SRV" "$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" 2>&1)
check "$RULESET: knockd -t picks backend $want_backend, no forwarding warning" \
	eval '[[ $out == *"backend auto: $want_backend;"* ]] && [[ $out != *"forwarding is off"* ]]'
echo "$out" | sed 's/^/#   /'
start_knockd "$TMP/knockd.conf" "$TMP/knockd1.log" || bail "knockd did not start: $(cat "$TMP/knockd1.log")"

gateway_family() { # gateway_family 4|6 GATEWAY_ADDR INNER_ADDR CLIENT_ADDR
	local fam=$1 gw=$2 in=$3 me=$4 sfx=""
	[ "$fam" = 6 ] && sfx=6
	check "IPv$fam: inner:22 closed before the knock" cannot_connect "$C1" "$in" 22
	in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock$fam.conf" prod "db-ssh$sfx" ||
		not_ok "IPv$fam: knock failed"
	check "IPv$fam forward: inner:22 open within 1 s of the knock" \
		wait_until 10 can_connect "$C1" "$in" 22
	check "IPv$fam forward: the bystander still cannot reach inner:22" \
		cannot_connect "$C2" "$in" 22
	check "IPv$fam forward: the gateway's own port 22 stays closed" \
		cannot_connect "$C1" "$gw" 22
	check "IPv$fam forward: one rule with deadline and comment: $(fwd_rules "$fam")" \
		eval '[ "$(fwd_rules "$fam" | grep -c -- "$(fwd_rule_re "$me" "$in" "db-ssh$sfx")")" = 1 ]'
	check "IPv$fam DNAT: gateway:2222 closed before the knock" cannot_connect "$C1" "$gw" 2222
	in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock$fam.conf" prod "db-nat$sfx" ||
		not_ok "IPv$fam: knock failed"
	check "IPv$fam DNAT: gateway:2222 reaches inner:22 within 1 s of the knock" \
		wait_until 10 can_connect "$C1" "$gw" 2222
	check "IPv$fam DNAT: the bystander still cannot" cannot_connect "$C2" "$gw" 2222
	check "IPv$fam DNAT: one translation rule: $(nat_rules "$fam")" \
		eval '[ "$(nat_rules "$fam" | grep -c -- "$(nat_rule_re "$me" "$in" "db-nat$sfx")")" = 1 ]'
	check "IPv$fam: every rule of the family expires" \
		wait_until 80 eval '[ -z "$(fwd_rules "$fam")$(nat_rules "$fam")" ]'
	check "IPv$fam: after the TTL inner:22 is closed" cannot_connect "$C1" "$in" 22
	check "IPv$fam: after the TTL gateway:2222 is closed" cannot_connect "$C1" "$gw" 2222
}
gateway_family 4 "$SRV4" "$IN4" "$C14"
gateway_family 6 "$SRV6" "$IN6" "$C16"

# knockctl open for a forward door, and a refresh that adds no second rule.
in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" open db-ssh --addr "$C14" --ttl 4s >/dev/null
in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" open db-ssh --addr "$C14" --ttl 4s >/dev/null
check "knockctl open: inner:22 open, one rule after a refresh" \
	eval 'wait_until 10 can_connect "$C1" "$IN4" 22 && [ "$(fwd_rules 4 | grep -c "door=db-ssh ")" = 1 ]'
check "knockctl list shows it" \
	eval '[[ "$(in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" list)" == *db-ssh*"$C14"* ]]'
ctl() { in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" "$@"; }
ctl open db-nat --addr "$C14" --ttl 4s >/dev/null
id=$(ctl list | awk '$2 == "db-nat" { print $1 }')
check "knockctl open db-nat: gateway:2222 open" wait_until 10 can_connect "$C1" "$SRV4" 2222
ctl revoke "$id" >/dev/null
check "knockctl revoke $id: closed at once, its forward and DNAT rules gone" \
	eval '[ -n "$id" ] && cannot_connect "$C1" "$SRV4" 2222 && [ -z "$(fwd_rules 4 | grep db-nat)$(nat_rules 4)" ]'
check "knockctl: expired" wait_until 80 eval '[ -z "$(all_rules)" ]'

# The client side: a profile that names the gateway door, used as ssh's ProxyCommand
# (Host db / Port 2222 / ProxyCommand knock -W %h:%p): knock -W db:2222 knocks for db-nat and
# relays to gateway:2222, i.e. to the inner host's port 22.
printf '%s\n' '[host:db]' "address = $SRV4" "server_public_key = $SPK" 'spa_port = 62201' \
	'doors = db-nat' >>"$TMP/knock4.conf"
out=$(in_ns "$C1" timeout 20 "$KNOCK_BUILD/knock" -c "$TMP/knock4.conf" -W db:2222 </dev/null 2>&1)
check "knock -W db:2222 (a profile naming the door) reaches the inner host: $out" \
	eval '[[ $out == ok* ]]'
check "... and its grant expires" wait_until 80 eval '[ -z "$(all_rules)" ]'

# Restart during a forward grant: the rule stays, the new daemon adopts it and closes it.
exp_of() { fwd_rules 4 | sed -n 's/.*exp=\([0-9]*\).*/\1/p' | head -1; }
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock4.conf" prod db-nat
check "restart: a knock opens gateway:2222" wait_until 10 can_connect "$C1" "$SRV4" 2222
deadline=$(exp_of)
stop_knockd
check "restart: after SIGTERM the rules and the path stay" \
	eval '[ -n "$deadline" ] && [ "$(exp_of)" = "$deadline" ] && can_connect "$C1" "$SRV4" 2222'
start_knockd "$TMP/knockd.conf" "$TMP/knockd2.log" || bail "knockd did not restart"
check "restart: the new daemon adopts the live forward grant" \
	grep -q 'reconcile: [0-9]* rule(s) found, 1 grant(s) adopted, 0 removed' "$TMP/knockd2.log"
check "restart: removed at its deadline" wait_until 80 eval '[ -z "$(all_rules)" ]'
check "restart: closed after it" cannot_connect "$C1" "$SRV4" 2222

# kill -9: the kernel stops matching the forward and DNAT rules at their deadline.
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock4.conf" prod db-nat
check "kill -9: a knock opens" wait_until 10 can_connect "$C1" "$SRV4" 2222
deadline=$(exp_of)
{ kill -9 "$KNOCKD_PID"; wait "$KNOCKD_PID"; } 2>/dev/null
wait_for 100 '[ "$(date +%s)" -gt $((deadline + 1)) ]'
check "kill -9: past the deadline the rules are still listed" \
	eval '[ "$(exp_of)" = "$deadline" ] && [ -n "$(nat_rules 4)" ]'
check "kill -9: but the kernel no longer matches them (forward)" cannot_connect "$C1" "$IN4" 22
check "kill -9: ... nor the translation" cannot_connect "$C1" "$SRV4" 2222
start_knockd "$TMP/knockd.conf" "$TMP/knockd3.log" || bail "knockd did not start again"
check "kill -9: the next start removes the dead rules" \
	eval '[ -z "$(all_rules)" ] && grep -q "0 grant(s) adopted, [1-9][0-9]* removed" "$TMP/knockd3.log"'

# A base forward chain that accepts no established traffic: the grant carries its replies
# with a second rule (conntrack ESTABLISHED, reply direction), until its deadline.
if [ "$RULESET" = inet ]; then
	h=$(in_ns "$SRV" nft -a list chain inet filter forward | sed -n 's/.*ct state established,related accept # handle \([0-9]*\)/\1/p')
	in_ns "$SRV" nft delete rule inet filter forward handle "$h"
else
	in_ns "$SRV" "$IPT4" -D FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
fi
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock4.conf" prod db-ssh
check "no established accept in forward: a knock still opens inner:22 (reply rule)" \
	wait_until 10 can_connect "$C1" "$IN4" 22
check "... with a reply rule: $(fwd_rules 4 | grep -c reply) of them" \
	eval '[ "$(fwd_rules 4 | grep -c "exp=[0-9]* reply")" = 1 ]'
check "... all gone at the deadline" wait_until 80 eval '[ -z "$(all_rules)" ]'

# A reload that brings in the first forward doors: started without any (and without
# knockd's forward and DNAT chains), knockd creates them at the first such grant.
stop_knockd
if [ "$RULESET" = inet ]; then
	h=$(in_ns "$SRV" nft -a list chain inet filter forward | sed -n 's/.*jump knockd_forward # handle \([0-9]*\)/\1/p')
	in_ns "$SRV" nft delete rule inet filter forward handle "$h"
	in_ns "$SRV" nft delete chain inet filter knockd_forward
	in_ns "$SRV" nft delete table inet knockd_nat
else
	for t in "$IPT4" "$IPT6"; do
		in_ns "$SRV" "$t" -D FORWARD -j KNOCKD-FORWARD
		in_ns "$SRV" "$t" -X KNOCKD-FORWARD
		if [ "$RULESET" = legacy ]; then
			in_ns "$SRV" "$t" -t nat -D PREROUTING -j KNOCKD-DNAT
			in_ns "$SRV" "$t" -t nat -X KNOCKD-DNAT
		else
			in_ns "$SRV" nft delete table inet knockd_nat 2>/dev/null
		fi
	done
fi
cp "$TMP/knockd.conf" "$TMP/knockd-gw.conf"
sed -i '/^\[door:db-ssh\]/,$d; s/^doors = .*/doors = ssh/' "$TMP/knockd.conf"
check "reload: the configuration without forward doors has none" \
	eval '! grep -q forward "$TMP/knockd.conf"'
start_knockd "$TMP/knockd.conf" "$TMP/knockd4.log" || bail "knockd did not start"
cp "$TMP/knockd-gw.conf" "$TMP/knockd.conf"
ctl reload >/dev/null || not_ok "knockctl reload failed"
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock4.conf" prod db-nat
check "reload: a door brought in by a reload opens gateway:2222 (chains created)" \
	wait_until 10 can_connect "$C1" "$SRV4" 2222
check "... and expires" wait_until 80 eval '[ -z "$(all_rules)" ]'
done_testing
