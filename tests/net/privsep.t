#!/bin/bash
# Privilege separation, read from /proc while knockd runs: the packet parser is nobody,
# with no capabilities, NoNewPrivs and a seccomp filter; the rule writer keeps only
# CAP_NET_ADMIN and CAP_NET_RAW (0x3000) in its effective, permitted and bounding sets,
# with NoNewPrivs and a seccomp filter of its own, and dumps no core. Knocks work through
# the channel; reloads that change the clients, a key and the interfaces keep the same
# parser, which swaps them in, and leave both processes just as confined; if the parser
# dies, the rule writer stops (fail closed) and the live grants stay until their deadlines.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
SPK=$(make_key server) && CPK=$(make_key c1) || bail "keygen failed"
TTL=60s write_server_conf "$TMP/knockd.conf" "$CPK"
write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" "$SRV4"
exec 7>"$TMP/inherited" # a descriptor the caller leaks to knockd
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"
exec 7>&-
field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s '\t ' ' '; }
parser_of() { pgrep -P "$KNOCKD_PID" | head -1; }
W=$KNOCKD_PID
P=$(parser_of)
[ -n "$P" ] || bail "no parser process under $W"
for pid in "$W" "$P"; do
	diag "pid $pid: Uid $(field "$pid" Uid) CapEff $(field "$pid" CapEff) CapPrm $(field "$pid" CapPrm)" \
		"CapBnd $(field "$pid" CapBnd) NoNewPrivs $(field "$pid" NoNewPrivs) Seccomp $(field "$pid" Seccomp)"
done
check "parser: runs as nobody (uid 65534)" [ "$(field "$P" Uid)" = "65534 65534 65534 65534" ]
check "parser: no capabilities at all" \
	eval '[ "$(field "$P" CapEff)" = 0000000000000000 ] && [ "$(field "$P" CapPrm)" = 0000000000000000 ]'
check "parser: NoNewPrivs" [ "$(field "$P" NoNewPrivs)" = 1 ]
check "parser: seccomp filter (mode 2)" [ "$(field "$P" Seccomp)" = 2 ]
check "rule writer: CAP_NET_ADMIN and CAP_NET_RAW only (0x3000)" \
	eval '[ "$(field "$W" CapEff)" = 0000000000003000 ] && [ "$(field "$W" CapPrm)" = 0000000000003000 ]'
check "rule writer: the bounding set is narrowed too" [ "$(field "$W" CapBnd)" = 0000000000003000 ]
check "rule writer: no core dumps" eval 'grep -q "^Max core file size *0 *0" /proc/$W/limits'
check "rule writer: NoNewPrivs" [ "$(field "$W" NoNewPrivs)" = 1 ]
check "rule writer: seccomp filter (mode 2)" [ "$(field "$W" Seccomp)" = 2 ]
check "rule writer: ambient and inheritable sets empty" \
	eval '[ "$(field "$W" CapAmb)" = 0000000000000000 ] && [ "$(field "$W" CapInh)" = 0000000000000000 ]'
