#!/bin/bash
# Knock sequences. Authenticated (sequence = yes): knock --sequence opens ssh for the
# knocking address; the same sequence re-sent, from another address, opens nothing; a
# scan of the whole watched range in random order opens nothing; a sequence with every knock
# duplicated still opens; a sequence that visits the same knock twice, non-adjacently, opens.
# Static [sequence:legacy] 7000,8000:udp,9000 opens, logged as unauthenticated.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
TTL=20s write_server_conf "$TMP/knockd.conf" "$CPK" "sequence = yes" "" \
	"[sequence:legacy]" "ports = 7000,8000:udp,9000" "timeout = 5s" "doors = ssh"
write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" "$SRV4"
# A step far from its end, so that the whole authenticated part happens within two steps.
wait_for 300 '[ $(( $(date +%s) % 30 )) -lt 20 ]'
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"
has_rule_for() { [ -n "$(grant_rules4 | grep -- "-s $1/32")" ]; }
knock() { local ns=$1; shift; in_ns "$ns" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" "$@"; }

check "port 22 closed before" cannot_connect "$C1" "$SRV4" 22
knock "$C1" -v --sequence prod 2>"$TMP/seq.out"
sed 's/^/# /' "$TMP/seq.out"
check "knock --sequence: connectable within 1 s" wait_until 10 can_connect "$C1" "$SRV4" 22
check "the bystander still cannot connect" cannot_connect "$C2" "$SRV4" 22
check "grant logged with origin=sequence" grep -q 'grant door=ssh addr=192.0.2.10 .*origin=sequence' "$TMP/knockd.log"

# The very same knocks (this step's sequence), re-sent from the bystander's address.
ports=$(sed -n 's/^knock: 4 knocks to [^:]*: //p' "$TMP/seq.out" | sed 's|/|:|g')
[ -n "$ports" ] || bail "could not read the sequence from knock -v"
# shellcheck disable=SC2086
knock "$C2" prod $ports
sleep 1
no_rule_for() { ! has_rule_for "$1"; }
check "the same sequence re-sent from another address opens nothing" no_rule_for "$C24"
check "... refused as a sequence replay" grep -q 'refuse reason=sequence-replay src=192.0.2.20 client=laptop' "$TMP/knockd.log"
# shellcheck disable=SC2086
knock "$C1" prod $ports
sleep 1
check "and re-sent from the same address: refused too" \
	[ "$(grep -c 'refuse reason=sequence-replay' "$TMP/knockd.log")" = 2 ]

# A scan of all 1000 watched ports, TCP then UDP, in random order, from the bystander.
for proto in tcp udp; do
	shuf -i 61000-61999 | sed "s/\$/:$proto/" | xargs -n 16 \
		ip netns exec "$C2" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" prod
done
sleep 1
check "a random-order scan of the whole watched range opens nothing" no_rule_for "$C24"
no_c2_completion() { [ "$(grep -c 'sequence-replay src=192.0.2.20' "$TMP/knockd.log")" = 1 ] && ! grep -q 'grant .*addr=192.0.2.20' "$TMP/knockd.log"; }
check "... and completed no sequence" no_c2_completion

# Next step's sequence (the server accepts one step of skew), every knock sent twice, from c2.
next=$("$KNOCK_BUILD/tests/tools/seqports" "$TMP/c1.key" "$SPK" 1)
dup=$(for p in $next; do echo "$p $p"; done | tr '\n' ' ')
# shellcheck disable=SC2086
knock "$C2" prod $dup
check "a sequence with every knock duplicated still opens (for its sender)" \
	wait_until 10 can_connect "$C2" "$SRV4" 22

# Static, unauthenticated, knockd-compatible.
in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" flush >/dev/null
knock "$C1" prod 7000 8000:udp 9000
check "static sequence 7000,8000:udp,9000 opens ssh" wait_until 10 can_connect "$C1" "$SRV4" 22
check "... logged as unauthenticated" grep -q 'unauthenticated static sequence:legacy completed by 192.0.2.10' "$TMP/knockd.log"
check "... and as client=sequence:legacy" grep -q 'grant door=ssh addr=192.0.2.10 .*client=sequence:legacy origin=sequence' "$TMP/knockd.log"

# A sequence that visits one (port, protocol) twice, non-adjacently: about 1 step in 700 at
# the defaults, so a client key is chosen for which this step's sequence does (tools/
# seqports -r), added by a reload, and knock --sequence sends it.
in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" flush >/dev/null
check "port 22 closed again after a flush" cannot_connect "$C1" "$SRV4" 22
wait_for 300 '[ $(( $(date +%s) % 30 )) -lt 15 ]' || bail "no fresh time step"
rep=$("$KNOCK_BUILD/tests/tools/seqports" -r "$TMP/rep.key" "$SPK" 0) || bail "seqports -r failed"
RPK=$("$KNOCK_BUILD/knock" pubkey "$TMP/rep.key") || bail "knock pubkey failed"
printf '%s\n' "" "[client:repeater]" "public_key = $RPK" "doors = ssh" "sequence = yes" \
	>>"$TMP/knockd.conf"
in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" reload >/dev/null || bail "reload failed"
write_client_conf "$TMP/rep.conf" "$TMP/rep.key" "$SPK" "$SRV4"
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/rep.conf" -v --sequence prod 2>"$TMP/rep.out"
sent=$(sed -n 's/^knock: 4 knocks to [^:]*: //p' "$TMP/rep.out" | sed 's|/|:|g')
diag "sequence sent: $sent"
repeats_apart() { # repeats_apart K1 K2 K3 K4: some knock recurs two or more places later
	local a=("$@") i j
	for ((i = 0; i < ${#a[@]}; i++)); do for ((j = i + 2; j < ${#a[@]}; j++)); do
		[ "${a[i]}" = "${a[j]}" ] && return 0
	done; done
	return 1
}
# shellcheck disable=SC2086
check "knock --sequence sent this step's sequence ($rep), which repeats a knock non-adjacently" \
	eval '[ "$sent" = "$rep" ] && repeats_apart $sent'
check "... and it opens" wait_until 10 can_connect "$C1" "$SRV4" 22
check "... logged as the repeater's grant" \
	grep -q 'grant door=ssh addr=192.0.2.10 .*client=repeater origin=sequence' "$TMP/knockd.log"
sed 's/^/#   /' "$TMP/knockd.log"
done_testing
