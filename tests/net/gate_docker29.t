#!/bin/bash
# The gate on a Docker 29 host with its nftables firewall backend ("firewall-backend":
# "nftables"), its tables written here by hand as Docker 29 writes them (no Docker daemon;
# layout after moby's integration/network/bridge/nftablesdoc): ip and ip6 docker-bridges,
# base chains filter-FORWARD, nat-PREROUTING/OUTPUT/POSTROUTING and raw-PREROUTING, per-bridge
# chains behind verdict maps, the DNAT of the published port 8080 to a "container"
# namespace (198.51.100.2 / 2001:db8:2::2, port 80) behind the bridge docker0. Docker accepts
# the published port for everyone and has no DOCKER-USER: a forward door (gated after DNAT,
# in the forward hook of inet knockd) closes it but to granted knockers. Then a "docker
# restart" (Docker deletes its tables and writes them again) during grants, and kill -9.
. "$KNOCK_SRC/tests/net/lib.sh"
. "$KNOCK_SRC/tests/net/gate_mgr.sh"
NO_LEGACY=1 net_setup
command -v nft >/dev/null || bail "nft missing (make deps installs nftables)"
CT="$NS-ct"
ip netns add "$CT"
in_ns "$SRV" ip link add docker0 type bridge
in_ns "$SRV" ip link set docker0 up
in_ns "$SRV" ip addr add 198.51.100.1/24 dev docker0
in_ns "$SRV" ip addr add 2001:db8:2::1/64 dev docker0 nodad
ip link add vethc0 netns "$SRV" type veth peer name eth0 netns "$CT"
in_ns "$SRV" ip link set vethc0 master docker0 up
in_ns "$CT" ip link set lo up
in_ns "$CT" ip link set eth0 up
in_ns "$CT" ip addr add 198.51.100.2/24 dev eth0
in_ns "$CT" ip addr add 2001:db8:2::2/64 dev eth0 nodad
in_ns "$CT" ip route add default via 198.51.100.1
in_ns "$CT" ip -6 route add default via 2001:db8:2::1
in_ns "$SRV" sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip netns exec "$CT" socat TCP6-LISTEN:80,fork,reuseaddr,ipv6only=0 SYSTEM:'echo ok' \
	</dev/null >/dev/null 2>&1 &
PIDS+=($!)
cleanup_ct() { ip netns del "$CT" 2>/dev/null; cleanup; }
trap cleanup_ct EXIT

# docker_table FAMILY(4|6): Docker 29's table for one family (daemon.json "ipv6": true)
docker_table() {
	local f=ip net=198.51.100.0/24 ct=198.51.100.2 to=198.51.100.2:80 lo=127.0.0.0/8
	[ "$1" = 6 ] && f=ip6 net=2001:db8:2::/64 ct=2001:db8:2::2 to="[2001:db8:2::2]:80" lo=::1
	cat <<NFT
table $f docker-bridges {
	map filter-forward-in-jumps {
		type ifname : verdict
		elements = { "docker0" : jump filter-forward-in__docker0 }
	}
	map filter-forward-out-jumps {
		type ifname : verdict
		elements = { "docker0" : jump filter-forward-out__docker0 }
	}
	map nat-postrouting-in-jumps {
		type ifname : verdict
		elements = { "docker0" : jump nat-postrouting-in__docker0 }
	}
	map nat-postrouting-out-jumps {
		type ifname : verdict
		elements = { "docker0" : jump nat-postrouting-out__docker0 }
	}
	chain filter-FORWARD {
		type filter hook forward priority filter; policy accept;
		oifname vmap @filter-forward-in-jumps
		iifname vmap @filter-forward-out-jumps
	}
	chain nat-OUTPUT {
		type nat hook output priority -100; policy accept; # dstnat (this nft names it on prerouting only)
		$f daddr != $lo fib daddr type local counter jump nat-prerouting-and-output
	}
	chain nat-POSTROUTING {
		type nat hook postrouting priority srcnat; policy accept;
		iifname vmap @nat-postrouting-out-jumps
		oifname vmap @nat-postrouting-in-jumps
	}
	chain nat-PREROUTING {
		type nat hook prerouting priority dstnat; policy accept;
		fib daddr type local counter jump nat-prerouting-and-output
	}
	chain nat-prerouting-and-output {
		iifname != "docker0" tcp dport 8080 counter dnat to $to comment "DNAT"
	}
	chain raw-PREROUTING {
		type filter hook prerouting priority raw; policy accept;
		$f daddr $ct iifname != "docker0" counter drop comment "DROP DIRECT ACCESS"
	}
	chain filter-forward-in__docker0 {
		ct state established,related counter accept
		iifname "docker0" counter accept comment "ICC"
		$f daddr $ct tcp dport 80 counter accept
		counter drop comment "UNPUBLISHED PORT DROP"
	}
	chain filter-forward-out__docker0 {
		ct state established,related counter accept
		counter accept comment "OUTGOING"
	}
	chain nat-postrouting-in__docker0 {
	}
	chain nat-postrouting-out__docker0 {
		oifname != "docker0" $f saddr $net counter masquerade comment "MASQUERADE"
	}
}
NFT
}
for fam in 4 6; do
	docker_table "$fam" | in_ns "$SRV" nft -f - || bail "Docker 29 IPv$fam tables did not load"
