#!/bin/bash
# The grant suite against one ruleset family, chosen by the .t file that sources this:
#   RULESET=legacy  the guides' base ruleset written with iptables-legacy/ip6tables-legacy
#   RULESET=iptnft  the same written with iptables-nft/ip6tables-nft (Debian's `iptables`)
#   RULESET=inet    a native `table inet filter` loaded with nft -f
# INPUT and OUTPUT drop by policy, established traffic is accepted. knockd runs with
# backend = auto and must pick the backend whose grants take effect. Then: SSH in over
# IPv4 and IPv6 for the knocking address only, egress out over both, the rules as the
# family's own tools show them (iptables-nft-save works during a grant), expiry, a restart
# that adopts a live grant, kill -9 with the kernel closing at the deadline and the next start
# removing the dead rule; at the end the ruleset is byte-identical to the one before, apart
# from knockd's empty chains and the jumps to them (and its gate, table inet knockd). Also: a
# ruleset reload during a grant (the grant's rule goes with it; knockd writes it back: at once
# in nftables, within 1 s in the legacy tables), and, with OUTPUT
# accepting no established traffic, a grant carrying its replies through a reply rule.
. "$KNOCK_SRC/tests/net/lib.sh"
NO_LEGACY=1 # lib.sh's legacy base ruleset: only where RULESET=legacy asks for it
net_setup
add_outside
command -v nft >/dev/null && command -v iptables-nft >/dev/null ||
	bail "nft or iptables-nft missing (make deps installs nftables and iptables)"

# base_ruleset: writes the family's base ruleset; reload_ruleset: throws the whole ruleset
# away and writes it again, as `nft -f` with `flush ruleset` or iptables-restore would.
case $RULESET in
legacy | iptnft)
	v=$([ "$RULESET" = legacy ] && echo legacy || echo nft)
	IPT4=iptables-$v IPT6=ip6tables-$v
	base_ruleset() {
		server_firewall "$IPT4" "$IPT6"
		server_output_firewall "$IPT4" "$IPT6"
	}
	want_backend=$([ "$RULESET" = legacy ] && echo iptables || echo nftables)
	save() { in_ns "$SRV" "${1}tables-$v-save"; }
	;;
inet)
	base_ruleset() { server_nft_firewall output; }
	want_backend=nftables
	;;
*) bail "RULESET must be legacy, iptnft or inet" ;;
esac
reload_ruleset() {
	local t
	if [ "$RULESET" = legacy ]; then
		for t in "$IPT4" "$IPT6"; do
			in_ns "$SRV" "$t" -F
			in_ns "$SRV" "$t" -X
		done
	else
		in_ns "$SRV" nft flush ruleset
	fi
	base_ruleset
}
base_ruleset

# Our grant rules as the family's tools print them, one per line.
# in_rules 4|6, out_rules 4|6. A native inet rule without an address serves both families.
if [ "$RULESET" = inet ]; then
	nft_chain() { in_ns "$SRV" nft list chain inet filter "$1" 2>/dev/null | grep 'comment "knockd id=' || true; }
	in_rules() { nft_chain knockd_input | grep -- "ip$([ "$1" = 6 ] && echo 6) saddr" || true; }
	out_rules() { nft_chain knockd_output; }
	# in_rule_re ADDR: the rule of an SSH grant for ADDR
	in_rule_re() { echo "^	*ip6\? saddr $1 tcp dport 22 ct state new meta time < \"20[0-9-]* [0-9:]*\" counter packets [0-9]* bytes [0-9]* accept comment \"knockd id=[0-9]* door=ssh addr=$1 exp=[0-9]*\"\$"; }
	out_rule_re() { echo "tcp dport $1 ct state new meta time < \"20[0-9-]* [0-9:]*\" counter packets [0-9]* bytes [0-9]* accept comment \"knockd id=[0-9]* door=web-egress addr=$C14 exp=[0-9]*\""; }
	# The whole ruleset, without counters (nft -s).
	snapshot() { in_ns "$SRV" nft -s list ruleset 2>/dev/null; }
