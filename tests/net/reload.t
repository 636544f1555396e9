#!/bin/bash
# SIGHUP reload: live grants survive; a door whose ports changed has its grant rewritten; a
# new client works at once; a broken configuration is refused and the running one (and its
# grants) stay; a damaged replay state file does not stop the daemon (a reload never reads
# it: the packet parser keeps its cache); a door removed from the configuration has its
# grants revoked; a key that needs a restart (nft_forward_chain) is refused, naming it; after
# SIGTERM the control socket is gone.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
SPK=$(make_key server) && CPK=$(make_key c1) && C2PK=$(make_key c2) || bail "keygen failed"
TTL=60s write_server_conf "$TMP/knockd.conf" "$CPK"
write_client_conf "$TMP/c1.conf" "$TMP/c1.key" "$SPK" "$SRV4"
write_client_conf "$TMP/c2.conf" "$TMP/c2.key" "$SPK" "$SRV4"
# systemd's notification socket, played by socat: what reaches systemctl status (STATUS=).
socat -u UNIX-RECV:"$TMP/notify.sock" OPEN:"$TMP/notify.log",creat,append </dev/null 2>/dev/null &
PIDS+=($!)
wait_until 30 test -S "$TMP/notify.sock" || bail "socat did not make the notify socket"
KNOCKD_ENV="NOTIFY_SOCKET=$TMP/notify.sock" \
	start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start"
hup() { kill -HUP "$KNOCKD_PID"; wait_until 30 grep -q "$1" "$TMP/knockd.log"; }

in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/c1.conf" prod
check "a grant before the reload" wait_until 10 can_connect "$C1" "$SRV4" 22
deadline=$(grant_rules4 | sed -n 's/.*exp=\([0-9]*\).*/\1/p')

# B: ssh also on 2222, and a second client.
sed -i 's/^ports = 22$/ports = 22, 2222/' "$TMP/knockd.conf"
printf '%s\n' '' '[client:second]' "public_key = $C2PK" 'doors = ssh' >>"$TMP/knockd.conf"
check "SIGHUP with a new configuration: reloaded" hup 'reloaded .* 1 grant(s) kept (1 rewritten), 0 revoked'
check "the grant is still open" can_connect "$C1" "$SRV4" 22
check "its rule was rewritten for the new ports, same deadline" \
	eval 'grant_rules4 | grep -q -- "-s 192.0.2.10/32 -p tcp -m multiport --dports 22,2222 .*exp=$deadline\""'
in_ns "$C2" "$KNOCK_BUILD/knock" -c "$TMP/c2.conf" prod
check "the new client opens at once" wait_until 10 can_connect "$C2" "$SRV4" 22

cp "$TMP/knockd.conf" "$TMP/good.conf"
printf '%s\n' '[door:oops]' 'ports = 70000' >>"$TMP/knockd.conf"
check "a broken configuration is refused, with file:line" \
	hup "reload refused, the running configuration stays: $TMP/knockd.conf:[0-9]*: bad port '70000'"
