#!/bin/bash
# The last-good configuration: every configuration knockd accepts (at start, at a reload) is
# copied to state_dir/last-good.conf (mode 0600, the main file and its drop-ins). A typo
# before a restart: knockd -t still fails on the file, but knockd starts on the last-good
# copy, says so loudly (log, knockctl status), and a knock opens; a fixed file reloads and
# is in force again. With no saved copy, knockd exits with status 1 naming the
# file:line (the unit's start limit ends its retries).
. "$KNOCK_SRC/tests/net/lib.sh"
NO_LEGACY=1 net_setup
SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
DIR=$TMP/clients.d STATE=$TMP/state LG=$TMP/state/last-good.conf
mkdir -m 0700 "$DIR" "$STATE"
TTL=60s write_server_conf "$TMP/knockd.conf" "$CPK"
sed -i -e '/^\[client:laptop\]/,$d' -e "/^replay_window/a include = $DIR/*.conf" "$TMP/knockd.conf"
printf '%s\n' "[client:laptop]" "public_key = $CPK" "doors = ssh" >"$DIR/10-laptop.conf"
cp "$TMP/knockd.conf" "$TMP/good.conf"
write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" "$SRV4"
ctl() { in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" "$@"; }
# break: a typo in the door's section (line 14), as an admin would make before a restart
break_conf() { sed -i 's/^ports = 22$/prots = 22/' "$TMP/knockd.conf"; }
BADLINE=$(grep -n '^ports = 22$' "$TMP/knockd.conf" | cut -d: -f1)

# 1. no saved copy: a broken file stops the start, with file:line, status 1
break_conf
in_ns "$SRV" timeout 20 "$KNOCK_BUILD/knockd" -f -c "$TMP/knockd.conf" </dev/null >/dev/null 2>"$TMP/none.log"
st=$?
sed 's/^/#   /' "$TMP/none.log"
check "no last-good copy: knockd exits with status 1 (got $st)" [ "$st" = 1 ]
check "... naming the file and line of the typo" grep -q "knockd.conf:$BADLINE:" "$TMP/none.log"
check "... and that there is no last-good copy" grep -q "no last-good configuration" "$TMP/none.log"
check "... nothing written to state_dir" [ ! -e "$LG" ]
check "control: the gate is not there yet (nothing was changed)" \
	eval '! in_ns "$SRV" nft list table inet knockd >/dev/null 2>&1'

# 2. a good start saves the copy
cp "$TMP/good.conf" "$TMP/knockd.conf"
start_knockd "$TMP/knockd.conf" "$TMP/good.log" || bail "knockd did not start: $(cat "$TMP/good.log")"
check "a configuration accepted at start is saved: $LG" wait_until 50 test -f "$LG"
check "... mode 0600" [ "$(stat -c %a "$LG" 2>/dev/null)" = 600 ]
check "... with the main file" grep -qs "^#@knockd-file [0-9]* $TMP/knockd.conf\$" "$LG"
check "... and the drop-in" grep -qs "^#@knockd-file [0-9]* $DIR/10-laptop.conf\$" "$LG"
check "knockctl status: config=file" eval 'ctl status | grep -qx "config=file"'
stop_knockd

# 3. a typo, then a restart: -t fails, the daemon starts on the last-good copy
break_conf
rm "$DIR/10-laptop.conf" # the saved drop-in is what counts, not the directory
"$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" >"$TMP/t.out" 2>&1
st=$?
check "knockd -t still fails on the broken file (status $st)" [ "$st" = 1 ]
check "... naming its file:line" grep -q "knockd.conf:$BADLINE:" "$TMP/t.out"
cp "$LG" "$TMP/lg.before"
start_knockd "$TMP/knockd.conf" "$TMP/fallback.log" ||
	bail "knockd did not start on the last-good copy: $(cat "$TMP/fallback.log")"
sed 's/^/#   /' "$TMP/fallback.log"
check "the log names the failure's file:line" grep -q "knockd.conf:$BADLINE:" "$TMP/fallback.log"
check "... and says loudly it starts on the last-good copy" \
	grep -q "STARTING ON THE LAST CONFIGURATION THAT LOADED, $LG" "$TMP/fallback.log"
ctl status | sed 's/^/#   /'
check "knockctl status: config=last-good (FILE:LINE: reason)" \
	eval 'ctl status | grep -q "^config=last-good ($TMP/knockd.conf:$BADLINE: "'
check "knockctl --json status says it too" \
	eval 'ctl --json status | grep -q "\"config\":\"last-good\",\"config_error\":\"$TMP/knockd.conf:$BADLINE: "'
check "knockctl -c (the broken file) status still answers it, with a note" \
	eval 'in_ns "$SRV" "$KNOCK_BUILD/knockctl" -c "$TMP/knockd.conf" status 2>"$TMP/ctl.err" |
	      grep -q "^config=last-good" && grep -q "note: .*knockd.conf:$BADLINE:" "$TMP/ctl.err"'
check "the gate closes the door" cannot_connect "$C2" "$SRV4" 22
in_ns "$C1" "$KNOCK_BUILD/knock" -4 -c "$TMP/knock.conf" prod || not_ok "knock exited non-zero"
check "a knock of the saved drop-in's client opens the door" wait_until 20 can_connect "$C1" "$SRV4" 22
check "... and the bystander still cannot connect" cannot_connect "$C2" "$SRV4" 22
check "running on the copy did not rewrite it" cmp -s "$LG" "$TMP/lg.before"

# 4. a reload of the still broken file is refused; of the fixed file, it is in force again
check "knockctl reload of the broken file is refused" eval '! ctl reload >/dev/null 2>&1'
check "... status still config=last-good" eval 'ctl status | grep -q "^config=last-good"'
cp "$TMP/good.conf" "$TMP/knockd.conf"
sed -i 's/^ttl = 60s$/ttl = 50s/' "$TMP/knockd.conf"
printf '%s\n' "[client:laptop]" "public_key = $CPK" "doors = ssh" >"$DIR/20-laptop.conf"
out=$(ctl reload 2>&1)
check "knockctl reload of the fixed file: $out" eval '[[ $out == "reloaded "* ]]'
check "... status config=file" eval 'ctl status | grep -qx "config=file"'
check "... the reload (sandboxed writer) saved the new copy" grep -qs "^ttl = 50s$" "$LG"
check "... with the new drop-in" grep -qs "^#@knockd-file [0-9]* $DIR/20-laptop.conf\$" "$LG"
check "... mode 0600, no temporary file left" \
	eval '[ "$(stat -c %a "$LG" 2>/dev/null)" = 600 ] && [ ! -e "$LG.new" ]'
check "... the grant is still live" can_connect "$C1" "$SRV4" 22
check "the daemon is still running" kill -0 "$KNOCKD_PID"
stop_knockd

# 5. the boot unit (knockd -G) on a broken file writes the gate of the last-good copy
ctl gate remove >/dev/null || not_ok "knockctl gate remove failed"
check "control: without the gate the bystander connects" can_connect "$C2" "$SRV4" 22
break_conf
in_ns "$SRV" "$KNOCK_BUILD/knockd" -G -c "$TMP/knockd.conf" >"$TMP/G.out" 2>&1
st=$?
sed 's/^/#   /' "$TMP/G.out"
check "knockd -G on the broken file: status 0 (got $st)" [ "$st" = 0 ]
check "... says it runs on the last-good copy" grep -q "STARTING ON THE LAST CONFIGURATION" "$TMP/G.out"
check "... and the gate closes the door again" cannot_connect "$C2" "$SRV4" 22
sed 's/^/#   /' "$TMP/good.log"
done_testing
