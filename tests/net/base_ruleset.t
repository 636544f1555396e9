#!/bin/bash
# A base ruleset without ESTABLISHED,RELATED accepts: knockd -t warns about each chain, and
# grants then carry their own connections (NEW,ESTABLISHED in the door's chain, a reply rule
# in the opposite one), so SSH in and egress out still work during the grant; every rule of
# a grant goes when it ends. With the accepts present, -t is quiet and grants are NEW only.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
add_outside
SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
TTL=4s write_server_conf "$TMP/knockd.conf" "$CPK"
sed -i 's/^doors = ssh$/doors = ssh, web-egress/' "$TMP/knockd.conf"
printf '%s\n' '[door:web-egress]' 'direction = out' 'ports = 80,443' 'ttl = 4s' >>"$TMP/knockd.conf"
write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" "$SRV4"
all_rules() { in_ns "$SRV" iptables-legacy-save -t filter | grep -- '-A KNOCKD-' || true; }

out=$(in_ns "$SRV" "$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" 2>&1)
check "knockd -t with the usual base ruleset: no warning" eval '! grep -q warning <<<"$out"'
for t in iptables-legacy ip6tables-legacy; do
	for c in INPUT OUTPUT; do
		in_ns "$SRV" "$t" -D "$c" -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	done
done
out=$(in_ns "$SRV" "$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" 2>&1)
echo "$out" | sed 's/^/#   /'
check "knockd -t warns for INPUT and OUTPUT of both families" \
	[ "$(grep -c 'accepts no ESTABLISHED,RELATED traffic' <<<"$out")" = 4 ]

start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start"
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" prod ssh web-egress
check "ssh in works without a base ESTABLISHED accept" wait_until 10 can_connect "$C1" "$SRV4" 22
check "egress out works too" can_connect "$SRV" "$OUT4" 80
all_rules | sed 's/^/#   /'
check "the ssh grant: NEW,ESTABLISHED original direction in KNOCKD-INPUT" \
	eval 'all_rules | grep -q -- "-A KNOCKD-INPUT -s 192.0.2.10/32 .*--ctstate NEW,ESTABLISHED --ctdir ORIGINAL .*door=ssh"'
check "... and its reply rule in KNOCKD-OUTPUT" \
	eval 'all_rules | grep -q -- "-A KNOCKD-OUTPUT -d 192.0.2.10/32 -p tcp -m tcp --sport 22 .*--ctstate ESTABLISHED --ctdir REPLY .*door=ssh .* reply"'
check "the egress grant's reply rule in KNOCKD-INPUT" \
	eval 'all_rules | grep -q -- "-A KNOCKD-INPUT -p tcp -m multiport --sports 80,443 .*--ctdir REPLY .*door=web-egress .* reply"'
check "every rule of both grants goes at the deadline" wait_until 80 rules_empty all_rules
check "then ssh is closed again" cannot_connect "$C1" "$SRV4" 22
check "and egress too" cannot_connect "$SRV" "$OUT4" 80
stop_knockd
start_knockd "$TMP/knockd.conf" "$TMP/knockd2.log" || bail "knockd did not restart"
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" prod ssh
wait_until 10 can_connect "$C1" "$SRV4" 22
stop_knockd
start_knockd "$TMP/knockd.conf" "$TMP/knockd3.log" || bail "knockd did not restart"
check "a restart adopts a grant with a reply rule once" \
	grep -q 'reconcile: 2 rule(s) found, 1 grant(s) adopted, 0 removed' "$TMP/knockd3.log"
sed 's/^/#   /' "$TMP"/knockd*.log
done_testing