else
	in_rules() { save "$([ "$1" = 6 ] && echo ip6 || echo ip)" | grep -- '-A KNOCKD-INPUT' || true; }
	out_rules() { save "$([ "$1" = 6 ] && echo ip6 || echo ip)" | grep -- '-A KNOCKD-OUTPUT' || true; }
	in_rule_re() { echo "^-A KNOCKD-INPUT -s $1/\(32\|128\) -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -m time --datestop 20[0-9-]*T[0-9:]* -m comment --comment \"knockd id=[0-9]* door=ssh addr=$1 exp=[0-9]*\" -j ACCEPT\$"; }
	out_rule_re() { echo "-p tcp -m multiport --dports 80,443 -m conntrack --ctstate NEW -m time --datestop 20[0-9-]*T[0-9:]* -m comment --comment \"knockd id=[0-9]* door=web-egress addr=$C14 exp=[0-9]*\" -j ACCEPT"; }
	snapshot() {
		save ip | grep -v '^#' | sed 's/ \[[0-9]*:[0-9]*\]$//'
		save ip6 | grep -v '^#' | sed 's/ \[[0-9]*:[0-9]*\]$//'
		in_ns "$SRV" nft -s list ruleset 2>/dev/null # (its "managed by iptables-nft" warnings)
	}
fi
# A snapshot without knockd's chains (which must be empty) and the jumps to them, and without
# the gate (table inet knockd: it stays when knockd stops).
strip_ours() {
	perl -0pe 's/^table inet knockd \{.*?\n\}\n//ms; s/\n\tchain (knockd_input|knockd_output|KNOCKD-INPUT|KNOCKD-OUTPUT) \{\n\t\}\n//g;
		s/^\s*(counter )?jump (knockd_input|knockd_output|KNOCKD-INPUT|KNOCKD-OUTPUT)\n//mg;
		s/^:KNOCKD-(INPUT|OUTPUT) - *\n//mg; s/^-A (INPUT|OUTPUT) -j KNOCKD-(INPUT|OUTPUT)\n//mg'
}
all_rules() { in_rules 4; in_rules 6; out_rules 4; out_rules 6; }
legacy_tables() { in_ns "$SRV" cat /proc/net/ip_tables_names /proc/net/ip6_tables_names 2>/dev/null; }

SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
BACKEND=auto TTL=4s write_server_conf "$TMP/knockd.conf" "$CPK"
sed -i 's/^doors = ssh$/doors = ssh, web-egress/' "$TMP/knockd.conf"
printf '%s\n' '[door:web-egress]' 'direction = out' 'protocol = tcp' 'ports = 80,443' \
	'ttl = 4s' >>"$TMP/knockd.conf"
write_client_conf "$TMP/knock4.conf" "$TMP/c1.key" "$SPK" "$SRV4"
write_client_conf "$TMP/knock6.conf" "$TMP/c1.key" "$SPK" "$SRV6"
before=$(snapshot)

out=$(in_ns "$SRV" "$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" 2>&1)
check "$RULESET: knockd -t picks backend $want_backend" \
	eval '[[ $out == *"backend auto: $want_backend;"* ]]'
echo "$out" | sed 's/^/#   /'
case $RULESET in
iptnft) check "... and names iptables-nft's chains" eval '[[ $out == *"table ip filter chain INPUT -> KNOCKD-INPUT (iptables-nft)"*"table ip6 filter chain OUTPUT -> KNOCKD-OUTPUT (iptables-nft)"* ]]' ;;
inet) check "... and names the native chains" eval '[[ $out == *"table inet filter chain input -> knockd_input (native)"*"table inet filter chain output -> knockd_output (native)"* ]]' ;;
esac
start_knockd "$TMP/knockd.conf" "$TMP/knockd1.log" || bail "knockd did not start: $(cat "$TMP/knockd1.log")"
check "$RULESET: the daemon started with backend $want_backend" \
	grep -q "started: .* adopted, backend $want_backend\$" "$TMP/knockd1.log"
check "$RULESET: knockctl status names it" \
	eval '[[ "$(in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" status)" == *"backend $want_backend ("* ]]'
[ "$RULESET" = legacy ] ||
	check "$RULESET: no legacy table was created" eval '[ -z "$(legacy_tables)" ]'

