#!/bin/bash
# The legacy probe follows jumps (issue 22 item 4), on layouts written by hand with
# iptables-legacy-restore: legacy ufw's (INPUT and OUTPUT only jump; the ESTABLISHED accepts
# are in ufw-before-input / ufw-before-output) and firewalld's iptables backend (a REJECT
# three jumps below INPUT). knockd -t must neither warn about a missing ESTABLISHED accept
# under ufw (positive control: the warning once the accept is gone) nor miss the drop; a
# grant under the ufw layout is a NEW-only rule with no reply companion, and opens SSH.
. "$KNOCK_SRC/tests/net/lib.sh"
NO_LEGACY=1
net_setup

# ufw_layout [EST]: the ufw layout, with the ESTABLISHED accepts unless EST=no.
ufw_layout() {
	local est='' t
	[ "${1:-yes}" = yes ] && est='-A ufw-before-input -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A ufw-before-output -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'
	for t in iptables-legacy-restore ip6tables-legacy-restore; do
		in_ns "$SRV" "$t" <<RULES
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT DROP [0:0]
:ufw-before-logging-input - [0:0]
:ufw-before-input - [0:0]
:ufw-after-input - [0:0]
:ufw-user-input - [0:0]
:ufw-before-output - [0:0]
:ufw-user-output - [0:0]
-A INPUT -j ufw-before-logging-input
-A INPUT -j ufw-before-input
-A INPUT -j ufw-after-input
-A OUTPUT -j ufw-before-output
-A ufw-before-input -i lo -j ACCEPT
$est
-A ufw-before-input -m conntrack --ctstate INVALID -j DROP
-A ufw-before-input -j ufw-user-input
-A ufw-before-output -o lo -j ACCEPT
-A ufw-before-output -j ufw-user-output
COMMIT
RULES
	done
	in_ns "$SRV" ip6tables-legacy -I ufw-before-input -p ipv6-icmp -j ACCEPT
	in_ns "$SRV" ip6tables-legacy -I ufw-before-output -p ipv6-icmp -j ACCEPT
}

# firewalld's iptables backend, IPv4: policy ACCEPT, the REJECT in IN_public_deny.
firewalld_layout() {
	in_ns "$SRV" iptables-legacy-restore <<RULES
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:INPUT_direct - [0:0]
:INPUT_ZONES - [0:0]
:IN_public - [0:0]
:IN_public_deny - [0:0]
:IN_public_allow - [0:0]
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -i lo -j ACCEPT
-A INPUT -j INPUT_direct
-A INPUT -j INPUT_ZONES
-A INPUT_ZONES -j IN_public
-A IN_public -j IN_public_deny
-A IN_public -j IN_public_allow
-A IN_public_deny -p tcp --dport 22 -j REJECT
COMMIT
RULES
}

SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
BACKEND=auto TTL=30s write_server_conf "$TMP/knockd.conf" "$CPK"
write_client_conf "$TMP/knock4.conf" "$TMP/c1.key" "$SPK" "$SRV4"
write_client_conf "$TMP/knock6.conf" "$TMP/c1.key" "$SPK" "$SRV6"
t_check() { in_ns "$SRV" "$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" 2>&1; }

ufw_layout no
out=$(t_check)
check "positive control: ufw layout without its ESTABLISHED accepts, -t warns for INPUT and OUTPUT" \
	eval '[ "$(grep -c "accepts no ESTABLISHED" <<<"$out")" = 4 ]'
echo "$out" | sed 's/^/#   /'
ufw_layout yes
out=$(t_check)
check "legacy ufw layout: -t finds the ESTABLISHED accepts in ufw-before-input/-output" \
	eval '[[ $out != *"accepts no ESTABLISHED"* ]]'
check "... and names the drop it follows (ufw-before-input's INVALID drop; policy DROP)" \
	eval '[[ $out == *"iptables-legacy filter INPUT"* ]]'
echo "$out" | sed 's/^/#   /'

start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"
check "ufw layout: port 22 closed before the knock" cannot_connect "$C1" "$SRV4" 22
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock4.conf" prod || not_ok "knock failed"
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock6.conf" prod || not_ok "knock failed"
check "ufw layout: IPv4 connectable after the knock" wait_until 10 can_connect "$C1" "$SRV4" 22
check "ufw layout: IPv6 connectable after the knock" wait_until 10 can_connect "$C1" "$SRV6" 22
check "ufw layout: the bystander cannot" cannot_connect "$C2" "$SRV4" 22
rules=$(grant_rules4; grant_rules6)
echo "$rules" | sed 's/^/#   /'
check "the grant rules match NEW only (the user chain's ESTABLISHED accept carries the rest)" \
	eval '[ "$(grep -c -- "--ctstate NEW -m time" <<<"$rules")" = 2 ]'
check "... and no reply companion rule in KNOCKD-OUTPUT" \
	eval '[ -z "$(grant_out_rules4; grant_out_rules6)" ]'
stop_knockd

for t in iptables-legacy ip6tables-legacy; do # IPv6: nothing at all
	in_ns "$SRV" "$t" -F
	in_ns "$SRV" "$t" -X
	for c in INPUT OUTPUT FORWARD; do in_ns "$SRV" "$t" -P "$c" ACCEPT; done
done
firewalld_layout
out=$(t_check)
echo "$out" | sed 's/^/#   /'
check "firewalld iptables layout: -t finds the REJECT three jumps deep, in IN_public_deny" \
	eval '[[ $out == *"iptables-legacy filter INPUT (a drop in IN_public_deny)"* ]]'
check "... and does not say nothing drops" eval '[[ $out != *"nothing drops the doors"* ]]'
check "... the door's report: IPv4 needs the grant rule, IPv6 (no ruleset) does not" \
	eval '[[ $out == *"door ssh IPv4: closed by the gate; granted traffic is accepted by a grant rule written to iptables-legacy filter KNOCKD-INPUT (jumped to from INPUT)"* ]] &&
	      [[ $out == *"door ssh IPv6: closed by the gate; granted traffic is accepted by the host already (nothing drops it)"* ]]'
in_ns "$SRV" iptables-legacy -D IN_public_deny 1
out=$(t_check)
check "positive control: without the REJECT, no drop is reported for IPv4 INPUT" \
	eval '[[ $out != *"iptables-legacy filter INPUT"* ]]'
done_testing
