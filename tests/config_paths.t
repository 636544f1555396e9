#!/bin/bash
# What knockd opens, and who could have swapped it. No file is opened before its type is
# known: a FIFO as the main file, as a drop-in, behind a drop-in's symbolic link or as the
# server key gets a clear error at once instead of hanging (each run bounded by timeout);
# no symbolic link is followed to them. Every directory from / down to the main file, each
# drop-in, the drop-in directory and the key file must be root's (or ours) and writable by
# neither group nor others, like sshd's StrictModes; a root-owned sticky directory (/tmp)
# passes only when what is below it is root's. Each refusal names the directory and exits
# 1; a positive control shows the same tree accepted once the directory is fixed.
set -u
: "${KNOCK_BUILD:?}" "${KNOCK_SRC:?}"
T_N=0 T_FAIL=0
ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*"; }
[ "$(id -u)" = 0 ] || { echo "Bail out! config_paths.t needs root (chown)"; exit 1; }
id nobody >/dev/null 2>&1 || { echo "Bail out! no user nobody"; exit 1; }
NOBODY=$(id -u nobody)
TMP=$(mktemp -d /tmp/knockpath.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
chmod 0755 "$TMP"
K="$KNOCK_BUILD/knock" D="$KNOCK_BUILD/knockd"
mkdir -m 0755 "$TMP/k" "$TMP/m" "$TMP/p" "$TMP/p/clients.d" "$TMP/u"
"$K" keygen "$TMP/k/server.key" >/dev/null 2>&1 || { echo "Bail out! knock keygen failed"; exit 1; }
PK1=$("$K" keygen "$TMP/c1" 2>/dev/null)
CONF=$TMP/m/knockd.conf DIR=$TMP/p/clients.d
main() { # main [KEYFILE]: one door, the include on line 4
	printf '%s\n' "[knockd]" "private_key = ${1:-$TMP/k/server.key}" "state_dir = $TMP/state" \
		"include = $DIR/*.conf" "" "[door:ssh]" "ports = 22" >"$CONF"
	chmod 0600 "$CONF"
}
printf '%s\n' "[client:a]" "public_key = $PK1" "doors = ssh" >"$DIR/10-a.conf"
chmod 0600 "$DIR/10-a.conf"
run() { out=$(timeout 20 "$D" -t -c "${1:-$CONF}" 2>&1); rc=$?; }
expect() { # expect DESCRIPTION WANTED-TEXT [CONFIG]
	run "${3:-}"
	if [ "$rc" = 1 ] && [[ $out == *"$2"* ]]; then ok "$1: $out"; else
		not_ok "$1: exit $rc$([ $rc = 124 ] && echo ' (timed out: it hung)'), '$out' (want '$2')"; fi
}
expect_ok() { # expect_ok DESCRIPTION
	run
	if [ "$rc" = 0 ] && [[ $out == *"1 door(s), 1 client(s)"* ]]; then ok "$1"; else
		not_ok "$1: exit $rc, '$out'"; fi
}

main
expect_ok "control: the tree as made is accepted"

# --- item 7: no blocking open before the type check -----------------------------------
mkfifo -m 0600 "$TMP/u/fifo" "$DIR/20-fifo.conf"
timeout 2 cat "$DIR/20-fifo.conf" >/dev/null 2>&1
rc=$?
if [ "$rc" = 124 ]; then ok "control: a plain open of the FIFO hangs (timeout 2 cat: exit $rc)"
else not_ok "control: a plain open of the FIFO did not hang (exit $rc)"; fi
expect "a FIFO as a drop-in" "include: $DIR/20-fifo.conf: not a regular file (a FIFO)"
rm "$DIR/20-fifo.conf"
chmod 0755 "$TMP/u"
ln -s "$TMP/u/fifo" "$DIR/30-link.conf"
expect "a drop-in symlink to a FIFO: not followed" \
	"include: $DIR/30-link.conf: not a regular file (a symbolic link)"
rm "$DIR/30-link.conf"
mkfifo -m 0600 "$TMP/m/fifo.conf"
expect "a FIFO as the main file" "$TMP/m/fifo.conf: not a regular file (a FIFO)" "$TMP/m/fifo.conf"
mkfifo -m 0600 "$TMP/k/fifo.key"
main "$TMP/k/fifo.key"
expect "a FIFO as the server key" "private_key: $TMP/k/fifo.key: not a regular file (a FIFO)"
main
expect_ok "control: accepted again"

# --- item 8: the directories above ------------------------------------------------------
# refused DESCRIPTION DIR WANTED-TEXT: the change already made to DIR is refused, naming it.
refused() { expect "$1" "$2: $3"; }
chmod 0775 "$TMP/p"
refused "the drop-in directory's parent group-writable" "$TMP/p" "directory writable by group or others (mode 0775)"
chmod 0757 "$TMP/p"
refused "... other-writable" "$TMP/p" "directory writable by group or others (mode 0757)"
chmod 0755 "$TMP/p" && chown nobody "$TMP/p"
refused "... owned by nobody" "$TMP/p" "directory owned by uid $NOBODY, neither root nor us"
chown 0 "$TMP/p"
chmod 1777 "$TMP/p"
expect_ok "... root-owned and sticky (as /tmp), clients.d below it root's: accepted"
chown nobody "$TMP/p"
refused "... sticky but owned by nobody" "$TMP/p" "directory owned by uid $NOBODY"
chown 0 "$TMP/p" && chmod 0755 "$TMP/p"
chmod 0777 "$TMP/m"
refused "the main file's directory other-writable" "$TMP/m" "directory writable by group or others (mode 0777)"
chmod 1777 "$TMP/m" && chown nobody "$CONF"
refused "... sticky, but the file below it is nobody's" "$TMP/m" \
	"sticky directory writable by others (mode 1777) holding $CONF, owned by uid $NOBODY"
chown 0 "$CONF" && chmod 0755 "$TMP/m"
chown nobody "$TMP"
refused "a directory higher up owned by nobody (below /tmp: /tmp is named)" /tmp \
	"sticky directory writable by others (mode 1777) holding $TMP, owned by uid $NOBODY"
chown 0 "$TMP"
chmod 0770 "$TMP/k"
refused "the server key's directory group-writable" "$TMP/k" "directory writable by group or others (mode 0770)"
chmod 0755 "$TMP/k"
printf '%s\n' "[client:b]" "public_key = $("$K" keygen "$TMP/c2" 2>/dev/null)" "doors = ssh" >"$TMP/u/b.conf"
chmod 0600 "$TMP/u/b.conf" && chmod 0777 "$TMP/u"
ln -s "$TMP/u/b.conf" "$DIR/40-b.conf"
expect "a drop-in symlink (into an other-writable directory): not followed" \
	"include: $DIR/40-b.conf: not a regular file (a symbolic link)"
rm "$DIR/40-b.conf"
ln -s "$TMP/p" "$TMP/p2"
sed -i "s|^include = .*|include = $TMP/p2/clients.d/*.conf|" "$CONF"
refused "a symbolic link among the directories above the drop-ins" "$TMP/p2" \
	"a symbolic link on the way to $TMP/p2/clients.d: refused"
main
expect_ok "control: the fixed tree is accepted"
echo "1..$T_N"
[ "$T_FAIL" = 0 ]
