#!/bin/bash
# knockd -t checks the capture interfaces in the namespace it runs in: a name that is not
# there is refused with FILE:LINE (as the start would fail later), one that is down is named
# in a note, and one that is up (and "any") pass quietly.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
write_server_conf "$TMP/knockd.conf" "$CPK"
in_ns "$SRV" ip link add dum0 type veth peer name dum1 || bail "cannot add a veth pair"
line=$(grep -n '^interfaces = ' "$TMP/knockd.conf" | cut -d: -f1)
t() { in_ns "$SRV" "$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" 2>&1; }
with() { sed -i "s/^interfaces = .*/interfaces = $1/" "$TMP/knockd.conf"; }

with eth0
out=$(t); rc=$?
check "interfaces = eth0 (up): OK, no note (exit $rc)" \
	eval '[ $rc = 0 ] && [[ $out == *": OK: "* ]] && ! grep -q "note: interface" <<<"$out"'
with any
out=$(t); rc=$?
check "interfaces = any: OK (exit $rc)" eval '[ $rc = 0 ] && [[ $out == *": OK: "* ]]'
with 'eth0, eth9'
out=$(t); rc=$?
check "interfaces = eth0, eth9: exit 1 naming file:line and eth9 (exit $rc): $out" \
	eval '[ $rc = 1 ] && [[ $out == "knockd: $TMP/knockd.conf:$line: interfaces: no network interface '"'eth9'"' here"* ]]'
with 'eth0, dum0'
out=$(t); rc=$?
check "interfaces = eth0, dum0 (down): OK with a note that dum0 is down (exit $rc)" \
	eval '[ $rc = 0 ] && [[ $out == *": OK: "* ]] && [[ $out == *"$TMP/knockd.conf:$line: note: interface '"'dum0'"' is down"* ]]'
in_ns "$SRV" ip link set dum0 up
out=$(t); rc=$?
check "... and no note once dum0 is up (exit $rc)" \
	eval '[ $rc = 0 ] && ! grep -q "note: interface" <<<"$out"'
with eth9
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log"
check "the daemon itself does not start on eth9 either (what -t now predicts)" \
	wait_for 50 '! kill -0 $KNOCKD_PID 2>/dev/null'
sed 's/^/#   /' "$TMP/knockd.log"
done_testing
