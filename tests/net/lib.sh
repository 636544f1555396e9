# Network test library: namespaces, veth pairs and a bridge, all created here and deleted
# by the EXIT trap. Only 192.0.2.0/24 and 2001:db8::/32 are used. Every process started is
# recorded by PID and killed by PID; every wait is bounded in count and time.
#
# Topology (NS = a per-run prefix):
#   NS-lan: bridge br0 --+-- NS-srv  192.0.2.1   2001:db8::1   (knockd, sshd stand-in on 22)
#                        +-- NS-c1   192.0.2.10  2001:db8::10  (the knocking client)
#                        +-- NS-c2   192.0.2.20  2001:db8::20  (a bystander)
#   NS-srv eth1 203.0.113.1 2001:db8:1::1 ---- NS-out eth0 203.0.113.80 2001:db8:1::80
#                                              (web servers on 80 and 443; add_outside)
#   NS-srv eth2 198.51.100.1 2001:db8:2::1 ---- NS-in eth0 198.51.100.20 2001:db8:2::20
#                                              (an inner host behind the server as a
#                                              gateway, "ok" on 22; add_inner)
# shellcheck shell=bash

set -u
: "${KNOCK_BUILD:?set KNOCK_BUILD to the build directory}"
: "${KNOCK_SRC:?set KNOCK_SRC to the source tree}"

NS="kn$$"
SRV="$NS-srv" C1="$NS-c1" C2="$NS-c2" LAN="$NS-lan"
SRV4=192.0.2.1 C14=192.0.2.10 C24=192.0.2.20
SRV6=2001:db8::1 C16=2001:db8::10 C26=2001:db8::20
OUT="$NS-out" OUT4=203.0.113.80 OUT6=2001:db8:1::80
INNER="$NS-in" IN4=198.51.100.20 IN6=2001:db8:2::20
TMP=$(mktemp -d /tmp/knocktest.XXXXXX)
PIDS=()
T_N=0 T_FAIL=0

ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*"; }
check() { # check DESCRIPTION COMMAND...
	local d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
diag() { echo "# $*"; }
done_testing() { echo "1..$T_N"; [ "$T_FAIL" -eq 0 ]; }
bail() { echo "Bail out! $*"; exit 1; }

in_ns() { local n=$1; shift; ip netns exec "$n" "$@"; }

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null
	done
	for n in "$SRV" "$C1" "$C2" "$LAN" "$OUT" "$INNER"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$TMP"
}

require_root() {
	[ "$(id -u)" = 0 ] || bail "network tests need root (namespaces, iptables)"
	for t in ip iptables-legacy iptables-legacy-save ip6tables-legacy socat; do
		command -v "$t" >/dev/null || bail "missing $t (run make deps)"
	done
}

add_host() { # add_host NAMESPACE IFNAME V4 V6
	ip netns add "$1"
	local port="v-${1##*-}" # the bridge side, named after the host: v-srv, v-c1, ...
	ip link add "$2" netns "$1" type veth peer name "$port" netns "$LAN"
	in_ns "$1" ip link set lo up
	in_ns "$1" ip link set "$2" up
	in_ns "$1" ip addr add "$3/24" dev "$2"
	in_ns "$1" ip addr add "$4/64" dev "$2" nodad
	in_ns "$LAN" ip link set "$port" master br0 up
}

# The guides' base ruleset for one chain: policy DROP, established traffic and loopback
# accepted. chain_firewall INPUT|OUTPUT [IPTABLES IP6TABLES]: legacy by default.
chain_firewall() {
	local c=$1 t io=-i v4=${2:-iptables-legacy} v6=${3:-ip6tables-legacy}
	[ "$c" = OUTPUT ] && io=-o
	for t in "$v4" "$v6"; do
		in_ns "$SRV" "$t" -P "$c" DROP
		in_ns "$SRV" "$t" -A "$c" "$io" lo -j ACCEPT
		in_ns "$SRV" "$t" -A "$c" -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
	done
	in_ns "$SRV" "$v6" -A "$c" -p ipv6-icmp -j ACCEPT # neighbour discovery
}
server_firewall() { chain_firewall INPUT "$@"; }
server_output_firewall() { chain_firewall OUTPUT "$@"; } # for egress doors
# The same as a native nftables table (`inet filter`, as nft -f loads it): input, and with
# `server_nft_firewall output` the output chain too.
server_nft_firewall() {
	local out=""
	[ "${1:-}" = output ] && out='
	chain output {
		type filter hook output priority filter; policy drop;
		ct state established,related accept
		oif "lo" accept
		meta l4proto ipv6-icmp accept
	}'
	in_ns "$SRV" nft -f - <<NFT
table inet filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iif "lo" accept
		meta l4proto ipv6-icmp accept
	}
	chain forward {
		type filter hook forward priority filter; policy drop;
	}$out
}
NFT
}

