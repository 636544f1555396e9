#!/bin/bash
# Concurrency: while 200 grants open and then expire, an admin loop in the same namespace
# appends and deletes its own rules with iptables-legacy -w. Afterwards every admin rule it
# left is present exactly once, no grant was missing or duplicated while they were open,
# and no commit failed (the xtables lock is shared; EAGAIN is retried).
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
SPK=$(make_key server) && RPK=$(make_key roamer) && CPK=$(make_key c1) || bail "keygen failed"
TTL=12s write_server_conf "$TMP/knockd.conf" "$CPK" \
	"" "[client:roamer]" "public_key = $RPK" "doors = ssh" "nat = yes"
write_client_conf "$TMP/roamer.conf" "$TMP/roamer.key" "$SPK" "$SRV4"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start"

# The admin: rule i accepts 203.0.113.7 to port 20000+i; even rules are deleted again.
admin_loop() {
	local i
	for i in $(seq 1 600); do
		[ -e "$TMP/stop" ] && break
		in_ns "$SRV" iptables-legacy -w -A INPUT -s 203.0.113.7/32 -p tcp --dport $((20000 + i)) -j ACCEPT || echo "add $i failed"
		if [ $((i % 2)) = 0 ]; then
			in_ns "$SRV" iptables-legacy -w -D INPUT -s 203.0.113.7/32 -p tcp --dport $((20000 + i)) -j ACCEPT || echo "delete $i failed"
		fi
		echo "$i" >"$TMP/admin.done"
		sleep 0.02
	done
}
admin_loop >"$TMP/admin.log" 2>&1 &
ADMIN=$!

# one datagram each (--copies 1): 200 knocks of 7 copies would take longer than the TTL
for i in $(seq 1 200); do
	in_ns "$C1" "$KNOCK_BUILD/knock" --copies 1 -c "$TMP/roamer.conf" --addr "198.51.$((100 + i / 250)).$((i % 250 + 1))" prod
done
rule_count_is() { [ "$(grant_rules4 | wc -l)" = "$1" ]; }
check "200 grants open" wait_until 50 rule_count_is 200
check "no grant rule is duplicated" [ -z "$(grant_rules4 | sed 's/ -m comment.*//' | sort | uniq -d)" ]
check "200 distinct grant ids" [ "$(grant_rules4 | grep -o 'id=[0-9]*' | sort -u | wc -l)" = 200 ]
check "every grant expires" wait_until 300 rules_empty grant_rules4
touch "$TMP/stop"
wait "$ADMIN"
n=$(cat "$TMP/admin.done")
diag "admin loop: $n iterations while grants opened and expired"
check "the admin loop ran throughout (>= 100 iterations)" [ "$n" -ge 100 ]
check "none of its iptables-legacy -w calls failed" [ ! -s "$TMP/admin.log" ]
want=$(seq 1 2 "$n" | sed 's/^/20000+/' | bc | sort -n | tr '\n' ' ')
got=$(in_ns "$SRV" iptables-legacy-save -t filter | sed -n 's/^-A INPUT -s 203.0.113.7\/32 -p tcp -m tcp --dport \([0-9]*\) -j ACCEPT$/\1/p' | sort -n | tr '\n' ' ')
check "every admin rule it left is present, exactly once ($((($n + 1) / 2)) rules)" [ "$got" = "$want" ]
check "the jump to KNOCKD-INPUT is still the first rule of INPUT" \
	[ "$(in_ns "$SRV" iptables-legacy -S INPUT | sed -n 2p)" = "-A INPUT -j KNOCKD-INPUT" ]
check "200 grants and 200 revocations logged" \
	[ "$(grep -c 'knockd: grant ' "$TMP/knockd.log")" = 200 ] &&
	[ "$(grep -c 'knockd: revoke ' "$TMP/knockd.log")" = 200 ]
no_failed_commit() { ! grep -q 'commit failed' "$TMP/knockd.log"; }
check "no firewall commit failed" no_failed_commit
done_testing
