#!/bin/bash
# knock GROUP: a [group:] of two profiles of the same server, one by its IPv4 and one by its
# IPv6 address, opens both in one command, one line per host; a group with a member that
# cannot be reached still knocks the others, names the failed one and exits 1.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
SPK=$(make_key server) && CPK=$(make_key c1) || bail "keygen failed"
TTL=60s write_server_conf "$TMP/knockd.conf" "$CPK"
profile() { # profile NAME ADDRESS
	printf '%s\n' "" "[host:$1]" "address = $2" "server_public_key = $SPK" "doors = ssh"
}
{
	printf '%s\n' "[knock]" "private_key = $TMP/c1.key"
	profile prod-v4 "$SRV4"
	profile prod-v6 "$SRV6"
	profile gone 198.51.100.99 # no route from the client: sending fails at once
	printf '%s\n' "" "[group:prod]" "hosts = prod-v4, prod-v6"
	printf '%s\n' "" "[group:mixed]" "hosts = gone, prod"
} >"$TMP/c1.conf"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start"

check "nothing open before the knock (IPv4)" cannot_connect "$C1" "$SRV4" 22
check "nothing open before the knock (IPv6)" cannot_connect "$C1" "$SRV6" 22
out=$(in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/c1.conf" prod 2>&1)
rc=$?
check "knock prod exits 0 with one line per host: $(echo "$out" | tr '\n' '|')" \
	eval '[ $rc = 0 ] && [ "$out" = "$(printf "prod-v4: ok\nprod-v6: ok")" ]'
check "the IPv4 grant is in the kernel" wait_for 20 'grant_rules4 | grep -q -- "-s 192.0.2.10/32"'
check "the IPv6 grant is in the kernel" wait_for 20 'grant_rules6 | grep -q -- "-s 2001:db8::10/128"'
check "ssh opens over IPv4" can_connect "$C1" "$SRV4" 22
check "ssh opens over IPv6" can_connect "$C1" "$SRV6" 22
check "knockd logged both grants" eval '[ "$(grep -c "grant door=ssh" "$TMP/knockd.log")" -ge 2 ]'

in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" flush >/dev/null
wait_until 20 rules_empty grant_rules4 && wait_until 20 rules_empty grant_rules6 ||
	bail "flush left rules"
out=$(in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/c1.conf" mixed 2>"$TMP/err")
rc=$?
err=$(cat "$TMP/err")
check "a nested group with an unreachable member exits 1 (exit $rc)" [ "$rc" = 1 ]
check "one line per host, the failed one with its reason: $(echo "$out" | tr '\n' '|')" \
	eval '[[ $out == "gone: failed: 198.51.100.99: no usable address: "*$'"'"'\n'"'"'"prod-v4: ok"$'"'"'\n'"'"'"prod-v6: ok" ]]'
check "stderr names the failed member: $err" \
	eval '[ "$err" = "knock: group mixed: 1 of 3 hosts failed: gone" ]'
check "the reachable members still opened (IPv4)" wait_until 20 can_connect "$C1" "$SRV4" 22
check "the reachable members still opened (IPv6)" wait_until 20 can_connect "$C1" "$SRV6" 22
sed 's/^/#   /' "$TMP/knockd.log"
done_testing