net_setup() {
	require_root
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	ip netns add "$LAN"
	# A plain switch: this kernel's br_netfilter (on in every new namespace) would validate
	# and drop malformed IPv4 that tests deliberately send. Per-namespace settings.
	in_ns "$LAN" sysctl -q -w net.bridge.bridge-nf-call-iptables=0 \
		net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-arptables=0 \
		2>/dev/null || true
	in_ns "$LAN" ip link add br0 type bridge
	in_ns "$LAN" ip link set br0 up
	add_host "$SRV" eth0 "$SRV4" "$SRV6"
	add_host "$C1" eth0 "$C14" "$C16"
	add_host "$C2" eth0 "$C24" "$C26"
	[ -n "${NO_LEGACY:-}" ] || server_firewall # NO_LEGACY=1: no legacy tables at all
	# The sshd stand-in: answers "ok" on port 22, for IPv4 and IPv6 (NO_STANDIN=1: none,
	# for a test that runs a real sshd). Started with ip netns exec directly (not through
	# a function) so that $! is its PID.
	[ -n "${NO_STANDIN:-}" ] && return 0
	ip netns exec "$SRV" socat TCP6-LISTEN:22,fork,reuseaddr,ipv6only=0 SYSTEM:'echo ok' \
		</dev/null >/dev/null 2>&1 &
	PIDS+=($!)
}

# can_connect NAMESPACE ADDRESS PORT: one real TCP connection, answered "ok" within 1 s.
# An "outside" network behind the server's eth1, with listeners on 80 and 443, and a
# server whose OUTPUT policy is DROP apart from established traffic and loopback.
add_outside() {
	local t p
	ip netns add "$OUT"
	ip link add eth1 netns "$SRV" type veth peer name eth0 netns "$OUT"
	in_ns "$OUT" ip link set lo up
	in_ns "$OUT" ip link set eth0 up
	in_ns "$SRV" ip link set eth1 up
	in_ns "$SRV" ip addr add 203.0.113.1/24 dev eth1
	in_ns "$SRV" ip addr add 2001:db8:1::1/64 dev eth1 nodad
	in_ns "$OUT" ip addr add "$OUT4/24" dev eth0
	in_ns "$OUT" ip addr add "$OUT6/64" dev eth0 nodad
	[ -n "${NO_LEGACY:-}" ] || server_output_firewall iptables-legacy ip6tables-legacy
	# 80 answers "ok" (probes); 443 echoes what it gets (long-lived connections).
	ip netns exec "$OUT" socat TCP6-LISTEN:80,fork,reuseaddr,ipv6only=0 SYSTEM:'echo ok' \
		</dev/null >/dev/null 2>&1 &
	PIDS+=($!)
	ip netns exec "$OUT" socat TCP6-LISTEN:443,fork,reuseaddr,ipv6only=0 EXEC:cat \
		</dev/null >/dev/null 2>&1 &
	PIDS+=($!)
}

# An inner host behind the server, which becomes a gateway: forwarding on in the server's
# namespace only, routes to the inner network on the clients, an "ok" service on the inner
# host's port 22 (as the server's own stand-in). The gateway's FORWARD filtering is the
# caller's (chain_firewall FORWARD ..., or a native forward chain).
add_inner() {
	local n
	ip netns add "$INNER"
	ip link add eth2 netns "$SRV" type veth peer name eth0 netns "$INNER"
	in_ns "$INNER" ip link set lo up
	in_ns "$INNER" ip link set eth0 up
	in_ns "$SRV" ip link set eth2 up
	in_ns "$SRV" ip addr add 198.51.100.1/24 dev eth2
	in_ns "$SRV" ip addr add 2001:db8:2::1/64 dev eth2 nodad
	in_ns "$INNER" ip addr add "$IN4/24" dev eth0
	in_ns "$INNER" ip addr add "$IN6/64" dev eth0 nodad
	in_ns "$INNER" ip route add default via 198.51.100.1
	in_ns "$INNER" ip -6 route add default via 2001:db8:2::1
	for n in "$C1" "$C2"; do
		in_ns "$n" ip route add 198.51.100.0/24 via "$SRV4"
		in_ns "$n" ip -6 route add 2001:db8:2::/64 via "$SRV6"
	done
	in_ns "$SRV" sysctl -q -w net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 >/dev/null
	ip netns exec "$INNER" socat TCP6-LISTEN:22,fork,reuseaddr,ipv6only=0 SYSTEM:'echo ok' \
		</dev/null >/dev/null 2>&1 &
	PIDS+=($!)
}