done
# A Docker restart: the daemon deletes its tables and writes them again.
docker_restart() {
	local fam f
	for fam in 4 6; do
		f=$([ "$fam" = 6 ] && echo ip6 || echo ip)
		{ echo "delete table $f docker-bridges"; docker_table "$fam"; } | in_ns "$SRV" nft -f - || return 1
	done
}

DOOR4=app DOOR6=app6 DST4=$SRV4 DST6=$SRV6 PORT=8080 GRANT_SET4=app_4 GRANT_SET6=app6_6 BOUND_MS=100
# positive controls: Docker's ruleset publishes 8080 to everyone
check "control: the bystander reaches the published port over IPv4" \
	wait_until 20 can_connect "$C2" "$SRV4" 8080
check "control: the bystander reaches the published port over IPv6" \
	wait_until 20 can_connect "$C2" "$SRV6" 8080

SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
BACKEND=auto TTL=${TTL_S}s write_server_conf "$TMP/knockd.conf" "$CPK"
sed -i 's/^doors = ssh$/doors = ssh, app, app6/' "$TMP/knockd.conf"
printf '%s\n' '[door:app]' 'direction = forward' 'to = 198.51.100.2' 'protocol = tcp' 'ports = 80' \
	"ttl = ${TTL_S}s" '[door:app6]' 'direction = forward' 'to = 2001:db8:2::2' 'protocol = tcp' \
	'ports = 80' "ttl = ${TTL_S}s" >>"$TMP/knockd.conf"
mgr_clients "$SPK"
in_ns "$SRV" "$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" >"$TMP/t.out" 2>&1
rc=$?
sed 's/^/#   /' "$TMP/t.out"
PROBES="issue 22 item 2: auto refuses Docker 29's docker-bridges though its chains accept the published port"
todo_check "$PROBES" "knockd -t accepts the Docker 29 host (exit $rc)" [ "$rc" = 0 ]
if start_knockd "$TMP/knockd.conf" "$TMP/knockd.log"; then
	ok "knockd starts on the Docker 29 host"
	mgr_matrix "Docker 29" docker_restart
else
	todo_check "$PROBES" "knockd starts on the Docker 29 host: $(tail -1 "$TMP/knockd.log")" false
	# what does work today: the gate written by knockd -G (the boot unit), across a restart
	check "Docker 29: knockd -G writes the gate" \
		eval 'in_ns "$SRV" "$KNOCK_BUILD/knockd" -G -c "$TMP/knockd.conf" >/dev/null'
	mgr_closed "Docker 29, the gate only"
	docker_restart
	check "Docker 29: control: the restart wrote Docker's tables again" \
		eval 'in_ns "$SRV" nft list table ip6 docker-bridges | grep -q "dnat to \[2001:db8:2::2\]:80"'
	mgr_closed "Docker 29, the gate only, after a docker restart"
fi
in_ns "$SRV" nft list ruleset | grep -c . | sed 's/^/# ruleset lines: /'
sed 's/^/#   /' "$TMP/knockd.log"
done_testing
