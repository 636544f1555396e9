#!/bin/bash
# A signed token opens SSH for the knocking address only, the kernel holds the rule with
# its deadline and comment, a re-knock refreshes without duplicating, and after the TTL new
# connections fail and the rule is gone. Runs over IPv4, then IPv6.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
TTL=4s write_server_conf "$TMP/knockd.conf" "$CPK"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"

one_family() { # one_family 4|6 SERVER_ADDR CLIENT_ADDR BYSTANDER_ADDR RULES_FN
	local fam=$1 srv=$2 me=$3 rules=$5 t0 n
	write_client_conf "$TMP/knock$fam.conf" "$TMP/c1.key" "$SPK" "$srv"
	check "IPv$fam: port 22 closed from the client before the knock" cannot_connect "$C1" "$srv" 22
	t0=$(date +%s.%N)
	in_ns "$C1" "$KNOCK_BUILD/knock" -"$fam" -c "$TMP/knock$fam.conf" prod ||
		not_ok "IPv$fam: knock exited non-zero"
	check "IPv$fam: connectable within 1 s of the knock" wait_until 10 can_connect "$C1" "$srv" 22
	check "IPv$fam: the bystander $4 still cannot connect" cannot_connect "$C2" "$srv" 22
	n=$($rules | grep -c -- "-s $me/\(32\|128\) -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -m time --datestop 20[0-9-]*T[0-9:]* -m comment --comment \"knockd id=[0-9]* door=ssh addr=$me exp=[0-9]*\" -j ACCEPT")
	check "IPv$fam: the kernel shows one grant rule with datestop and comment" [ "$n" = 1 ]
	$rules | sed 's/^/#   /'
	in_ns "$C1" "$KNOCK_BUILD/knock" -"$fam" -c "$TMP/knock$fam.conf" prod
	sleep 0.5
	check "IPv$fam: a re-knock refreshes without a second rule" [ "$($rules | wc -l)" = 1 ]
	check "IPv$fam: the rule is gone after the TTL" wait_until 60 rules_empty "$rules"
	diag "IPv$fam: rule removed $(echo "$(date +%s.%N) - $t0" | bc 2>/dev/null || echo '?') s after the first knock (TTL 4 s, counted from the re-knock)"
	check "IPv$fam: new connections fail after the TTL" cannot_connect "$C1" "$srv" 22
}

one_family 4 "$SRV4" "$C14" "$C24" grant_rules4
one_family 6 "$SRV6" "$C16" "$C26" grant_rules6

check "one grant and one revoke log line per family (and one refresh)" \
	[ "$(grep -c 'knockd: grant door=ssh' "$TMP/knockd.log")" = 4 ] &&
	[ "$(grep -c 'knockd: revoke door=ssh .* reason=expired' "$TMP/knockd.log")" = 2 ]
check "knockd is still running" kill -0 "$KNOCKD_PID"
sed 's/^/#   /' "$TMP/knockd.log"
done_testing