# Packet sockets of the server namespace, by inode, against each process's open sockets.
packet_inodes=$(in_ns "$SRV" awk 'NR > 1 {print $NF}' /proc/net/packet | sort -u)
sockets_of() { for f in /proc/"$1"/fd/*; do readlink "$f"; done 2>/dev/null |
	sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' | sort -u; }
holds_capture() { [ -n "$(comm -12 <(sockets_of "$1") <(echo "$packet_inodes"))" ]; }
check "the parser holds the capture sockets" holds_capture "$P"
fds_of() { for f in /proc/"$1"/fd/*; do readlink "$f"; done 2>/dev/null; }
check "a descriptor inherited from the caller reaches neither process" \
	eval '! fds_of $W | grep -q inherited && ! fds_of $P | grep -q inherited'
fds_of "$P" | sed 's/^/#   parser fd: /'
check "the parser holds nothing but sockets, stdio (the log) and state/replay" \
	eval '[ -z "$(fds_of $P | grep -Ev "^(socket:|pipe:|/dev/null$|$TMP/state/replay$|$TMP/knockd.log$)")" ]'
check "the rule writer holds none: only the parser reads the network" eval '! holds_capture $W'

in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" prod
check "a knock opens, through the channel" wait_until 10 can_connect "$C1" "$SRV4" 22

in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" reload >/dev/null
P2=$(parser_of)
check "reload: the same parser ($P2) took the new configuration" eval '[ "$P2" = "$P" ]'
check "... just as confined" eval '[ "$(field "$P2" Uid)" = "65534 65534 65534 65534" ] &&
	[ "$(field "$P2" CapEff)" = 0000000000000000 ] && [ "$(field "$P2" Seccomp)" = 2 ]'
in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" flush >/dev/null
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" prod
check "knocks work after the reload" wait_until 10 can_connect "$C1" "$SRV4" 22

# Two more reloads, changing the clients, a client's key and the interfaces: every process
# stays just as confined, and knocks still open.
confined() { # confined WRITER: both processes as at start
	local w=$1 p
	p=$(pgrep -P "$w" | head -1)
	[ -n "$p" ] && [ "$(field "$w" NoNewPrivs)" = 1 ] && [ "$(field "$w" Seccomp)" = 2 ] &&
		[ "$(field "$p" NoNewPrivs)" = 1 ] && [ "$(field "$p" Seccomp)" = 2 ] &&
		[ "$(field "$p" Uid)" = "65534 65534 65534 65534" ] &&
		[ "$(field "$p" CapEff)" = 0000000000000000 ] &&
		[ "$(field "$w" CapEff)" = 0000000000003000 ] &&
		[ "$(field "$w" CapPrm)" = 0000000000003000 ] &&
		[ "$(field "$w" CapBnd)" = 0000000000003000 ] &&
		[ "$(field "$w" CapAmb)" = 0000000000000000 ] &&
		[ "$(field "$w" CapInh)" = 0000000000000000 ] && [ "$p" = "$P" ]
}
in_ns "$SRV" ip link add x1 type veth peer name x1p && in_ns "$SRV" ip link set x1 up
C2PK=$(make_key c2) && C1BPK=$(make_key c1b) || bail "keygen failed"
printf '%s\n' '' '[client:second]' "public_key = $C2PK" 'doors = ssh' >>"$TMP/knockd.conf"
sed -i 's/^interfaces = eth0$/interfaces = eth0, x1/' "$TMP/knockd.conf"
out=$(in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" reload 2>&1)
check "reload 2 (a new client, a new interface): $out" eval '[[ $out == "reloaded "* ]]'
check "... the same parser, every process just as confined (NoNewPrivs, seccomp, 0x3000)" confined "$W"
sed -i -e "s|^public_key = $CPK\$|public_key = $C1BPK|" -e 's/^interfaces = eth0, x1$/interfaces = x1, eth0/' \
	"$TMP/knockd.conf"
out=$(in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" reload 2>&1)
check "reload 3 (laptop's key replaced, interfaces reordered): $out" eval '[[ $out == "reloaded "* ]]'
check "... the same parser, every process just as confined" confined "$W"
# A reload with a key file others may read is refused (by the writer, which reads it):
# it fails with the reason, and everything stays as it was.
chmod 0644 "$TMP/server.key"
out=$(in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" reload 2>&1)
chmod 0600 "$TMP/server.key"
check "a reload refused for the key file fails with its reason: $out" \
	eval '[[ $out == *"server.key"*"group or others"* ]] && kill -0 $W && confined $W'
in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" flush >/dev/null
write_client_conf "$TMP/knock1b.conf" "$TMP/c1b.key" "$SPK" "$SRV4"
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock1b.conf" prod
check "a knock with the new key still opens" wait_until 10 can_connect "$C1" "$SRV4" 22
in_ns "$C2" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" prod
sleep 0.5
check "... the old key no longer does" cannot_connect "$C2" "$SRV4" 22
P2=$(parser_of)

kill -9 "$P2"
check "the parser killed: the rule writer stops (fail closed)" wait_until 50 eval '! kill -0 $W 2>/dev/null'
wait "$W" 2>/dev/null
check "... saying so" grep -q 'the packet parser stopped' "$TMP/knockd.log"
check "... and the live grant stays in the kernel until its deadline" \
	eval '[ -n "$(grant_rules4 | grep -- "-s 192.0.2.10/32")" ]'
sed 's/^/#   /' "$TMP/knockd.log"
done_testing
