#!/bin/bash
# Link types and interfaces: an 802.1Q-tagged frame seen on the parent Ethernet interface,
# a raw IP packet on a TUN device (the link type of tun and WireGuard), two interfaces in one
# daemon, "any" (Linux cooked capture), an IPv6 token behind a destination-options extension
# header, and an interface that has no address when knockd starts, gains one and loses it.
# The test kernel has no 8021q/ipip/wireguard modules: tagged frames are sent through an
# AF_PACKET socket and raw IP is written into a TUN device (tests/tools/inject.c).
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
rules_for() { grant_rules4 | grep -- "-s $1/32"; }
has_rule_for() { [ -n "$(rules_for "$1")" ]; }

in_ns "$SRV" ip tuntap add dev tun0 mode tun
in_ns "$SRV" ip link set tun0 up
ip link add eth2 netns "$C1" type veth peer name eth2 netns "$SRV"
in_ns "$C1" ip addr add 198.51.100.138/25 dev eth2
in_ns "$C1" ip link set eth2 up
in_ns "$SRV" ip link set eth2 up # no address yet

# Tokens captured on the client's wire before knockd runs, to be delivered differently.
capture() { # capture FILE KNOCK-ARGS...
	local out=$1; shift
	ip netns exec "$C1" "$KNOCK_BUILD/tests/tools/wiretap" eth0 62201 "$out" 10 \
		>"$TMP/wiretap.out" 2>&1 </dev/null &
	PIDS+=($!)
	wait_until 30 grep -q ready "$TMP/wiretap.out" || bail "wiretap did not start"
	in_ns "$C1" "$KNOCK_BUILD/knock" "$@"
	wait_until 20 [ -s "$out" ] || bail "token not captured"
}
write_client_conf "$TMP/k4.conf" "$TMP/c1.key" "$SPK" "$SRV4"
write_client_conf "$TMP/k6.conf" "$TMP/c1.key" "$SPK" "$SRV6"
capture "$TMP/tok6.bin" -c "$TMP/k6.conf" prod
capture "$TMP/tokvlan.bin" -c "$TMP/k4.conf" --addr 198.51.100.10 prod
capture "$TMP/toktun.bin" -c "$TMP/k4.conf" --addr 198.51.100.20 prod

TTL=30s write_server_conf "$TMP/knockd.conf" "$CPK"
sed -i 's/^interfaces = .*/interfaces = eth0, tun0/' "$TMP/knockd.conf"
start_knockd "$TMP/knockd.conf" "$TMP/knockd1.log" || bail "knockd did not start: $(cat "$TMP/knockd1.log")"
check "one daemon captures two interfaces" grep -q 'on eth0, tun0' "$TMP/knockd1.log"

in_ns "$C1" "$KNOCK_BUILD/tests/tools/udp6opt" "$SRV6" 62201 "$TMP/tok6.bin"
check "IPv6 token behind a destination-options header opens IPv6 ssh" \
	wait_until 10 can_connect "$C1" "$SRV6" 22
check "... for 2001:db8::10 only" [ "$(grant_rules6 | grep -c -- '-s 2001:db8::10/128')" = 1 ]

in_ns "$C1" "$KNOCK_BUILD/tests/tools/inject" vlan eth0 198.51.100.10 "$SRV4" 62201 "$TMP/tokvlan.bin"
check "802.1Q-tagged frame (VLAN 7) captured on eth0: grant for its source" \
	wait_until 10 has_rule_for 198.51.100.10
in_ns "$SRV" "$KNOCK_BUILD/tests/tools/inject" tun tun0 198.51.100.20 "$SRV4" 62201 "$TMP/toktun.bin"
check "raw IP packet on tun0: grant for its source" wait_until 10 has_rule_for 198.51.100.20
stop_knockd

sed -i 's/^interfaces = .*/interfaces = any/' "$TMP/knockd.conf"
in_ns "$SRV" iptables-legacy -F KNOCKD-INPUT # a clean slate (our own chain)
start_knockd "$TMP/knockd.conf" "$TMP/knockd2.log" || bail "knockd (any) did not start"
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/k4.conf" prod
check "interfaces = any (Linux cooked capture) opens ssh" wait_until 10 can_connect "$C1" "$SRV4" 22
stop_knockd

sed -i 's/^interfaces = .*/interfaces = eth2/' "$TMP/knockd.conf"
in_ns "$SRV" iptables-legacy -F KNOCKD-INPUT
start_knockd "$TMP/knockd.conf" "$TMP/knockd3.log"
check "knockd starts on an interface with no address" kill -0 "$KNOCKD_PID"
in_ns "$SRV" ip addr add 198.51.100.129/25 dev eth2
write_client_conf "$TMP/k2.conf" "$TMP/c1.key" "$SPK" 198.51.100.129
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/k2.conf" prod
check "after it gains an address, a knock on it opens ssh" \
	wait_until 10 can_connect "$C1" 198.51.100.129 22
in_ns "$SRV" ip addr del 198.51.100.129/25 dev eth2
sleep 0.3
in_ns "$SRV" ip addr add 198.51.100.129/25 dev eth2
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/k2.conf" prod
check "it loses and regains the address: still running, the next knock is seen" \
	wait_for 20 '[ "$(grep -c "grant door=ssh addr=198.51.100.138" "$TMP/knockd3.log")" = 2 ]'
for f in "$TMP"/knockd?.log; do sed "s|^|#   ${f##*/}: |" "$f"; done
done_testing
