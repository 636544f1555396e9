#!/bin/bash
# knockd.conf include = DIR/PATTERN: drop-in files are read in name order with the main
# file's checks; every error names the drop-in file and line (or the include line), exits 1.
set -u
: "${KNOCK_BUILD:?}" "${KNOCK_SRC:?}"
T_N=0 T_FAIL=0
ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*"; }
TMP=$(mktemp -d /tmp/knockdrop.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
K="$KNOCK_BUILD/knock" D="$KNOCK_BUILD/knockd"
"$K" keygen "$TMP/server.key" >/dev/null 2>&1
PK1=$("$K" keygen "$TMP/c1" 2>/dev/null) PK2=$("$K" keygen "$TMP/c2" 2>/dev/null)
DIR=$TMP/clients.d
main() { # main INCLUDE-VALUE: knockd.conf with one door and no client, include on line 4
	printf '%s\n' "[knockd]" "private_key = $TMP/server.key" "state_dir = $TMP/state" \
		"include = $1" "" "[door:ssh]" "ports = 22" >"$TMP/knockd.conf"
	chmod 0600 "$TMP/knockd.conf"
}
client() { # client FILE NAME PUBKEY [DOORS]
	printf '%s\n' "[client:$2]" "public_key = $3" "doors = ${4:-ssh}" >"$1"
	chmod 0600 "$1"
}
reset() { rm -rf "$DIR" && mkdir -m 0700 "$DIR"; }
expect() { # expect DESCRIPTION WANTED-TEXT
	local out rc
	out=$("$D" -t -c "$TMP/knockd.conf" 2>&1)
	rc=$?
	if [ "$rc" = 1 ] && [[ $out == *"$2"* ]]; then ok "$1: $out"; else
		not_ok "$1: exit $rc, '$out' (want '$2')"; fi
}
expect_ok() { # expect_ok DESCRIPTION WANTED-TEXT
	local out rc
	out=$("$D" -t -c "$TMP/knockd.conf" 2>&1)
	rc=$?
	if [ "$rc" = 0 ] && [[ $out == *"$2"* ]]; then ok "$1"; else
		not_ok "$1: exit $rc, '$out' (want '$2')"; fi
}

reset
main "$DIR/*.conf"
client "$DIR/10-a.conf" a "$PK1"
client "$DIR/20-b.conf" b "$PK2"
client "$DIR/b.conf.off" off "$PK2" # does not match the pattern
client "$DIR/.hidden.conf" hidden "$PK2" # * does not match a leading dot
expect_ok "two drop-ins, each with a client, and files the pattern leaves out" "1 door(s), 2 client(s)"
rm "$DIR"/*
expect_ok "an empty drop-in directory is no error" "1 door(s), 0 client(s)"
client "$DIR/10-a.conf" a "$PK1"
client "$DIR/20-b.conf" a2 "$PK1"
expect "the same key in two drop-ins, in name order" \
	"$DIR/20-b.conf:2: client 'a2' has the same public_key as client 'a' ($DIR/10-a.conf:2)"
client "$DIR/20-b.conf" a "$PK2"
expect "a client defined twice, across files" \
	"$DIR/20-b.conf:1: duplicate [client:a] (first at $DIR/10-a.conf:1)"
client "$DIR/20-b.conf" b "$PK2" "ssh, vpn"
expect "a drop-in naming an unknown door" "$DIR/20-b.conf:3: door 'vpn' is not defined"
printf '%s\n' "[client:b]" "public_key = $PK2" "doors = ssh" "color = red" >"$DIR/20-b.conf"
expect "an unknown key in a drop-in" "$DIR/20-b.conf:4: unknown key 'color' in a [client] section"
printf '%s\n' "[knockd]" "spa_port = 1" >"$DIR/20-b.conf"
expect "[knockd] in a drop-in" "$DIR/20-b.conf:1: [knockd] belongs in the main file ($TMP/knockd.conf)"
printf '%s\n' "[door:web]" "ports = 80" "" "[client:b]" "public_key = $PK2" "doors = web" \
	>"$DIR/20-b.conf"
expect_ok "doors and clients in a drop-in" "2 door(s), 2 client(s)"
printf '%s\n' "[door:inner]" "ports = 22" "nat_port = 2222" >"$DIR/20-b.conf"
expect "a forward-door error in a drop-in names the drop-in" \
	"$DIR/20-b.conf:3: door 'inner': nat_port needs direction = forward"
client "$DIR/20-b.conf" b "$PK2"
chmod 0664 "$DIR/20-b.conf"
expect "a group-writable drop-in" \
	"$TMP/knockd.conf:4: include: $DIR/20-b.conf: writable by group or others (mode 0664)"
chmod 0644 "$DIR/20-b.conf"
chmod 0757 "$DIR"
expect "a drop-in directory others may write" \
	"$TMP/knockd.conf:4: include: $DIR: writable by group or others (mode 0757)"
chmod 0700 "$DIR"
if id nobody >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	chown nobody "$DIR/20-b.conf"
	expect "a drop-in another user owns" "include: $DIR/20-b.conf: owned by uid $(id -u nobody)"
	chown 0 "$DIR/20-b.conf"
fi
chmod 0620 "$TMP/knockd.conf"
out=$("$D" -t -c "$TMP/knockd.conf" 2>&1)
if [ $? = 1 ] && [[ $out == *"$TMP/knockd.conf: writable by group or others (mode 0620)"* ]]; then
	ok "the main file gets the same check: $out"
else not_ok "group-writable main file: $out"; fi
main "$TMP/*/clients.conf"
expect "a wildcard in the directory" \
	"knockd.conf:4: include '$TMP/*/clients.conf': wildcards may appear only in the file name"
main "clients.d/*.conf"
expect "a relative include" "knockd.conf:4: path 'clients.d/*.conf' is not absolute"
main "$TMP/missing.d/*.conf"
expect "a missing drop-in directory" "knockd.conf:4: include: $TMP/missing.d: No such file or directory"
echo "1..$T_N"
[ "$T_FAIL" = 0 ]
