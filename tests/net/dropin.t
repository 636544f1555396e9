#!/bin/bash
# Drop-in client files: a client defined only in clients.d/ opens its door; knockctl reload
# picks up a drop-in file added (its client opens at once) and one removed (its client is
# refused, counted as an unknown key); a broken drop-in is refused with its file:line and
# the running configuration stays.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
SPK=$(make_key server) && C1PK=$(make_key c1) && C2PK=$(make_key c2) || bail "keygen failed"
DIR=$TMP/clients.d
mkdir -m 0700 "$DIR"
TTL=60s write_server_conf "$TMP/knockd.conf" "$C1PK"
# No client in the main file; the include in [knockd].
sed -i -e '/^\[client:laptop\]/,$d' -e "/^replay_window/a include = $DIR/*.conf" "$TMP/knockd.conf"
dropin() { # dropin FILE NAME PUBKEY
	printf '%s\n' "; one client per file, dropped by config management" "[client:$2]" \
		"public_key = $3" "doors = ssh" >"$DIR/$1"
}
dropin 10-c1.conf c1 "$C1PK"
write_client_conf "$TMP/c1.conf" "$TMP/c1.key" "$SPK" "$SRV4"
write_client_conf "$TMP/c2.conf" "$TMP/c2.key" "$SPK" "$SRV4"
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start"
ctl() { in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" "$@"; }
unknown() { ctl status | sed -n 's/.*token-unknown-hint[ =:]*\([0-9]*\).*/\1/p' | head -1; }

check "started with the drop-in's client" grep -q 'started: 2 door(s), 1 client(s)' "$TMP/knockd.log"
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/c1.conf" prod
check "the drop-in client opens its door" wait_until 20 can_connect "$C1" "$SRV4" 22
before=$(unknown)
in_ns "$C2" "$KNOCK_BUILD/knock" -c "$TMP/c2.conf" prod
check "a client not yet dropped in is refused as an unknown key" \
	wait_for 20 '[ "$(unknown)" -gt "${before:-0}" ]'
check "... and opens nothing" cannot_connect "$C2" "$SRV4" 22

dropin 20-c2.conf c2 "$C2PK"
out=$(ctl reload 2>&1)
check "knockctl reload after adding a drop-in: $out" eval '[[ $out == "reloaded "* ]]'
check "... which read both files" grep -q 'reloaded .*: 2 door(s), 2 client(s)' "$TMP/knockd.log"
in_ns "$C2" "$KNOCK_BUILD/knock" -c "$TMP/c2.conf" prod
check "the added client opens at once" wait_until 20 can_connect "$C2" "$SRV4" 22

printf '%s\n' "[client:c3]" "public_key = nope" >"$DIR/30-c3.conf"
out=$(ctl reload 2>&1)
rc=$?
check "a broken drop-in is refused with its file:line (exit $rc): $out" \
	eval '[ $rc = 1 ] && [[ $out == *"$DIR/30-c3.conf:2: bad public_key '"'"'nope'"'"'"* ]]'
rm "$DIR/30-c3.conf"

# The rule writer's reload, under its seccomp filter: a FIFO drop-in is refused at once
# (a blocking open would hang the writer), and so is a drop-in directory whose parent
# others may write; knockd keeps running on the configuration it had.
mkfifo -m 0600 "$DIR/30-fifo.conf"
out=$(timeout 20 "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" reload 2>&1)
rc=$?
check "reload with a FIFO drop-in: refused at once (exit $rc): $out" \
	eval '[ $rc = 1 ] && [[ $out == *"$DIR/30-fifo.conf: not a regular file (a FIFO)"* ]]'
rm "$DIR/30-fifo.conf"
mkdir -m 0777 "$TMP/open" && mv "$DIR" "$TMP/open/clients.d" && ln -s "$TMP/open/clients.d" "$DIR"
out=$(timeout 20 "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" reload 2>&1)
rc=$?
check "reload with the drop-in directory behind a symbolic link: refused (exit $rc): $out" \
	eval '[ $rc = 1 ] && [[ $out == *"$DIR: not a directory (a symbolic link"* ]]'
rm "$DIR" && mv "$TMP/open/clients.d" "$DIR"
sed -i "s|^include = .*|include = $TMP/open/d/*.conf|" "$TMP/knockd.conf"
mkdir -m 0700 "$TMP/open/d" && cp -p "$DIR"/*.conf "$TMP/open/d/"
out=$(timeout 20 "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" reload 2>&1)
rc=$?
check "reload with an other-writable directory above the drop-ins: refused, naming it (exit $rc): $out" \
	eval '[ $rc = 1 ] && [[ $out == *"$TMP/open: directory writable by group or others (mode 0777)"* ]]'
sed -i "s|^include = .*|include = $DIR/*.conf|" "$TMP/knockd.conf"
check "knockd is still running after the refused reloads" kill -0 "$KNOCKD_PID"

rm "$DIR/10-c1.conf"
out=$(ctl reload 2>&1)
check "knockctl reload after removing a drop-in: $out" eval '[[ $out == "reloaded "* ]]'
check "... which read one file" grep -q 'reloaded .*: 2 door(s), 1 client(s)' "$TMP/knockd.log"
ctl flush >/dev/null
wait_until 20 rules_empty grant_rules4 || bail "flush left rules"
before=$(unknown)
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/c1.conf" prod
check "the removed client is now an unknown key" wait_for 20 '[ "$(unknown)" -gt "${before:-0}" ]'
check "... and opens nothing" cannot_connect "$C1" "$SRV4" 22
in_ns "$C2" "$KNOCK_BUILD/knock" -c "$TMP/c2.conf" prod
check "the remaining drop-in client still opens" wait_until 20 can_connect "$C2" "$SRV4" 22
sed 's/^/#   /' "$TMP/knockd.log"
done_testing
