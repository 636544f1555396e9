#!/bin/bash
# knockd -t: every broken sample config exits 1 with "FILE:LINE: reason"; insecure or
# missing key files are refused; the shipped sample config passes with a real key.
set -u
: "${KNOCK_BUILD:?}" "${KNOCK_SRC:?}"
T_N=0 T_FAIL=0
ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*"; }
TMP=$(mktemp -d /tmp/knockcfg.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
cd "$KNOCK_SRC" || exit 1

# Copies, mode 0600: the checkout may belong to another user than the one running the tests,
# or be group-writable (umask 002), and knockd refuses such files before reading them.
mkdir "$TMP/bad"
for src in tests/configs/bad/*.conf; do
	f=$TMP/bad/${src##*/}
	install -m 0600 "$src" "$f"
	want=$(sed -n '1s/^# expect: //p' "$f")
	out=$("$KNOCK_BUILD/knockd" -t -c "$f" 2>&1)
	rc=$?
	if [ "$rc" = 1 ] && [[ $out == "knockd: $f$want"* ]]; then
		ok "$f: exit 1, '$out'"
	else
		not_ok "$f: exit $rc, got '$out', want 'knockd: $f$want'"
	fi
done

# The shipped sample, pointed at a real key and a scratch state directory.
"$KNOCK_BUILD/knock" keygen "$TMP/server.key" >/dev/null 2>&1
sed -e "s|^private_key *=.*|private_key = $TMP/server.key|" \
	-e "s|^state_dir *=.*|state_dir = $TMP/state|" etc/knockd.conf >"$TMP/knockd.conf"
out=$("$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" 2>&1)
if [ $? = 0 ] && [[ $out == *": OK: "* ]]; then ok "etc/knockd.conf passes knockd -t"; else
	not_ok "etc/knockd.conf: $out"; fi

chmod 0644 "$TMP/server.key"
out=$("$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" 2>&1)
if [ $? = 1 ] && [[ $out == *"private key is accessible by group or others (mode 0644)"* ]]; then
	ok "world-readable server key refused: $out"
else
	not_ok "world-readable server key: $out"
fi
rm -f "$TMP/server.key"
out=$("$KNOCK_BUILD/knockd" -t -c "$TMP/knockd.conf" 2>&1)
if [ $? = 1 ] && [[ $out == *"server.key: No such file or directory"* ]]; then
	ok "missing server key refused: $out"
else
	not_ok "missing server key: $out"
fi
out=$("$KNOCK_BUILD/knockd" -t -c "$TMP/nonexistent.conf" 2>&1)
if [ $? = 1 ] && [[ $out == *"nonexistent.conf: No such file or directory"* ]]; then
	ok "missing config file: $out"
else
	not_ok "missing config file: $out"
fi
echo "1..$T_N"
[ "$T_FAIL" = 0 ]
