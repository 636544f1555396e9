#!/bin/bash
# apt on a host without web egress, against one ruleset family (RULESET=legacy, iptnft or
# inet, as in rulesets.sh; knockd with backend = auto). The outside host serves a local
# APT repository (one package built with dpkg-deb, indexed with dpkg-scanpackages) over
# HTTP on port 8080, IPv4 and IPv6. The door `apt` (direction = out, owner = _apt) is
# opened only by `knockctl run apt -- COMMAND`. apt runs with its own configuration,
# state, cache and lists under $TMP (APT_CONFIG, Dir::Etc::Parts too): the host's apt state
# is not read or written. Checked: apt-get update fails outside a grant; under knockctl
# run, update (IPv4 and IPv6) and a download of the package succeed; the grant is gone from
# the kernel when knockctl returns; during a run the kernel's rule names the owner, and a
# connection to the repository as root or nobody fails while one as _apt succeeds (both
# families); concurrent runs share the grant until the last ends; signals reach COMMAND;
# the exit status is COMMAND's, and 1 without running it when the door cannot be opened;
# destinations still bound an owner door; a missing owner is a file:line error.
. "$KNOCK_SRC/tests/net/lib.sh"
NO_LEGACY=1
net_setup
add_outside
for t in nft iptables-nft apt-get dpkg-deb dpkg-scanpackages curl setpriv /usr/bin/python3; do
	command -v "$t" >/dev/null || bail "missing $t (make deps installs it)"
done
id -u _apt >/dev/null 2>&1 && id -u nobody >/dev/null 2>&1 || bail "users _apt and nobody needed"
APT_UID=$(id -u _apt)

case $RULESET in
legacy | iptnft)
	v=$([ "$RULESET" = legacy ] && echo legacy || echo nft)
	server_firewall "iptables-$v" "ip6tables-$v"
	server_output_firewall "iptables-$v" "ip6tables-$v"
	out_rules() { in_ns "$SRV" "${1}tables-$v-save" | grep -- '-A KNOCKD-OUTPUT' || true; }
	owner_re="-m owner --uid-owner $APT_UID .*door=apt "
	;;
inet)
	server_nft_firewall output
	out_rules() { in_ns "$SRV" nft list chain inet filter knockd_output 2>/dev/null | grep 'comment "knockd id=' || true; }
	owner_re="meta skuid (_apt|$APT_UID) .*door=apt "
	;;
*) bail "RULESET must be legacy, iptnft or inet" ;;
esac
no_rules() { [ -z "$(out_rules ip)$(out_rules ip6)" ]; }

# The repository: one tiny package, a flat index, served from the outside namespace.
mkdir -p "$TMP/pkg/DEBIAN" "$TMP/repo"
printf '%s\n' 'Package: knock-apt-test' 'Version: 1.0' 'Architecture: all' \
	'Maintainer: knockd tests <tests@example.org>' 'Description: a package for the apt test' \
	>"$TMP/pkg/DEBIAN/control"
dpkg-deb --build "$TMP/pkg" "$TMP/repo/knock-apt-test_1.0_all.deb" >/dev/null || bail "dpkg-deb failed"
(cd "$TMP/repo" && dpkg-scanpackages . /dev/null >Packages 2>/dev/null) || bail "dpkg-scanpackages failed"
ip netns exec "$OUT" /usr/bin/python3 -m http.server --bind :: --directory "$TMP/repo" 8080 \
	</dev/null >/dev/null 2>&1 &
PIDS+=($!)

# apt's own tree; _apt must reach its partial directories (TMP is mode 0700).
chmod 711 "$TMP"
A="$TMP/apt"
mkdir -p "$A/state/lists/partial" "$A/cache/archives/partial" "$A/etc/apt.conf.d" \
	"$A/etc/sources.list.d" "$A/etc/preferences.d" "$A/log" "$A/dl"
: >"$A/state/status"
chown _apt "$A/dl"
echo "deb [trusted=yes] http://$OUT4:8080/ ./" >"$A/sources4.list"
echo "deb [trusted=yes] http://[$OUT6]:8080/ ./" >"$A/sources6.list"
cat >"$A/apt.conf" <<CONF
Dir::Etc::Parts "$A/etc/apt.conf.d";
Dir::Etc::SourceParts "$A/etc/sources.list.d";
Dir::Etc::PreferencesParts "$A/etc/preferences.d";
Dir::Etc::Preferences "$A/etc/preferences";
Dir::Etc::SourceList "$A/sources4.list";
Dir::State "$A/state";
Dir::State::status "$A/state/status";
Dir::Cache "$A/cache";
Dir::Log "$A/log";
APT::Sandbox::User "_apt";
Acquire::Retries "0";
APT::Update::Error-Mode "any"; // a failed fetch is an error (exit 100), not a warning
Acquire::http::Timeout "3";
Acquire::http::Proxy "DIRECT";
Acquire::Languages "none";
CONF
apt_get() { # apt_get [-6] ARGS...: apt-get in the server's namespace with our tree
	local src=$A/sources4.list
	[ "$1" = -6 ] && { src=$A/sources6.list; shift; }
	env -u http_proxy -u HTTP_PROXY APT_CONFIG="$A/apt.conf" \
		timeout 60 apt-get -q -o Dir::Etc::SourceList="$src" "$@"
}
export -f apt_get
export A

