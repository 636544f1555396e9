#!/bin/bash
# Docker on iptables-nft (issue 22 item 2), written by hand with iptables-nft-restore — no Docker daemon: the server
# is a gateway to an inner host (eth2 plays docker0, the inner host a container whose port
# 22 is published), FORWARD drops by policy and jumps first to DOCKER-USER, where the admin
# drops what comes from outside (eth0) to the published port, as Docker's guide says. A
# forward door's grant must be accepted above that drop: knockd jumps to KNOCKD-FORWARD first
# in DOCKER-USER (not FORWARD). Then a Docker restart (its FORWARD jumps deleted and put back
# first, its own chains rewritten) must leave the grant working at once, knockd's jump where
# it was (while Docker's jump to DOCKER-USER is gone, knockd still writes there).
. "$KNOCK_SRC/tests/net/lib.sh"
NO_LEGACY=1
net_setup
add_inner

docker_layout() {
	in_ns "$SRV" iptables-nft-restore <<RULES
*filter
:INPUT DROP [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-FORWARD - [0:0]
:DOCKER-USER - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-FORWARD
-A DOCKER-FORWARD -o eth2 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A DOCKER-FORWARD -i eth2 -j ACCEPT
-A DOCKER-FORWARD -o eth2 -j DOCKER
-A DOCKER -d $IN4/32 ! -i eth2 -o eth2 -p tcp -m tcp --dport 22 -j ACCEPT
-A DOCKER-USER -i eth0 -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -j DROP
COMMIT
RULES
}
# What `systemctl restart docker` does to the filter table: its jumps out of FORWARD deleted
# and inserted again at the top, its own chains flushed and rewritten; DOCKER-USER untouched.
docker_restart() {
	in_ns "$SRV" iptables-nft -D FORWARD -j DOCKER-FORWARD
	in_ns "$SRV" iptables-nft -D FORWARD -j DOCKER-USER
	in_ns "$SRV" iptables-nft -F DOCKER
	in_ns "$SRV" iptables-nft -I FORWARD 1 -j DOCKER-FORWARD
	in_ns "$SRV" iptables-nft -I FORWARD 1 -j DOCKER-USER
	in_ns "$SRV" iptables-nft -A DOCKER -d "$IN4/32" ! -i eth2 -o eth2 -p tcp --dport 22 -j ACCEPT
}
docker_layout

SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
BACKEND=auto TTL=60s write_server_conf "$TMP/knockd.conf" "$CPK"
sed -i 's/^doors = ssh$/doors = ssh, web-app/' "$TMP/knockd.conf"
printf '%s\n' '[door:web-app]' 'direction = forward' "to = $IN4" 'protocol = tcp' 'ports = 22' \
	'ttl = 60s' >>"$TMP/knockd.conf"
write_client_conf "$TMP/knock4.conf" "$TMP/c1.key" "$SPK" "$SRV4"
save4() { in_ns "$SRV" iptables-nft-save -t filter; }

out=$(in_ns "$SRV" "$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" 2>&1)
echo "$out" | sed 's/^/#   /'
check "knockd -t: forward grants go to DOCKER-USER (iptables-nft)" \
	eval '[[ $out == *"table ip filter chain DOCKER-USER -> KNOCKD-FORWARD (iptables-nft)"* ]]'
check "... and names Docker" eval '[[ $out == *"manager: Docker (iptables-nft: DOCKER-USER in table ip filter)"* ]]'
check "... and reports the forward door: gated, accepted by a grant rule jumped to from DOCKER-USER" \
	eval '[[ $out == *"door web-app IPv4: closed by the gate; granted traffic is accepted by a grant rule written to table ip filter chain KNOCKD-FORWARD (jumped to from DOCKER-USER)"* ]]'
check "before knockd: the bystander cannot reach the published port" cannot_connect "$C2" "$IN4" 22
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"
check "knockd's forward jump is DOCKER-USER's first rule" \
	eval '[ "$(save4 | grep -m1 -- "^-A DOCKER-USER ")" = "-A DOCKER-USER -j KNOCKD-FORWARD" ]'
check "... and FORWARD has none" eval '! save4 | grep -q -- "^-A FORWARD -j KNOCKD-FORWARD"'
check "... FORWARD still jumps to DOCKER-USER first" \
	eval '[ "$(save4 | grep -m1 -- "^-A FORWARD ")" = "-A FORWARD -j DOCKER-USER" ]'
check "closed before the knock" cannot_connect "$C1" "$IN4" 22
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock4.conf" prod web-app || not_ok "knock failed"
check "the grant opens the published port" wait_until 10 can_connect "$C1" "$IN4" 22
check "the bystander still cannot" cannot_connect "$C2" "$IN4" 22

docker_restart
check "after a Docker restart FORWARD jumps to DOCKER-USER first again" \
	eval '[ "$(save4 | grep -m1 -- "^-A FORWARD ")" = "-A FORWARD -j DOCKER-USER" ]'
check "... the grant works at once (knockd's jump is still DOCKER-USER's first rule)" \
	can_connect "$C1" "$IN4" 22
check "... knockd's jump is still DOCKER-USER's first rule, and FORWARD has none" \
	wait_for 10 '[ "$(save4 | grep -m1 -- "^-A DOCKER-USER ")" = "-A DOCKER-USER -j KNOCKD-FORWARD" ] && ! save4 | grep -q -- "^-A FORWARD -j KNOCKD-FORWARD"'
check "... and the bystander still cannot" cannot_connect "$C2" "$IN4" 22
# The nftables watch acts on deletions only: a rule inserted above knockd's jump is undone at
# knockd's next commit (here a re-knock), not within the watch's bound.
in_ns "$SRV" iptables-nft -I DOCKER-USER 1 -i eth0 -p tcp --dport 22 -m conntrack --ctstate NEW -j DROP
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock4.conf" prod web-app || not_ok "knock failed"
check "an admin's drop inserted above knockd's jump in DOCKER-USER: the next commit puts knockd's jump first again" \
	wait_for 10 '[ "$(save4 | grep -m1 -- "^-A DOCKER-USER ")" = "-A DOCKER-USER -j KNOCKD-FORWARD" ]'
check "... and the grant works" wait_until 10 can_connect "$C1" "$IN4" 22
in_ns "$SRV" iptables-nft-save -t filter | sed "s/^/#   /"; sed "s/^/#   /" "$TMP/knockd.log"
stop_knockd
done_testing
