#!/bin/bash
# knock's user-facing errors: each exits 1 with a message naming the cause, sends nothing.
set -u
: "${KNOCK_BUILD:?}" "${KNOCK_SRC:?}"
T_N=0 T_FAIL=0
ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*"; }
TMP=$(mktemp -d /tmp/knockcli.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
K="$KNOCK_BUILD/knock"
SPK=$("$K" keygen "$TMP/server.key" 2>/dev/null)
"$K" keygen "$TMP/id" >/dev/null 2>&1
conf() { # conf FILE KEY SERVER_PUBKEY
	printf '%s\n' "[knock]" "private_key = $2" "[host:prod]" "address = 192.0.2.1" \
		"server_public_key = $3" "doors = ssh" >"$1"
}
expect() { # expect DESCRIPTION WANTED-TEXT knock-args...
	local d=$1 want=$2 out rc; shift 2
	out=$(HOME="$TMP/home" "$K" "$@" 2>&1 </dev/null)
	rc=$?
	if [ "$rc" = 1 ] && [[ $out == *"$want"* ]]; then ok "$d: $out"; else
		not_ok "$d: exit $rc, '$out' (want '$want')"; fi
}
conf "$TMP/good.conf" "$TMP/id" "$SPK"
expect "unknown host profile" "no [host:staging] profile" -c "$TMP/good.conf" staging
expect "no config file" "knock.conf: No such file or directory" prod
expect "no config file: points to the sample" \
	"no client configuration yet: start from the sample, /usr/share/doc/knock-auth/examples/knock.conf" prod
conf "$TMP/nokey.conf" "$TMP/missing" "$SPK"
expect "missing key file" "missing: No such file or directory (create one with: knock keygen)" \
	-c "$TMP/nokey.conf" prod
cp "$TMP/id" "$TMP/loose" && chmod 0644 "$TMP/loose"
conf "$TMP/loose.conf" "$TMP/loose" "$SPK"
expect "key file readable by others" "accessible by group or others (mode 0644)" -c "$TMP/loose.conf" prod
echo garbage >"$TMP/garbage" && chmod 0600 "$TMP/garbage"
conf "$TMP/garbage.conf" "$TMP/garbage" "$SPK"
expect "unreadable key contents" "not a knock private key" -c "$TMP/garbage.conf" prod
conf "$TMP/badpk.conf" "$TMP/id" "not-a-key"
expect "bad server key, with file:line" "badpk.conf:5: bad server_public_key 'not-a-key'" \
	-c "$TMP/badpk.conf" prod
# base64 of 32 bytes that are no Ed25519 point (y = 2^255 - 1: not canonical): found
# when the profile is used, still with file:line
conf "$TMP/badpt.conf" "$TMP/id" "$(printf '\377%.0s' $(seq 32) | base64)"
expect "server key not a usable point, with file:line" \
	"badpt.conf:5: server_public_key of [host:prod] is not a usable Ed25519 public key" \
	-c "$TMP/badpt.conf" prod
expect "bad --ttl" "--ttl: bad duration '5 minutes'" -c "$TMP/good.conf" --ttl "5 minutes" prod
expect "bad --addr" "bad address to open '999.1.1.1'" -c "$TMP/good.conf" --addr 999.1.1.1 prod
expect "a door name too long for the token" "bad door list" -c "$TMP/good.conf" prod \
	"$(printf 'd%.0s' $(seq 40))"
expect "keygen never overwrites" "File exists" keygen "$TMP/id"
expect "-W without a port" "-W wants HOST:PORT" -c "$TMP/good.conf" -W prod
expect "--sequence with doors" "--sequence takes one HOST" -c "$TMP/good.conf" --sequence prod ssh
# [group:]s: loops, unknown names and -W are refused with file:line; nothing is sent.
group() { # group FILE LINES...: the good profile plus the given lines
	local f=$1; shift
	conf "$f" "$TMP/id" "$SPK" && printf '%s\n' "$@" >>"$f"
}
group "$TMP/gself.conf" "[group:all]" "hosts = prod, all"
expect "a group containing itself" "gself.conf:8: group 'all' contains itself (all -> all)" \
	-c "$TMP/gself.conf" all
group "$TMP/gloop.conf" "[group:a]" "hosts = b" "[group:b]" "hosts = prod, a"
expect "groups containing each other" "gloop.conf:10: group 'a' contains itself (a -> b -> a)" \
	-c "$TMP/gloop.conf" prod
group "$TMP/gunk.conf" "[group:all]" "hosts = prod, staging"
expect "a group naming an unknown profile" \
	"gunk.conf:8: group 'all': 'staging' is neither a [host:] profile nor a [group:]" \
	-c "$TMP/gunk.conf" all
group "$TMP/gempty.conf" "[group:all]"
expect "a group without hosts" "gempty.conf:7: group 'all' has no hosts" -c "$TMP/gempty.conf" all
group "$TMP/gdup.conf" "[group:all]" "hosts = prod" "[group:all]" "hosts = prod"
expect "a duplicate group" "gdup.conf:9: duplicate [group:all] (first at line 7)" \
	-c "$TMP/gdup.conf" all
group "$TMP/group.conf" "[group:all]" "hosts = prod"
expect "-W with a group" "'all' is a [group:]" -c "$TMP/group.conf" -W all:22
expect "a group member that fails is named" "group all: 1 of 1 hosts failed: prod" \
	-c "$TMP/group.conf" --addr 999.1.1.1 all
out=$(HOME="$TMP/home" "$K" keygen 2>&1 >/dev/null)
if [ "$(stat -c %a "$TMP/home/.config/knock")" = 700 ] && [ "$(stat -c %a "$TMP/home/.config/knock/id")" = 600 ]; then
	ok "keygen without FILE: ~/.config/knock (0700) and id (0600): $out"
else not_ok "default keygen paths and modes"; fi
pub=$(HOME="$TMP/home" "$K" pubkey)
if [ ${#pub} = 44 ]; then ok "pubkey prints the 44-character public key"; else not_ok "pubkey: $pub"; fi
echo "1..$T_N"
[ "$T_FAIL" = 0 ]
