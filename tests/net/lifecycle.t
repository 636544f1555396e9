#!/bin/bash
# Grant lifecycle: grants that share a deadline second are removed together in one commit;
# nat = yes lets a client open the address its token names (or, with 0.0.0.0, the address
# the server sees), while a client without it is refused for the same token.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
SPK=$(make_key server) && CPK=$(make_key c1) && RPK=$(make_key roamer) || bail "keygen failed"
TTL=3s write_server_conf "$TMP/knockd.conf" "$CPK" \
	"" "[client:roamer]" "public_key = $RPK" "doors = ssh" "nat = yes"
write_client_conf "$TMP/laptop.conf" "$TMP/c1.key" "$SPK" "$SRV4"
write_client_conf "$TMP/roamer.conf" "$TMP/roamer.key" "$SPK" "$SRV4"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" -v || bail "knockd did not start"
count_rules() { grant_rules4 | wc -l; }

# Five grants inside one wall-clock second: start just after a second begins.
sleep "$(printf '0.%03d' $((999 - 10#$(date +%3N))))"
for i in 1 2 3 4 5; do
	in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/roamer.conf" --addr "198.51.100.$i" prod
done
check "nat = yes: five tokens naming five other addresses open five grants" \
	wait_for 20 '[ "$(count_rules)" = 5 ]'
check "... one per named address" [ "$(grant_rules4 | grep -c -- '-s 198.51.100.[1-5]/32')" = 5 ]
deadlines=$(grant_rules4 | sed -n 's/.*exp=\([0-9]*\).*/\1/p' | sort -u | wc -l)
diag "distinct deadline seconds among them: $deadlines"
check "all five expire" wait_until 80 rules_empty grant_rules4
check "five revocations logged" [ "$(grep -c 'revoke door=ssh' "$TMP/knockd.log")" = 5 ]
if [ "$deadlines" = 1 ]; then
	check "removed in one commit (knockd -v: commit: 5 change(s))" \
		grep -q 'commit: 5 change(s)' "$TMP/knockd.log"
else
	not_ok "the five knocks did not land in one second ($deadlines deadlines): cannot show batching"
fi

in_ns "$C2" "$KNOCK_BUILD/knock" -c "$TMP/laptop.conf" --addr 198.51.100.9 prod
sleep 1
check "without nat = yes the same kind of token is refused" \
	grep -q 'refuse reason=address src=192.0.2.20 client=laptop' "$TMP/knockd.log"
check "... and opens nothing" rules_empty grant_rules4

in_ns "$C2" "$KNOCK_BUILD/knock" -c "$TMP/roamer.conf" --addr 0.0.0.0 prod
check "nat = yes with address 0.0.0.0: the address the server sees (c2) is opened" \
	wait_until 10 can_connect "$C2" "$SRV4" 22
check "... and only that one" [ "$(grant_rules4 | grep -c -- "-s $C24/32")" = 1 ] &&
	[ "$(count_rules)" = 1 ]
in_ns "$C2" "$KNOCK_BUILD/knock" -c "$TMP/laptop.conf" --addr 0.0.0.0 prod
sleep 1
check "0.0.0.0 from a client without nat = yes is refused" \
	[ "$(grep -c 'refuse reason=address src=192.0.2.20 client=laptop' "$TMP/knockd.log")" = 2 ]
sed 's/^/#   /' "$TMP/knockd.log"
done_testing