ssh_family() { # ssh_family 4|6 SERVER_ADDR CLIENT_ADDR
	local fam=$1 srv=$2 me=$3
	check "IPv$fam: port 22 closed before the knock" cannot_connect "$C1" "$srv" 22
	in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock$fam.conf" prod || not_ok "IPv$fam: knock failed"
	check "IPv$fam: connectable within 1 s of the knock" wait_until 10 can_connect "$C1" "$srv" 22
	check "IPv$fam: the bystander still cannot connect" cannot_connect "$C2" "$srv" 22
	check "IPv$fam: one grant rule with deadline and comment: $(in_rules "$fam")" \
		eval '[ "$(in_rules "$fam" | grep -c -- "$(in_rule_re "$me")")" = 1 ]'
}
ssh_family 4 "$SRV4" "$C14"
ssh_family 6 "$SRV6" "$C16"

check "egress: outside:80 unreachable before the knock" cannot_connect "$SRV" "$OUT4" 80
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock4.conf" prod web-egress
check "egress: outside:80 over IPv4 after it" wait_until 10 can_connect "$SRV" "$OUT4" 80
check "egress: outside:443 over IPv6" can_echo "$SRV" "$OUT6" 443
# iptables: one multiport rule per family; natively one rule per port serving both families
check "egress: the output chain holds the grant for 80 and 443, each family once" \
	eval '[ "$(out_rules 4 | grep -c -- "$(out_rule_re 80)")" = 1 ] &&
	      [ "$(out_rules 6 | grep -c -- "$(out_rule_re 443)")" = 1 ]'
all_rules | sed 's/^/#   /'

if [ "$RULESET" = iptnft ]; then
	for cmd in iptables-nft-save ip6tables-nft-save "iptables-nft -S" "iptables-nft -L -n" \
		"ip6tables-nft -L -n -v"; do
		# shellcheck disable=SC2086 # cmd is a command with its arguments
		o=$(in_ns "$SRV" $cmd 2>&1)
		check "during the grants '$cmd' succeeds, no incompatibility, lists them" \
			eval '[ $? = 0 ] && [[ $o != *ncompatib* ]] && [[ $o == *"door=web-egress"* ]] &&
			      [[ $o == *"door=ssh"* ]]'
	done
fi

check "all grants expire: no rule left" wait_until 80 rules_empty all_rules
check "after the TTL: IPv4 port 22 closed" cannot_connect "$C1" "$SRV4" 22
check "after the TTL: IPv6 port 22 closed" cannot_connect "$C1" "$SRV6" 22
check "after the TTL: outside:80 unreachable" cannot_connect "$SRV" "$OUT4" 80

# Restart during a grant: the rule stays, the new daemon adopts it and closes it on time.
exp_of() { in_rules 4 | sed -n 's/.*exp=\([0-9]*\).*/\1/p'; }
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock4.conf" prod
check "restart: a new knock opens" wait_until 10 can_connect "$C1" "$SRV4" 22
deadline=$(exp_of)
stop_knockd
check "restart: after SIGTERM the rule and the door stay" \
	eval '[ -n "$deadline" ] && [ "$(exp_of)" = "$deadline" ] && can_connect "$C1" "$SRV4" 22'
start_knockd "$TMP/knockd.conf" "$TMP/knockd2.log" || bail "knockd did not restart"
check "restart: the new daemon adopts the live grant" \
	grep -q 'reconcile: 1 rule(s) found, 1 grant(s) adopted, 0 removed' "$TMP/knockd2.log"
check "restart: removed at its deadline" wait_until 80 rules_empty all_rules
check "restart: closed after it" cannot_connect "$C1" "$SRV4" 22

# kill -9: no daemon left to remove the rule; the kernel stops matching at the deadline.
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock4.conf" prod
check "kill -9: a knock opens" wait_until 10 can_connect "$C1" "$SRV4" 22
deadline=$(exp_of)
{ kill -9 "$KNOCKD_PID"; wait "$KNOCKD_PID"; } 2>/dev/null
wait_for 100 '[ "$(date +%s)" -gt $((deadline + 1)) ]'
check "kill -9: past the deadline the rule is still listed" [ "$(exp_of)" = "$deadline" ]
check "kill -9: but the kernel no longer matches it" cannot_connect "$C1" "$SRV4" 22
start_knockd "$TMP/knockd.conf" "$TMP/knockd3.log" || bail "knockd did not start again"
check "kill -9: the next start removes the dead rule" \
	eval 'rules_empty all_rules && grep -q "reconcile: 1 rule(s) found, 0 grant(s) adopted, 1 removed" "$TMP/knockd3.log"'

