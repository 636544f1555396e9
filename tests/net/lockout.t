#!/bin/bash
# No lockout by surprise: the gate drops only NEW connections, so an SSH-like session opened
# during a grant keeps working after the grant expires, after a reload that changes the door,
# and after `knockctl gate remove` and a restart that writes the gate again (a positive
# control, a drop of established traffic, shows the check would see a cut session).
# knockd -t lists the sources of live sessions to in doors that will need a knock to
# reconnect (from the kernel's socket table, in the server's namespace), leaving out exempt
# ones.
. "$KNOCK_SRC/tests/net/lib.sh"
NO_LEGACY=1 NO_STANDIN=1 net_setup
# the sshd stand-in: an echo service, so that a session can be used again later
ip netns exec "$SRV" socat TCP6-LISTEN:22,fork,reuseaddr,ipv6only=0 EXEC:cat </dev/null >/dev/null 2>&1 &
PIDS+=($!)
SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
conf() { # conf PORTS
	TTL=4s write_server_conf "$TMP/knockd.conf" "$CPK"
	sed -i -e "s/^ports = 22\$/ports = $1/" -e "/^max_ttl = 1h/a exempt = $C24/32" "$TMP/knockd.conf"
}
conf 22
write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" "$SRV4"
write_client_conf "$TMP/knock6.conf" "$TMP/c1.key" "$SPK" "$SRV6"
ctl() { in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" "$@"; }
gate_elems() { in_ns "$SRV" nft list set inet knockd "ssh_$1" 2>/dev/null | grep -c "$2" || true; }

# session NAME NS HOST: a long-lived connection fed from a FIFO the test holds open (fd);
# said LINE through it, the echo comes back into $TMP/NAME.out
session() {
	local host=$3
	case $host in *:*) host="[$host]" ;; esac
	mkfifo "$TMP/$1.in"
	ip netns exec "$2" socat -t 120 - "TCP:$host:22,connect-timeout=1" <"$TMP/$1.in" \
		>"$TMP/$1.out" 2>/dev/null &
	PIDS+=($!)
}
say() { # say FD NAME LINE: the line goes out and comes back within 2 s
	echo "$3" >&"$1"
	wait_until 20 grep -qx "$3" "$TMP/$2.out"
}

start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"
check "before a knock the client cannot connect" cannot_echo "$C1" "$SRV4" 22
in_ns "$C1" "$KNOCK_BUILD/knock" -4 -c "$TMP/knock.conf" prod || not_ok "knock -4 exited non-zero"
in_ns "$C1" "$KNOCK_BUILD/knock" -6 -c "$TMP/knock6.conf" prod || not_ok "knock -6 exited non-zero"
check "during the grant the client connects" wait_until 20 can_echo "$C1" "$SRV4" 22
session s4 "$C1" "$SRV4"
exec 7>"$TMP/s4.in"
session s6 "$C1" "$SRV6"
exec 8>"$TMP/s6.in"
session ex "$C2" "$SRV4" # exempt: needs no knock
exec 9>"$TMP/ex.in"
check "an IPv4 session opens during the grant" say 7 s4 one
check "an IPv6 session opens during the grant" say 8 s6 one
check "an exempt bystander's session opens" say 9 ex one

# (b) knockd -t lists the sessions that will need a knock, from the kernel's table
in_ns "$SRV" "$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" >"$TMP/t.out" 2>&1
sed 's/^/#   /' "$TMP/t.out"
in_ns "$SRV" ss -tn state established '( sport = :22 )' | sed 's/^/#   ss: /'
line=$(grep '^sessions: door ssh:' "$TMP/t.out")
check "knockd -t names the IPv4 session's source" eval '[[ $line == *" $C14 (port 22)"* ]]'
check "... and the IPv6 one's" eval '[[ $line == *" $C16 (port 22)"* ]]'
check "... says they will need a knock to reconnect" eval '[[ $line == *"will need a knock to reconnect"* ]]'
check "... and leaves out the exempt source $C24" eval '[[ -n $line && $line != *"$C24"* ]]'
check "... and door web (port 80, no session) is not listed" eval '[ -n "$line" ] && ! grep -q "^sessions: door web" "$TMP/t.out"'

# (a) every gate change leaves the sessions alone
check "the grant expires: new connections fail" wait_until 80 cannot_echo "$C1" "$SRV4" 22
check "... its elements are gone from the gate" \
	eval '[ "$(gate_elems 4 "$C14")" = 0 ] && [ "$(gate_elems 6 "$C16")" = 0 ]'
check "after the expiry the IPv4 session still works" say 7 s4 two
check "after the expiry the IPv6 session still works" say 8 s6 two

conf 22,2222
out=$(ctl reload 2>&1)
check "a reload that changes the door (ports 22,2222): $out" eval '[[ $out == "reloaded "* ]]'
check "... the gate has the new port" \
	eval 'in_ns "$SRV" nft list table inet knockd | grep -q "2222"'
check "after the reload the IPv4 session still works" say 7 s4 three
check "after the reload the IPv6 session still works" say 8 s6 three
check "... and new connections still fail" cannot_echo "$C1" "$SRV4" 22

stop_knockd
check "knockctl gate remove (knockd stopped)" eval 'ctl gate remove >/dev/null'
check "... the gate is gone" eval '! in_ns "$SRV" nft list table inet knockd >/dev/null 2>&1'
check "the session works with no gate" say 7 s4 four
start_knockd "$TMP/knockd.conf" "$TMP/knockd2.log" || bail "knockd did not restart: $(cat "$TMP/knockd2.log")"
check "the restart wrote the gate again" eval 'in_ns "$SRV" nft list table inet knockd >/dev/null'
check "... new connections fail" cannot_echo "$C1" "$SRV4" 22
check "after the gate is recreated the IPv4 session still works" say 7 s4 five
check "after the gate is recreated the IPv6 session still works" say 8 s6 five
check "the exempt session still works" say 9 ex five

# positive control: a drop of established traffic to port 22 is seen as a cut session
in_ns "$SRV" nft -f - <<'NFT'
table inet cut {
	chain input {
		type filter hook input priority -300; policy accept;
		tcp dport 22 drop
	}
}
NFT
check "control: with established traffic dropped the check sees the session cut" \
	eval '! say 7 s4 six'
in_ns "$SRV" nft delete table inet cut
exec 7>&- 8>&- 9>&-
stop_knockd
sed 's/^/#   /' "$TMP/knockd.log" "$TMP/knockd2.log"
done_testing
