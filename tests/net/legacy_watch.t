#!/bin/bash
# The legacy xtables watch (issue 22 item 3): with a grant live, another process removes or
# shadows knockd's part of the legacy filter table — `iptables-legacy -F INPUT`, an
# iptables-legacy-restore of the base ruleset (knockd's chains gone), a rule inserted above
# knockd's jump that drops the door's new connections (as DOCKER-USER's jump above knockd's would shadow it),
# the grant's own rule deleted. Each time the jump, chain and grant rule are back in the
# kernel within 1 s (measured from the change to the rule seen in iptables-legacy-save,
# printed), the knocker connects again, the bystander still cannot, and knockd logs it.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup

SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
BACKEND=iptables TTL=120s write_server_conf "$TMP/knockd.conf" "$CPK"
write_client_conf "$TMP/knock4.conf" "$TMP/c1.key" "$SPK" "$SRV4"
write_client_conf "$TMP/knock6.conf" "$TMP/c1.key" "$SPK" "$SRV6"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock4.conf" prod || not_ok "knock failed"
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock6.conf" prod || not_ok "knock failed"
check "the grant opens IPv4" wait_until 20 can_connect "$C1" "$SRV4" 22
check "the grant opens IPv6" wait_until 20 can_connect "$C1" "$SRV6" 22

save4() { in_ns "$SRV" iptables-legacy-save -t filter; }
save6() { in_ns "$SRV" ip6tables-legacy-save -t filter; }
# intact SAVE_FN ADDR: the jump is INPUT's first rule and the grant's rule is in KNOCKD-INPUT
intact() {
	local s
	s=$($1)
	[ "$(grep -m1 -- '^-A INPUT ' <<<"$s")" = "-A INPUT -j KNOCKD-INPUT" ] &&
		grep -q -- "^-A KNOCKD-INPUT -s $2/.*door=ssh" <<<"$s"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# restored NAME SAVE_FN ADDR: waits (at most 3 s) for intact, prints the time, checks <= 1 s
restored() {
	local t0=$1 name=$2 ms=-1
	for _ in $(seq 150); do
		if intact "$3" "$4"; then ms=$(($(now_ms) - t0)); break; fi
		sleep 0.02
	done
	diag "$name: restored in $ms ms"
	check "$name: jump and grant rule back within 1 s ($ms ms)" eval '[ "$ms" -ge 0 ] && [ "$ms" -le 1000 ]'
}

check "before: intact in both families" eval 'intact save4 "$C14" && intact save6 "$C16"'

t0=$(now_ms)
in_ns "$SRV" iptables-legacy -F INPUT
restored "$t0" "iptables-legacy -F INPUT" save4 "$C14"
check "... the knocker connects again" wait_until 10 can_connect "$C1" "$SRV4" 22
check "... the bystander still cannot" cannot_connect "$C2" "$SRV4" 22

base="*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT"
t0=$(now_ms)
in_ns "$SRV" iptables-legacy-restore <<<"$base"
in_ns "$SRV" ip6tables-legacy-restore <<<"${base/COMMIT/-A INPUT -p ipv6-icmp -j ACCEPT
COMMIT}"
check "iptables-legacy-restore took knockd's chains" eval '! save4 | grep -q KNOCKD-INPUT'
restored "$t0" "iptables-legacy-restore (IPv4)" save4 "$C14"
restored "$t0" "ip6tables-legacy-restore (IPv6)" save6 "$C16"
check "... the knocker connects again over IPv4" wait_until 10 can_connect "$C1" "$SRV4" 22
check "... and over IPv6" wait_until 10 can_connect "$C1" "$SRV6" 22
check "... the bystander still cannot" cannot_connect "$C2" "$SRV4" 22

in_ns "$SRV" iptables-legacy -N SHADOW
# NEW only: a drop of the door's established traffic would cut every connection, granted or not
in_ns "$SRV" iptables-legacy -A SHADOW -p tcp --dport 22 -m conntrack --ctstate NEW -j DROP
t0=$(now_ms)
in_ns "$SRV" iptables-legacy -I INPUT 1 -j SHADOW
restored "$t0" "a jump above knockd's that drops the door" save4 "$C14"
check "... the knocker connects again" wait_until 10 can_connect "$C1" "$SRV4" 22
check "... the other tool's jump stays (knockd moves only its own)" eval 'save4 | grep -q -- "^-A INPUT -j SHADOW"'

t0=$(now_ms)
in_ns "$SRV" iptables-legacy -D KNOCKD-INPUT 1
restored "$t0" "the grant's rule deleted" save4 "$C14"
check "... the knocker connects again" wait_until 10 can_connect "$C1" "$SRV4" 22
check "... and exactly one rule for it" eval '[ "$(save4 | grep -c -- "-A KNOCKD-INPUT -s $C14/")" = 1 ]'

check "knockd logged the repairs" grep -q 'firewall: .*by another process.*wrote the 2 live grant' "$TMP/knockd.log"
grep 'firewall:' "$TMP/knockd.log" | sed 's/^/#   /'
check "knockd is still running" kill -0 "$KNOCKD_PID"
done_testing