# A ruleset reload during a grant takes knockd's chains and the grant's rule with it. knockd
# sees it — in nftables through the gate's netlink watch, in the legacy tables through the
# watch that looks at them every 250 ms (tests/net/legacy_watch.t times it) — and writes the
# live grant back without a knock.
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock4.conf" prod
check "reload: a knock opens" wait_until 10 can_connect "$C1" "$SRV4" 22
reload_ruleset
check "reload: knockd sees it and writes the live grant back: open without a knock" \
	wait_until 10 can_connect "$C1" "$SRV4" 22
check "... and says so" grep -q "writing the 1 live grant(s) again" "$TMP/knockd3.log"
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock4.conf" prod web-egress
check "reload: after the next commit the live grant is there: open" \
	wait_until 10 can_connect "$C1" "$SRV4" 22
check "... one rule, as before: $(in_rules 4)" \
	eval '[ "$(in_rules 4 | grep -c -- "$(in_rule_re "$C14")")" = 1 ]'
[ "$RULESET" = legacy ] &&
	check "... and says so (the grant from before and the one just made)" \
		grep -q "writing the 2 live grant(s) again" "$TMP/knockd3.log"
check "reload: both grants expire" wait_until 80 rules_empty all_rules

# A second jump to knockd's chain, appended by hand: the next commit removes it, leaving the
# one at the top.
if [ "$RULESET" = inet ]; then
	in_ns "$SRV" nft add rule inet filter input jump knockd_input
	jumps() { in_ns "$SRV" nft list chain inet filter input | grep -c 'jump knockd_input'; }
	first_is_jump() { in_ns "$SRV" nft list chain inet filter input | grep -A1 'type filter' | grep -q 'jump knockd_input'; }
else
	in_ns "$SRV" "$IPT4" -A INPUT -j KNOCKD-INPUT
	jumps() { save ip | grep -c -- '-A INPUT -j KNOCKD-INPUT'; }
	first_is_jump() { save ip | grep -- '-A INPUT' | head -1 | grep -q -- '-j KNOCKD-INPUT'; }
fi
check "stray jump: two jumps before the next commit" [ "$(jumps)" = 2 ]
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock4.conf" prod
check "stray jump: after it, one, at the top" wait_for 20 '[ "$(jumps)" = 1 ] && first_is_jump'
check "stray jump: the grant works" wait_until 10 can_connect "$C1" "$SRV4" 22
check "stray jump: the grant expires" wait_until 80 rules_empty all_rules
stop_knockd

after=$(snapshot)
check "the ruleset is byte-identical to before, but for knockd's empty chains and jumps" \
	eval '[ "$(strip_ours <<<"$after")" = "$before" ]'
diff <(echo "$before") <(strip_ours <<<"$after") | sed 's/^/#   /'

# A base ruleset whose OUTPUT accepts no established traffic: an SSH grant must carry its
# replies itself, with a reply rule in the output chain, for the grant's lifetime.
case $RULESET in
legacy | iptnft)
	for t in "$IPT4" "$IPT6"; do
		in_ns "$SRV" "$t" -D OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	done
	;;
inet)
	h=$(in_ns "$SRV" nft -a list chain inet filter output |
		sed -n 's/.*ct state established,related accept # handle \([0-9]*\)/\1/p')
	in_ns "$SRV" nft delete rule inet filter output handle "$h"
	;;
esac
out=$(in_ns "$SRV" "$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" 2>&1)
check "output without established accept: knockd -t warns" eval '[[ $out == *"warning: "*"OUTPUT"* || $out == *"warning: "*"chain output"* ]]'
start_knockd "$TMP/knockd.conf" "$TMP/knockd4.log" || bail "knockd did not start a fourth time"
check "... port 22 closed before a knock" cannot_connect "$C1" "$SRV4" 22
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock4.conf" prod
check "... a knock opens it, the answers going out through a reply rule" \
	wait_until 10 can_connect "$C1" "$SRV4" 22
check "... the output chain holds the grant's reply rule: $(out_rules 4 | grep 'door=ssh')" \
	eval '[ "$(out_rules 4 | grep -c "door=ssh addr=$C14 exp=[0-9]* reply")" = 1 ]'
check "... which goes with the grant" wait_until 80 rules_empty all_rules
check "... closed after the TTL" cannot_connect "$C1" "$SRV4" 22
for f in "$TMP"/knockd?.log; do sed "s|^|#   ${f##*/}: |" "$f"; done
done_testing
