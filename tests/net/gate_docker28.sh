# The gate on a Docker 28 host, its ruleset written here by hand as Docker 28 writes it (no
# Docker daemon): filter FORWARD policy DROP with
# jumps to DOCKER-USER and DOCKER-FORWARD (DOCKER-CT, DOCKER-ISOLATION-STAGE-1/2,
# DOCKER-BRIDGE, DOCKER), raw PREROUTING's "direct access" drop, nat DOCKER with the DNAT of
# the published port 8080 to a "container" namespace (198.51.100.2 / 2001:db8:2::2, port 80)
# behind the bridge docker0. Docker accepts the published port for everyone; a forward door
# for the container's port (gated after DNAT, in the forward hook) closes it but to granted
# knockers. Then a "docker restart" (Docker deletes and re-inserts its FORWARD jumps above
# everything) and a `docker network create` during grants, and kill -9 of knockd.
# RULESET (from the .t file that sources this): iptnft (iptables-nft, Debian's default
# iptables: the bound for the reload is 100 ms) or legacy (iptables-legacy: 1 s).
# shellcheck shell=bash
. "$KNOCK_SRC/tests/net/lib.sh"
. "$KNOCK_SRC/tests/net/gate_mgr.sh"
NO_LEGACY=1 net_setup
case ${RULESET:-} in
iptnft) V=nft BOUND_MS=100 ;;
legacy) V=legacy BOUND_MS=1000 MGR_LEGACY=1 ;;
*) bail "RULESET must be iptnft or legacy" ;;
esac
command -v "iptables-$V-restore" >/dev/null || bail "iptables-$V-restore missing (make deps installs iptables)"
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

