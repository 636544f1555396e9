#!/bin/bash
# Scheduled windows: [window:apt] opens web-egress by itself at its time, shows in knockctl
# list as origin window, and closes after its duration; no cron, no knock. The test picks
# the next minute as "at" and shifts only the daemon's window clock (KNOCKD_TEST_CLOCK_OFFSET)
# so that minute begins a few seconds after start; the scheduling code is the real one.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
add_outside
SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
now=$(date +%s)
at=$(((now / 60 + 2) * 60)) # a minute boundary 60-120 s ahead
offset=$((at - now - 4))    # the daemon's window clock reads 4 s before it
TTL=30s write_server_conf "$TMP/knockd.conf" "$CPK"
printf '%s\n' '[door:web-egress]' 'direction = out' 'ports = 80,443' 'ttl = 10m' '' \
	'[window:apt]' 'doors = web-egress' "at = $(date -d "@$at" +%H:%M)" 'duration = 5s' \
	>>"$TMP/knockd.conf"
grep -A3 'window:apt' "$TMP/knockd.conf" | sed 's/^/#   /'
ctl() { in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" "$@"; }

KNOCKD_ENV="KNOCKD_TEST_CLOCK_OFFSET=$offset" start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" ||
	bail "knockd did not start: $(cat "$TMP/knockd.log")"
t0=$(date +%s.%N)
check "before the window: egress blocked" cannot_connect "$SRV" "$OUT4" 80
check "the window opens egress by itself" wait_until 100 can_connect "$SRV" "$OUT4" 80
diag "opened $(echo "$(date +%s.%N) - $t0" | bc) s after start (window clock 4 s before its minute)"
out=$(ctl list)
echo "$out" | sed 's/^/#   /'
check "knockctl list shows it with origin window" eval '[[ $out == *"web-egress"*"window"* ]]'
check "logged as client=window:apt" grep -q 'grant door=web-egress addr=0.0.0.0 ttl=[0-9]*s id=1 client=window:apt origin=window' "$TMP/knockd.log"
check "it closes after its duration" wait_until 100 cannot_connect "$SRV" "$OUT4" 80
check "... and its rule is gone" rules_empty grant_out_rules4
check "nothing else opened" [ "$(grep -c 'knockd: grant' "$TMP/knockd.log")" = 1 ]
sed 's/^/#   /' "$TMP/knockd.log"
done_testing
