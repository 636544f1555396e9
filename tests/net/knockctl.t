#!/bin/bash
# knockctl: status, open (egress for the host, ssh for an address), list (text and JSON),
# revoke, flush; bad requests get an error and change nothing; the socket is root only.
. "$KNOCK_SRC/tests/net/lib.sh"
net_setup
add_outside
SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
TTL=30s write_server_conf "$TMP/knockd.conf" "$CPK"
printf '%s\n' '[door:web-egress]' 'direction = out' 'ports = 80,443' 'ttl = 10m' 'max_ttl = 1h' \
	>>"$TMP/knockd.conf"
write_client_conf "$TMP/knock.conf" "$TMP/c1.key" "$SPK" "$SRV4"
# A time zone half an hour off any whole-hour one: knockctl open prints local time. The
# log file plays the journal: JOURNAL_STREAM names its device and inode, as systemd does.
: >"$TMP/knockd.log"
KNOCKD_ENV="TZ=Asia/Kolkata JOURNAL_STREAM=$(stat -c %d:%i "$TMP/knockd.log")" start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"
ctl() { in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" "$@"; }
all_rules() { in_ns "$SRV" iptables-legacy-save -t filter | grep -- '-A KNOCKD-' || true; }

check "the control socket is mode 0600" [ "$(stat -c %a "$TMP/knockd.sock")" = 600 ]
out=$(ctl status)
check "status: uptime, backend, counters" eval '[[ $out == *"uptime "*"backend iptables"*"token-ok=0"* ]]'
check "nothing open: egress blocked" cannot_connect "$SRV" "$OUT4" 80

t0=$(date +%s)
out=$(ctl open web-egress --ttl 30m)
local_at() { TZ=Asia/Kolkata date -d "@$1" '+%Y-%m-%d %H:%M:%S %Z'; }
check "open web-egress --ttl 30m: the deadline in local time (IST) and what is left: $out" \
	eval '[ "$out" = "opened grant 1 until $(local_at $((t0 + 1800))) (in 30m)" ] ||
		[ "$out" = "opened grant 1 until $(local_at $((t0 + 1801))) (in 30m)" ] ||
		[ "$out" = "opened grant 1 until $(local_at $((t0 + 1799))) (in 30m)" ]'
check "... the host reaches outside:80" wait_until 10 can_connect "$SRV" "$OUT4" 80
out=$(ctl list)
echo "$out" | sed 's/^/#   /'
check "list: the grant with door, address, remaining TTL and origin local" \
	eval '[[ $(sed -n 2p <<<"$out") =~ ^1\ +web-egress\ +0\.0\.0\.0\ +20[0-9T:-]+Z\ +1[78][0-9][0-9]s\ +local\ +live$ ]]'

ctl open ssh --addr "$C14" --ttl 45s >/dev/null
check "open ssh --addr $C14: the client connects" wait_until 10 can_connect "$C1" "$SRV4" 22
json=$(ctl --json list)
echo "# $json"
check "list --json" eval '[[ $json == "{\"grants\":[{\"id\":1,\"door\":\"web-egress\",\"address\":\"0.0.0.0\","*"\"origin\":\"local\",\"state\":\"live\"},{\"id\":2,\"door\":\"ssh\",\"address\":\"192.0.2.10\","*"\"remaining\":4"[0-6]",\"origin\":\"local\",\"state\":\"live\"}]}" ]]'

before=$(all_rules)
refused() { # refused MESSAGE-PART ARGS...: exit 1, message on stderr, nothing changed
	local want=$1 err; shift
	err=$(ctl "$@" 2>&1 >/dev/null) && return 1
	[[ $err == *"$want"* ]] && [ "$(all_rules)" = "$before" ]
}
check "open ssh without --addr: refused, nothing changed" refused "give the address" open ssh
check "open ssh --ttl 2h (max_ttl 1h): refused" refused "above door ssh's max_ttl" open ssh --addr "$C24" --ttl 2h
check "open an unknown door: refused" refused "no door 'nosuch'" open nosuch
check "revoke an unknown id: refused" refused "no grant 99" revoke 99
check "a malformed request: refused" refused "bad name" open 'b@d'
check "--ttl with list: refused by knockctl" refused "--ttl and --addr go with open" list --ttl 5s

ctl revoke 2 >/dev/null
check "revoke 2: ssh closed again" cannot_connect "$C1" "$SRV4" 22
check "... its rule gone, egress rule still there" \
	eval '[ -z "$(all_rules | grep door=ssh)" ] && [ -n "$(all_rules | grep door=web-egress)" ]'
check "revoke logged" grep -q 'revoke door=ssh addr=192.0.2.10 id=2 reason=revoked' "$TMP/knockd.log"
in_ns "$C1" "$KNOCK_BUILD/knock" -c "$TMP/knock.conf" prod
wait_until 10 can_connect "$C1" "$SRV4" 22
out=$(ctl list)
check "a knocked grant lists with origin token" eval '[[ $out == *" token"* ]]'
check "status counts the token" eval '[[ $(ctl status) == *"token-ok=1"* ]]'
out=$(ctl flush)
check "flush: $out" eval '[ "$out" = "revoked 2 grant(s)" ] && rules_empty all_rules'
check "after flush egress is blocked again" cannot_connect "$SRV" "$OUT4" 80

# A counters reply that comes after the writer stopped waiting (1 s) is stale, not a protocol
# violation: the writer drops it and carries on (it used to stop both processes).
P=$(pgrep -P "$KNOCKD_PID" | head -1)
kill -STOP "$P"
out=$(ctl status)
kill -CONT "$P"
sleep 0.5
check "a status while the parser is stopped answers with what the writer has" \
	eval '[[ $out == *"uptime "* ]]'
check "the parser's late reply: knockd still running" kill -0 "$KNOCKD_PID"
check "... and the next status gets the live counters" eval '[[ $(ctl status) == *"token-ok=1"* ]]'
check "... nothing said about an unexpected message" \
	eval '! grep -q "unexpected message" "$TMP/knockd.log"'

# An interface name may hold a quote and a backslash: --json status escapes them.
in_ns "$SRV" ip link add 'q"\x' type veth peer name qpeer && in_ns "$SRV" ip link set 'q"\x' up
sed -i 's/^interfaces = eth0$/interfaces = eth0, q"\\x/' "$TMP/knockd.conf"
ctl reload >/dev/null || diag "reload: $(ctl reload 2>&1)"; grep "^interfaces" "$TMP/knockd.conf" | sed "s/^/# /"
json=$(ctl --json status)
echo "# $json"
check "--json status with an interface named q\"\\x: valid JSON, the name intact" \
	eval "perl -MJSON::PP -e 'exit(decode_json(\$ARGV[0])->{interfaces} eq q{eth0, q\"\\x} ? 0 : 1)' \"\$json\""

nobody() { in_ns "$SRV" setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
chmod 0711 "$TMP" # let the socket itself decide, not its directory
err=$(nobody "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" list 2>&1)
rc=$?
check "a non-root user: permission denied (exit $rc): $err" \
	eval '[ $rc = 1 ] && [[ $err == *"permission denied"* ]]'
chmod 0666 "$TMP/knockd.sock"
err=$(nobody "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" flush 2>&1)
check "even with the socket opened up, the daemon refuses a non-root peer: $err" \
	eval '[[ $err == *"root only"* ]]'
chmod 0600 "$TMP/knockd.sock"
chmod 0700 "$TMP"
check "stderr is the journal: lines carry a <priority>, not knockd's name (journald adds it)" \
	eval 'grep -q "^<6>started: " "$TMP/knockd.log" && grep -q "^<6>revoke door=ssh" "$TMP/knockd.log" &&
		! grep -q "knockd: " "$TMP/knockd.log" && ! grep -qv "^<[0-7]>" "$TMP/knockd.log"'
sed 's/^/#   /' "$TMP/knockd.log"
done_testing
