#!/bin/bash
# Egress doors: the server (OUTPUT policy DROP) cannot start web connections; a knock for
# web-egress lets it reach 80 and 443 over IPv4 and IPv6 through KNOCKD-OUTPUT; after the
# TTL it cannot start new ones, while a connection opened inside the window keeps working.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
add_outside
SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
TTL=30s write_server_conf "$TMP/knockd.conf" "$CPK"
sed -i 's/^doors = ssh$/doors = ssh, web-egress/' "$TMP/knockd.conf"
printf '%s\n' '[door:web-egress]' 'direction = out' 'protocol = tcp' 'ports = 80,443' \
	'ttl = 5s' >>"$TMP/knockd.conf"
write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" "$SRV4"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"

check "before: the server cannot reach outside:80 (IPv4)" cannot_connect "$SRV" "$OUT4" 80
check "before: nor outside:443 (IPv6)" cannot_echo "$SRV" "$OUT6" 443
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" prod web-egress
check "after the knock: outside:80 over IPv4" wait_until 10 can_connect "$SRV" "$OUT4" 80
check "outside:443 over IPv4" can_echo "$SRV" "$OUT4" 443
check "outside:80 over IPv6" can_connect "$SRV" "$OUT6" 80
check "outside:443 over IPv6" can_echo "$SRV" "$OUT6" 443
check "the ssh door stayed closed (only web-egress was asked for)" \
	cannot_connect "$C1" "$SRV4" 22
n4=$(grant_out_rules4 | grep -c -- '-p tcp -m multiport --dports 80,443 -m conntrack --ctstate NEW -m time --datestop .* -m comment --comment "knockd id=1 door=web-egress addr=192.0.2.10 exp=[0-9]*" -j ACCEPT')
n6=$(grant_out_rules6 | grep -c -- '--dports 80,443 .*door=web-egress')
check "one KNOCKD-OUTPUT rule in each family" eval '[ "$n4" = 1 ] && [ "$n6" = 1 ]'
grant_out_rules4 | sed 's/^/#   /'

# A connection opened inside the window: a FIFO held open feeds it, its replies go to a file.
mkfifo "$TMP/in"
exec 3<>"$TMP/in"
ip netns exec "$SRV" socat "PIPE:$TMP/in!!CREATE:$TMP/out" "TCP:$OUT4:443" </dev/null >/dev/null 2>&1 &
PIDS+=($!)
echo before >&3
check "a connection opened inside the window works" wait_until 20 grep -qs before "$TMP/out"

check "the egress grant expires" wait_until 80 rules_empty grant_out_rules4
check "and leaves no IPv6 rule" rules_empty grant_out_rules6
check "after the TTL: no new connection to outside:80 (IPv4)" cannot_connect "$SRV" "$OUT4" 80
check "nor to outside:443 (IPv6)" cannot_echo "$SRV" "$OUT6" 443
echo after >&3
check "the connection opened inside the window still works after it" \
	wait_until 20 grep -qs after "$TMP/out"
exec 3>&-
sed 's/^/#   /' "$TMP/knockd.log"
done_testing