err=$(in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" reload 2>&1)
rc=$?
check "knockctl reload of it fails with the reason (exit $rc): $err" \
	eval '[ $rc = 1 ] && [[ $err == *"knockd.conf:"*": bad port '"'"'70000'"'"'"* ]]'
# The unit's ExecReload: knockctl -c FILE reload, FILE broken. The daemon reads it and the
# same sentence reaches knockctl's stderr, the journal (log) and systemctl status (STATUS=).
err=$(in_ns "$SRV" "$KNOCK_BUILD/knockctl" -c "$TMP/knockd.conf" reload 2>&1)
rc=$?
why="reload refused, the running configuration stays: $TMP/knockd.conf:$(grep -n '^ports = 70000' "$TMP/knockd.conf" | cut -d: -f1): bad port '70000' (want 1 to 65535)"
check "knockctl -c FILE reload of it: exit 1 with the daemon's sentence (exit $rc): $err" \
	eval '[ $rc = 1 ] && [ "$err" = "knockctl: $why" ]'
check "... logged in the same words, 3 times now (SIGHUP, knockctl -S, knockctl -c)" \
	wait_for 20 '[ "$(grep -cxF -- "knockd: $why" "$TMP/knockd.log")" = 3 ]'
check "... and sent to systemd as STATUS=$why" wait_for 20 'grep -qF -- "STATUS=$why" "$TMP/notify.log"'
check "knockd is still running" kill -0 "$KNOCKD_PID"
check "both grants are still there" [ "$(grant_rules4 | wc -l)" = 2 ]
in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" flush >/dev/null
in_ns "$C2" "$KNOCK_BUILD/knock" -c "$TMP/c2.conf" prod
check "the running configuration still knows the second client" \
	wait_until 10 can_connect "$C2" "$SRV4" 22

# A state file damaged behind the daemon: the reload does not read it (the parser carries its
# cache over) and the daemon goes on as it was.
cp "$TMP/good.conf" "$TMP/knockd.conf"
printf 'JUNKJUNK' | dd of="$TMP/state/replay" bs=8 count=1 conv=notrunc 2>/dev/null
err=$(in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" reload 2>&1)
rc=$?
check "reload with a damaged state file: done (exit $rc): $err" eval '[ $rc = 0 ]'
sleep 0.5
check "knockd is still running" kill -0 "$KNOCKD_PID"
check "... and answers knockctl: flush" \
	in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" flush
check "... which closes the door" rules_empty grant_rules4
in_ns "$C2" "$KNOCK_BUILD/knock" -c "$TMP/c2.conf" prod
check "... and a knock opens it again" wait_until 10 can_connect "$C2" "$SRV4" 22
printf 'KNOCKRP1' | dd of="$TMP/state/replay" bs=8 count=1 conv=notrunc 2>/dev/null

# C: the ssh door is gone.
sed -e '/^\[door:ssh\]/,/^$/d' -e 's/^doors = ssh$/doors = web/' "$TMP/good.conf" >"$TMP/knockd.conf"
out=$(in_ns "$SRV" "$KNOCK_BUILD/knockctl" -c "$TMP/knockd.conf" reload 2>&1)
check "knockctl -c FILE reload: $out" eval '[[ $out == "reloaded "* ]]'
check "a reload that took clears systemd's STATUS= (empty)" \
	wait_for 20 'tail -c 7 "$TMP/notify.log" | grep -qx "STATUS="'
check "removing a door revokes its grants" \
	wait_until 30 grep -q 'reloaded .* 0 grant(s) kept (0 rewritten), 1 revoked' "$TMP/knockd.log"
check "... with reason door-removed" grep -q 'revoke door=ssh addr=192.0.2.20 id=[0-9]* reason=door-removed' "$TMP/knockd.log"
check "... and their rules are gone" rules_empty grant_rules4

# D: a key the running daemon cannot change is refused with its name; nothing changes.
ctl() { in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" "$@" 2>&1; }
cp "$TMP/knockd.conf" "$TMP/running.conf"
sed -i 's/^replay_window = 60s$/&\nnft_forward_chain = other_forward/' "$TMP/knockd.conf"
check "the new configuration sets nft_forward_chain" grep -q '^nft_forward_chain = other_forward$' "$TMP/knockd.conf"
err=$(ctl reload)
rc=$?
check "changing nft_forward_chain: refused, naming the key (exit $rc): $err" \
	eval '[ $rc = 1 ] && [[ $err == *"changing nft_forward_chain needs a restart"* ]]'
out=$(ctl open web --addr 192.0.2.20 --ttl 30s)
check "... the running configuration stays: open web still writes its rule: $out" \
	eval '[[ $out == "opened grant "* ]] && grant_rules4 | grep -q -- "-s 192.0.2.20/32 -p tcp .*--dport 80 "'
ctl flush >/dev/null
cp "$TMP/running.conf" "$TMP/knockd.conf"
out=$(ctl reload)
check "the same file without that change reloads: $out" eval '[[ $out == "reloaded "* ]]'

# E: SIGTERM removes the control socket (the writer's filter allows that one unlinkat).
check "the control socket is there while knockd runs" [ -S "$TMP/knockd.sock" ]
stop_knockd
check "after SIGTERM knockd has exited" eval '! kill -0 "$KNOCKD_PID" 2>/dev/null'
check "... and its control socket is gone" eval '[ ! -e "$TMP/knockd.sock" ]'
check "... said nothing about failing to remove it" eval '! grep -q "not removed" "$TMP/knockd.log"'
sed 's/^/#   /' "$TMP/knockd.log"
done_testing
