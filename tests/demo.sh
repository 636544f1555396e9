#!/bin/bash
# make demo: a full knock -> open -> expire cycle, for SSH, for egress and through the
# server as a gateway to an inner host, in network namespaces created here and removed on
# exit (also on Ctrl-C).
. "$KNOCK_SRC/tests/net/lib.sh"
START=$(date +%s.%N)
say() { printf '[%5.1fs] %s\n' "$(echo "$(date +%s.%N) - $START" | bc)" "$*"; }
probe() { # probe LABEL NS ADDR PORT
	if can_connect "$2" "$3" "$4"; then say "$1 -> $3:$4 ... OPEN"; else say "$1 -> $3:$4 ... closed"; fi
}
probe_echo() { # probe_echo LABEL NS ADDR PORT: the outside's 443 echoes what it gets
	if can_echo "$2" "$3" "$4"; then say "$1 -> $3:$4 ... OPEN"; else say "$1 -> $3:$4 ... closed"; fi
}
kernel() { say "kernel: $*"; }
rules() { grant_rules4; grant_out_rules4; }
gw_rules4() {
	in_ns "$SRV" iptables-legacy-save -t filter | grep -- '-A KNOCKD-FORWARD' || true
	in_ns "$SRV" iptables-legacy-save -t nat 2>/dev/null | grep -- '-A KNOCKD-DNAT' || true
}

command -v bc >/dev/null || bail "the demo needs bc (make deps installs it)"
say "creating namespaces: client $C14, bystander $C24, server $SRV4, outside $OUT4, inner $IN4"
net_setup
add_outside
add_inner
chain_firewall FORWARD
SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
TTL=5s write_server_conf "$TMP/knockd.conf" "$CPK"
sed -i 's/^doors = ssh$/doors = ssh, web-egress/' "$TMP/knockd.conf"
cat >>"$TMP/knockd.conf" <<CONF

[door:web-egress]
direction = out
protocol = tcp
ports = 80,443
ttl = 5s

[door:db-ssh]
direction = forward
to = $IN4
protocol = tcp
ports = 22
nat_port = 2222
ttl = 5s
CONF
sed -i 's/^doors = ssh, web-egress$/doors = ssh, web-egress, db-ssh/' "$TMP/knockd.conf"
write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" "$SRV4"
say "server: INPUT and OUTPUT policy DROP (+ established, loopback); sshd stand-in on :22"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"
say "server: knockd running (pid $KNOCKD_PID), sniffing udp/62201 on eth0, TTL 5 s"
echo
echo "== SSH: knock prod && ssh prod"
probe "client" "$C1" "$SRV4" 22
say "client: knock prod ssh"
in_ns "$C1" "$KNOCK_BUILD/knock" -v -c "$TMP/knock.conf" prod ssh 2>&1 | sed 's/^/          /'
wait_until 10 can_connect "$C1" "$SRV4" 22
probe "client" "$C1" "$SRV4" 22
probe "bystander" "$C2" "$SRV4" 22
grant_rules4 | while read -r r; do kernel "$r"; done
say "waiting for the TTL ..."
wait_until 80 rules_empty grant_rules4
kernel "no grant rules left in KNOCKD-INPUT"
probe "client" "$C1" "$SRV4" 22
echo
echo "== Egress: a knock lets the server itself reach 80/443 (e.g. for apt)"
probe "server" "$SRV" "$OUT4" 80
say "client: knock prod web-egress"
in_ns "$C1" "$KNOCK_BUILD/knock" -v -c "$TMP/knock.conf" prod web-egress 2>&1 | sed 's/^/          /'
wait_until 10 can_connect "$SRV" "$OUT4" 80
probe "server" "$SRV" "$OUT4" 80
probe_echo "server" "$SRV" "$OUT4" 443
grant_out_rules4 | while read -r r; do kernel "$r"; done
say "waiting for the TTL ..."
wait_until 80 rules_empty grant_out_rules4
kernel "no grant rules left in KNOCKD-OUTPUT"
probe "server" "$SRV" "$OUT4" 80
echo
echo "== Gateway: knock prod db-ssh && ssh -p 2222 prod (to the inner host $IN4:22)"
probe "client" "$C1" "$SRV4" 2222
say "client: knock prod db-ssh"
in_ns "$C1" "$KNOCK_BUILD/knock" -v -c "$TMP/knock.conf" prod db-ssh 2>&1 | sed 's/^/          /'
wait_until 10 can_connect "$C1" "$SRV4" 2222
probe "client" "$C1" "$SRV4" 2222
probe "bystander" "$C2" "$SRV4" 2222
probe "client (the gateway's own ssh)" "$C1" "$SRV4" 22
gw_rules4 | while read -r r; do kernel "$r"; done
say "waiting for the TTL ..."
wait_until 80 rules_empty gw_rules4
kernel "no grant rules left in KNOCKD-FORWARD and KNOCKD-DNAT"
probe "client" "$C1" "$SRV4" 2222
echo
echo "== knockd log"
sed 's/^/          /' "$TMP/knockd.log"
say "removing namespaces and processes"
