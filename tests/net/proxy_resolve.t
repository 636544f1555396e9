#!/bin/bash
# knock -W matches a profile by resolved address: ssh's %h is the HostName, here an IP, while
# knock.conf names the server by a DNS name (resolved through a private /etc/hosts, bind-
# mounted in a mount namespace of this test only). Controls: the name itself matches, and
# with the name unresolvable the IP finds no profile.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
command -v unshare >/dev/null || bail "unshare missing (util-linux)"
SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
TTL=30s write_server_conf "$TMP/knockd.conf" "$CPK"
write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" prod.knock.test
printf '%s\n' "127.0.0.1 localhost" "$SRV4 prod.knock.test" "$SRV6 prod.knock.test" >"$TMP/hosts"
printf '%s\n' "127.0.0.1 localhost" >"$TMP/nohosts"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"

# proxy HOSTSFILE TARGET: knock -W TARGET from the client, with HOSTSFILE as /etc/hosts.
proxy() {
	timeout 20 unshare -m sh -c 'mount --bind "$1" /etc/hosts && exec ip netns exec "$2" "$3" -c "$4" --wait 3s -W "$5" </dev/null' \
		sh "$1" "$C1" "$KNOCK_BUILD/knock" "$TMP/knock.conf" "$2" 2>&1
}
check "the host's /etc/hosts does not know prod.knock.test (the test's own is private)" \
	eval '! getent hosts prod.knock.test >/dev/null'
out=$(proxy "$TMP/nohosts" "$SRV4:22")
check "control: name unresolvable, -W $SRV4:22 finds no profile: $out" \
	eval '[[ $out == *"no [host:$SRV4] profile"* ]]'
check "... and nothing opened" rules_empty grant_rules4
out=$(proxy "$TMP/hosts" "$SRV4:22")
check "-W $SRV4:22 matches [host:prod] (address prod.knock.test -> $SRV4), knocks and relays: $out" \
	[ "$out" = ok ]
check "... the grant is for the client's address (knock sends to, and relays to, the profile's address)" \
	eval 'grant_rules4 | grep -q -- "-s $C14/32" || grant_rules6 | grep -q -- "-s $C16/128"'
out=$(proxy "$TMP/hosts" "[$SRV6]:22")
check "-W [$SRV6]:22 matches it too (the name's IPv6 address): $out" [ "$out" = ok ]
out=$(proxy "$TMP/hosts" "prod.knock.test:22")
check "control: -W prod.knock.test:22 (literal address) still works: $out" [ "$out" = ok ]
sed 's/^/#   /' "$TMP/knockd.log"
done_testing