SPK=$(make_key server) && CPK=$(make_key c1) || bail "knock keygen failed"
BACKEND=auto TTL=4s write_server_conf "$TMP/knockd.conf" "$CPK"
# destinations: the repository's addresses only; 203.0.113.81, a second address of the
# outside host (the HTTP server answers there too), stays closed even to _apt.
in_ns "$OUT" ip addr add 203.0.113.81/24 dev eth0
printf '%s\n' '[door:apt]' 'direction = out' 'protocol = tcp' 'ports = 80,8080' \
	'owner = _apt' "destinations = $OUT4/32, $OUT6/128" 'ttl = 2m' >>"$TMP/knockd.conf"
# A user that does not exist: file:line, exit 1, at start-up and (below) on reload.
sed 's/^owner = _apt$/owner = no-such-user-knockd/' "$TMP/knockd.conf" >"$TMP/bad.conf"
chmod 600 "$TMP/bad.conf"
badline=$(grep -n '^owner = no-such-user-knockd$' "$TMP/bad.conf" | cut -d: -f1)
err=$(in_ns "$SRV" "$KNOCK_BUILD/knockd" -t -c "$TMP/bad.conf" 2>&1)
rc=$?
check "knockd -t: a missing owner is $TMP/bad.conf:$badline, exit 1 ($err)" \
	eval '[ "$rc" = 1 ] && [[ $err == *"$TMP/bad.conf:$badline: owner '"'"'no-such-user-knockd'"'"': no such user"* ]]'
start_knockd "$TMP/knockd.conf" "$TMP/knockd.log" || bail "knockd did not start: $(cat "$TMP/knockd.log")"
ctl() { in_ns "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" "$@"; }
# as USER ADDRESS: one HTTP request to the repository as USER, from the server.
as() {
	local host=$2
	case $host in *:*) host="[$host]" ;; esac
	in_ns "$SRV" setpriv --reuid="$1" --regid=nogroup --clear-groups \
		env -u http_proxy curl -sf -m 2 --connect-timeout 1 -o /dev/null "http://$host:8080/Packages"
}
cannot() { ! "$@"; }
wait_until 50 in_ns "$OUT" /usr/bin/python3 -c \
	"import socket; socket.create_connection(('$OUT4', 8080), 1)" || bail "no HTTP server"

out=$(in_ns "$SRV" bash -c 'apt_get update' 2>&1)
rc=$?
check "$RULESET: apt-get update fails outside a grant (exit $rc)" eval '[ "$rc" = 100 ] && [[ $out == *"Failed to fetch"* ]]'
echo "$out" | tail -3 | sed 's/^/#   /'
check "... and the repository's index is not there" eval '! ls "$A/state/lists/"*Packages >/dev/null 2>&1'
check "outside a grant: _apt cannot reach the repository" cannot as _apt "$OUT4"

out=$(ctl run apt -- bash -c 'apt_get update' 2>&1)
rc=$?
check "knockctl run apt -- apt-get update succeeds (IPv4)" eval '[ "$rc" = 0 ]'
echo "$out" | tail -3 | sed 's/^/#   /'
check "... the grant is gone from the kernel when knockctl returns" no_rules
check "... and from knockctl list" eval '[ "$(ctl list | wc -l)" = 1 ]'
check "... apt wrote the repository's index" eval 'ls "$A/state/lists/"*Packages >/dev/null 2>&1'
check "... and had no reason to fall back to downloading as root" eval '[[ $out != *unsandboxed* ]]'
check "after the run: update fails again" cannot in_ns "$SRV" bash -c 'apt_get update >/dev/null 2>&1'

out=$(ctl run apt -- bash -c 'cd "$A/dl" && apt_get download knock-apt-test' 2>&1)
rc=$?
check "knockctl run apt -- apt-get download knock-apt-test succeeds" \
	eval '[ "$rc" = 0 ] && [ -s "$A/dl/knock-apt-test_1.0_all.deb" ]'
echo "$out" | tail -2 | sed 's/^/#   /'
check "... the grant is gone when knockctl returns" no_rules

rm -rf "$A/state/lists/"*Packages*
out=$(ctl run apt -- bash -c 'apt_get -6 update' 2>&1)
rc=$?
check "knockctl run apt -- apt-get update succeeds over IPv6" \
	eval '[ "$rc" = 0 ] && ls "$A/state/lists/"*Packages >/dev/null 2>&1'
echo "$out" | tail -2 | sed 's/^/#   /'
check "... and leaves no rule" no_rules