# docker_rules FAMILY(4|6): Docker 28's tables for one family (daemon.json "ipv6": true)
docker_rules() {
	local net=198.51.100.0/24 ct=198.51.100.2/32 to=198.51.100.2:80 lo=127.0.0.0/8
	[ "$1" = 6 ] && net=2001:db8:2::/64 ct=2001:db8:2::2/128 to="[2001:db8:2::2]:80" lo=::1/128
	cat <<RULES
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -d $ct ! -i docker0 -j DROP
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d $lo -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s $net ! -o docker0 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination $to
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-BRIDGE - [0:0]
:DOCKER-CT - [0:0]
:DOCKER-FORWARD - [0:0]
:DOCKER-ISOLATION-STAGE-1 - [0:0]
:DOCKER-ISOLATION-STAGE-2 - [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-FORWARD
-A DOCKER -d $ct ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
-A DOCKER ! -i docker0 -o docker0 -j DROP
-A DOCKER-BRIDGE -o docker0 -j DOCKER
-A DOCKER-CT -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A DOCKER-FORWARD -j DOCKER-CT
-A DOCKER-FORWARD -j DOCKER-ISOLATION-STAGE-1
-A DOCKER-FORWARD -j DOCKER-BRIDGE
-A DOCKER-FORWARD -i docker0 -j ACCEPT
-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
COMMIT
RULES
}
ipt() { [ "$1" = 6 ] && echo "ip6tables-$V" || echo "iptables-$V"; }
for fam in 4 6; do
	docker_rules "$fam" | in_ns "$SRV" "$(ipt "$fam")-restore" || bail "Docker 28 ($RULESET) IPv$fam rules did not load"
done
# A Docker restart: the daemon deletes its FORWARD jumps and inserts them again at the top.
docker_restart() {
	local fam t
	for fam in 4 6; do
		t=$(ipt "$fam")
		in_ns "$SRV" "$t" -D FORWARD -j DOCKER-FORWARD &&
			in_ns "$SRV" "$t" -I FORWARD -j DOCKER-FORWARD &&
			in_ns "$SRV" "$t" -D FORWARD -j DOCKER-USER &&
			in_ns "$SRV" "$t" -I FORWARD -j DOCKER-USER || return 1
	done
}
# docker network create: a new bridge's rules, and the jumps re-inserted likewise
docker_network_create() {
	local fam t
	for fam in 4 6; do
		t=$(ipt "$fam")
		in_ns "$SRV" "$t" -I DOCKER-ISOLATION-STAGE-1 -i br-1 ! -o br-1 -j DOCKER-ISOLATION-STAGE-2 &&
			in_ns "$SRV" "$t" -I DOCKER-ISOLATION-STAGE-2 -o br-1 -j DROP &&
			in_ns "$SRV" "$t" -A DOCKER-CT -o br-1 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT &&
			in_ns "$SRV" "$t" -A DOCKER-BRIDGE -o br-1 -j DOCKER &&
			in_ns "$SRV" "$t" -A DOCKER-FORWARD -i br-1 -j ACCEPT || return 1
	done
	docker_restart
}

DOOR4=app DOOR6=app6 DST4=$SRV4 DST6=$SRV6 PORT=8080 GRANT_SET4=app_4 GRANT_SET6=app6_6
# positive controls: Docker's ruleset publishes 8080 to everyone, and nothing else
check "control: the bystander reaches the published port over IPv4" \
	wait_until 20 can_connect "$C2" "$SRV4" 8080
check "control: the bystander reaches the published port over IPv6" \
	wait_until 20 can_connect "$C2" "$SRV6" 8080
check "control: direct access to the container is dropped (Docker's raw rule)" \
	eval '! in_ns "$C2" ip route add 198.51.100.0/24 via "$SRV4" || cannot_connect "$C2" 198.51.100.2 80'

SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
BACKEND=auto TTL=${TTL_S}s write_server_conf "$TMP/knockd.conf" "$CPK"
sed -i 's/^doors = ssh$/doors = ssh, app, app6/' "$TMP/knockd.conf"
printf '%s\n' '[door:app]' 'direction = forward' 'to = 198.51.100.2' 'protocol = tcp' 'ports = 80' \
	"ttl = ${TTL_S}s" '[door:app6]' 'direction = forward' 'to = 2001:db8:2::2' 'protocol = tcp' \
	'ports = 80' "ttl = ${TTL_S}s" >>"$TMP/knockd.conf"
mgr_clients "$SPK"
in_ns "$SRV" "$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" >"$TMP/t.out" 2>&1
rc=$?
check "knockd -t accepts the Docker 28 host (exit $rc)" [ "$rc" = 0 ]
sed 's/^/#   /' "$TMP/t.out"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"

mgr_matrix "Docker 28 ($RULESET)" docker_restart
start_knockd "$TMP/knockd.conf" "$TMP/knockd2.log" || bail "knockd did not restart: $(cat "$TMP/knockd2.log")"
for fam in 4 6; do
	mgr_grant "$fam" "Docker 28 ($RULESET), docker network create"
	mgr_reload "$fam" "Docker 28 ($RULESET): docker network create" docker_network_create
done

# Before the gate, the guides closed a published port with a drop in DOCKER-USER (new
# connections from the outside interface to the container's port): a grant's accept must
# then come before it (knockd writes it in DOCKER-USER), and a Docker restart puts
# DOCKER-USER's jump back on top of FORWARD.
for fam in 4 6; do
	in_ns "$SRV" "$(ipt "$fam")" -I DOCKER-USER -i eth0 -p tcp --dport 80 \
		-m conntrack --ctstate NEW -j DROP
done
check "Docker 28 ($RULESET), DOCKER-USER drop: control: the drop is in DOCKER-USER" \
	eval 'in_ns "$SRV" "$(ipt 4)-save" -t filter | grep -- "-A DOCKER-USER" | grep -q "dport 80 .*NEW -j DROP"'
for fam in 4 6; do
	mgr_grant "$fam" "Docker 28 ($RULESET), DOCKER-USER drop"
	mgr_reload "$fam" "Docker 28 ($RULESET), DOCKER-USER drop: docker restart" docker_restart
done
check "Docker 28 ($RULESET), DOCKER-USER drop: knockd's accepts are jumped to from DOCKER-USER" \
	eval 'in_ns "$SRV" "$(ipt 4)-save" -t filter | grep -q -- "-A DOCKER-USER -j KNOCKD-FORWARD"'
in_ns "$SRV" "$(ipt 4)-save" -t filter | sed 's/^/#   /'
sed 's/^/#   /' "$TMP/knockd.log" "$TMP/knockd2.log"
done_testing