can_connect() {
	local out host=$2
	case $host in *:*) host="[$host]" ;; esac
	out=$(in_ns "$1" timeout 2 socat -T1 -u "TCP:$host:$3,connect-timeout=0.5" STDOUT 2>/dev/null)
	[ "$out" = ok ]
}
cannot_connect() { ! can_connect "$@"; }
# can_echo NAMESPACE ADDRESS PORT: a line sent to the echo service comes back.
can_echo() {
	local host=$2
	case $host in *:*) host="[$host]" ;; esac
	[ "$(echo ping | in_ns "$1" timeout 2 socat -T1 - "TCP:$host:$3,connect-timeout=0.5" 2>/dev/null)" = ping ]
}
cannot_echo() { ! can_echo "$@"; }

# wait_for TENTHS 'SHELL EXPRESSION': like wait_until, but the expression (with its $(...))
# is evaluated afresh on every try.
wait_for() {
	local n=$1; shift
	for _ in $(seq "$n"); do eval "$*" && return 0; sleep 0.1; done
	return 1
}
# wait_until TENTHS COMMAND...: retries every 0.1 s, at most TENTHS times. The arguments are
# expanded once, by the caller: use wait_for for conditions written with $(...).
wait_until() {
	local n=$1; shift
	for _ in $(seq "$n"); do "$@" && return 0; sleep 0.1; done
	return 1
}

# Keys and configs. Server key in $TMP/server.key, client keys in $TMP/NAME.key.
make_key() { "$KNOCK_BUILD/knock" keygen "$TMP/$1.key" 2>/dev/null; }

# write_server_conf FILE CLIENT_PUBKEY [extra lines...]
write_server_conf() {
	local f=$1 pk=$2; shift 2
	cat >"$f" <<CONF
[knockd]
interfaces = eth0
private_key = $TMP/server.key
spa_port = 62201
backend = ${BACKEND:-iptables}
state_dir = $TMP/state
control_socket = $TMP/knockd.sock
replay_window = 60s

[door:ssh]
direction = in
protocol = tcp
ports = 22
ttl = ${TTL:-4s}
max_ttl = 1h

[door:web]
direction = in
protocol = tcp
ports = 80

[client:laptop]
public_key = $pk
doors = ssh
CONF
	local line
	for line in "$@"; do echo "$line" >>"$f"; done
}

# write_client_conf FILE KEYFILE SERVER_PUBKEY SERVER_ADDRESS
write_client_conf() {
	cat >"$1" <<CONF
[knock]
private_key = $2

[host:prod]
address = $4
server_public_key = $3
spa_port = 62201
doors = ssh
CONF
}

# start_knockd CONFIG LOGFILE [ARGS...]: runs knockd in the server namespace, waits for
# its "started" line.
start_knockd() {
	local conf=$1 log=$2; shift 2
	# shellcheck disable=SC2086 # KNOCKD_ENV: VAR=value words for env(1), e.g. a test clock
	ip netns exec "$SRV" env ${KNOCKD_ENV:-} "$KNOCK_BUILD/knockd" -f -c "$conf" "$@" \
		</dev/null >/dev/null 2>"$log" &
	KNOCKD_PID=$!
	PIDS+=("$KNOCKD_PID")
	wait_until 50 grep -q 'started' "$log"
}

stop_knockd() {
	kill "$KNOCKD_PID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$KNOCKD_PID" 2>/dev/null || return 0; sleep 0.1; done
	kill -9 "$KNOCKD_PID" 2>/dev/null
}

grant_out_rules4() { in_ns "$SRV" iptables-legacy-save -t filter | grep -- '-A KNOCKD-OUTPUT' || true; }
grant_out_rules6() { in_ns "$SRV" ip6tables-legacy-save -t filter | grep -- '-A KNOCKD-OUTPUT' || true; }
# Grant rules currently in the server's kernel (legacy xtables), one per line.
grant_rules4() { in_ns "$SRV" iptables-legacy-save -t filter | grep -- '-A KNOCKD-INPUT' || true; }
grant_rules6() { in_ns "$SRV" ip6tables-legacy-save -t filter | grep -- '-A KNOCKD-INPUT' || true; }
# rules_empty FN: true when the rule listing FN prints nothing (re-read on every call).
rules_empty() { [ -z "$("$1")" ]; }