# During a run: only _apt's sockets get through.
# Started with ip netns exec directly, so that $! is knockctl's PID; COMMAND writes its own.
ip netns exec "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" run apt -- \
	bash -c "echo \$\$ >$TMP/cmd1.pid; exec sleep 60" >"$TMP/run1.out" 2>&1 &
RUN1=$!
PIDS+=("$RUN1")
check "during a run: _apt reaches the repository (IPv4)" wait_until 50 as _apt "$OUT4"
check "... and over IPv6" as _apt "$OUT6"
check "... root cannot (IPv4)" cannot as root "$OUT4"
check "... nobody cannot (IPv4)" cannot as nobody "$OUT4"
check "... root cannot (IPv6)" cannot as root "$OUT6"
check "... nobody cannot (IPv6)" cannot as nobody "$OUT6"
check "... _apt cannot reach another destination (203.0.113.81, not in destinations)" \
	cannot as _apt 203.0.113.81
check "... (positive control: the server answers there from the outside host itself)" \
	in_ns "$OUT" curl -sf -m 2 --noproxy '*' -o /dev/null http://203.0.113.81:8080/Packages
check "... the IPv4 rule matches the owner" eval '[[ $(out_rules ip) =~ $owner_re ]]'
check "... the IPv6 rule too" eval '[[ $(out_rules ip6) =~ $owner_re ]]'
out_rules ip | sed 's/^/#   /'
list=$(ctl list)
echo "$list" | sed 's/^/#   /'
check "knockctl list shows the owner" eval '[[ $(sed -n 2p <<<"$list") =~ ^[0-9]+\ +apt\ .*\ live\ +_apt$ ]]'
check "knockctl --json list too" eval '[[ $(ctl --json list) == *"\"door\":\"apt\""*"\"owner\":\"_apt\"}"* ]]'

one=$(out_rules ip; out_rules ip6)
ip netns exec "$SRV" "$KNOCK_BUILD/knockctl" -S "$TMP/knockd.sock" run apt -- \
	bash -c "echo \$\$ >$TMP/cmd2.pid; exec sleep 60" >"$TMP/run2.out" 2>&1 &
RUN2=$!
PIDS+=("$RUN2")
wait_until 50 test -s "$TMP/cmd2.pid"
two=$(out_rules ip; out_rules ip6)
check "a second run shares the grant (the same rules, no second set)" \
	eval '[ -n "$one" ] && [ "$(wc -l <<<"$two")" = "$(wc -l <<<"$one")" ] && [[ $two == *"door=apt"* ]]'
kill -TERM "$RUN1"
wait "$RUN1"
rc1=$?
check "SIGTERM to the first run: it passes it on and exits 128+15 ($rc1)" eval '[ "$rc1" = 143 ]'
check "... the grant stays while the second run holds it" eval '! no_rules && as _apt "$OUT4"'
kill -TERM "$RUN2"
wait "$RUN2"
rc2=$?
check "the last run ends (exit $rc2): the grant is gone" eval '[ "$rc2" = 143 ] && no_rules'
check "... _apt cannot reach the repository any more" cannot as _apt "$OUT4"
check "both COMMANDs got the signal and are gone" \
	eval '! kill -0 "$(cat "$TMP/cmd1.pid")" 2>/dev/null && ! kill -0 "$(cat "$TMP/cmd2.pid")" 2>/dev/null'

ctl run apt -- sh -c 'exit 7'
rc=$?
check "exit status is COMMAND's (7)" eval '[ "$rc" = 7 ]'
err=$(ctl run nosuch -- touch "$TMP/ran" 2>&1)
rc=$?
check "a door that cannot be opened: exit 1, COMMAND not run (${err//$'\n'/; })" \
	eval '[ "$rc" = 1 ] && [ ! -e "$TMP/ran" ] && [[ $err == *"no door"* ]]'
err=$(ctl run apt 2>&1)
rc=$?
check "run without -- COMMAND is refused" eval '[ "$rc" = 1 ] && [[ $err == *usage* ]]'
cp "$TMP/knockd.conf" "$TMP/good.conf"
cp "$TMP/bad.conf" "$TMP/knockd.conf"
err=$(ctl reload 2>&1)
rc=$?
cp "$TMP/good.conf" "$TMP/knockd.conf"
check "reload with a missing owner: refused with file:line, exit 1 ($err)" \
	eval '[ "$rc" = 1 ] && [[ $err == *"knockd.conf:$badline: owner"*"no such user"* ]]'
out=$(ctl run apt -- bash -c 'apt_get update' 2>&1)
rc=$?
check "... and the running configuration stays: a run still lets apt through" eval '[ "$rc" = 0 ]'
out=$(ctl reload 2>&1)
rc=$?
check "knockctl reload: the sandboxed rule writer resolves owner = _apt again ($out)" \
	eval '[ "$rc" = 0 ]'
out=$(ctl run apt -- bash -c 'apt_get update' 2>&1)
rc=$?
check "... and a run after the reload still lets apt through" eval '[ "$rc" = 0 ]'
check "after everything: no rule left" no_rules
sed 's/^/#   /' "$TMP/knockd.log"
done_testing
