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
if [[ $out != *"warning: sequence_ports"* ]]; then ok "... its default sequences (1000 ports, 4 knocks) draw no warning"
else not_ok "the defaults warn: $out"; fi
# Sequences above the refusal floor (1e9 knocks) but below the advised 1e11: a warning.
sed -e "s|^sequence_ports *=.*|sequence_ports = 61000-61099|" \
	-e "s|^sequence_length *=.*|sequence_length = 5|" "$TMP/knockd.conf" >"$TMP/warn.conf"
chmod 0600 "$TMP/warn.conf"
out=$("$KNOCK_BUILD/knockd" -t -c "$TMP/warn.conf" 2>&1)
rc=$?
line=$(grep -n '^sequence_length' "$TMP/warn.conf" | cut -d: -f1)
want="$TMP/warn.conf:$line: warning: sequence_ports 61000-61099 with sequence_length 5: a host without the key opens a client's doors after about 6.7e+09 knocks (2 x 100^5 / 3); 1e+11 or more advised"
if [ $rc = 0 ] && [[ $out == *"$want"* ]] && [[ $out == *": OK: "* ]]; then
	ok "100 ports, 5 knocks: accepted with a warning"
else not_ok "100 ports, 5 knocks: got '$out', want '$want'"; fi

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
# Every key printed in our pages and samples is a test-vector key whose seed is published:
# refused as a client's public_key (file:line), as a server key file, and by the client.
"$KNOCK_BUILD/knock" keygen "$TMP/server.key" >/dev/null 2>&1
keys=$(grep -ohE '[A-Za-z0-9+/]{43}=' man/*.[1578] README.md etc/knockd.conf etc/knock.conf | sort -u)
check_refused() { # check_refused DESCRIPTION WANT COMMAND...: exit 1 and WANT in the output
	local d=$1 want=$2 out; shift 2
	out=$("$@" 2>&1)
	if [ $? = 1 ] && [[ $out == *"$want"* ]]; then ok "$d: $out"; else not_ok "$d: $out"; fi
}
[ "$(printf '%s\n' $keys | wc -l)" = 2 ] && ok "the pages print 2 keys: $(echo $keys)" ||
	not_ok "the pages print 2 keys, got: $keys"
for k in $keys; do
	printf '[knockd]\nprivate_key = %s\nstate_dir = %s\n[door:ssh]\nports = 22\n[client:a]\npublic_key = %s\ndoors = ssh\n' \
		"$TMP/server.key" "$TMP/state" "$k" >"$TMP/vec.conf"
	chmod 600 "$TMP/vec.conf"
	check_refused "knockd -t refuses client key $k" \
		"knockd: $TMP/vec.conf:7: public_key is the" "$KNOCK_BUILD/knockd" -t -c "$TMP/vec.conf"
	printf '[knock]\nprivate_key = %s\n[host:p]\naddress = 192.0.2.1\nserver_public_key = %s\n' \
		"$TMP/server.key" "$k" >"$TMP/vec-client.conf"
	check_refused "knock refuses server_public_key $k" "vec-client.conf:5: server_public_key is the" \
		"$KNOCK_BUILD/knock" -c "$TMP/vec-client.conf" p
done
# Positive control: the same files with a fresh key pass.
"$KNOCK_BUILD/knock" keygen "$TMP/fresh.key" >"$TMP/fresh.pub" 2>/dev/null
sed -i "s|^public_key = .*|public_key = $(cat "$TMP/fresh.pub")|" "$TMP/vec.conf"
out=$("$KNOCK_BUILD/knockd" -t -c "$TMP/vec.conf" 2>&1) && [[ $out == *": OK: "* ]] &&
	ok "a fresh client key passes knockd -t (positive control)" || not_ok "fresh key: $out"
for seed in AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE= AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=; do
	rm -f "$TMP/server.key"
	(umask 077 && echo "$seed" >"$TMP/server.key")
	check_refused "knockd -t refuses the server key file with seed $seed" \
		"server.key is the" "$KNOCK_BUILD/knockd" -t -c "$TMP/vec.conf"
	check_refused "knock pubkey refuses it" "test-vector key" "$KNOCK_BUILD/knock" pubkey "$TMP/server.key"
done
echo "1..$T_N"
[ "$T_FAIL" = 0 ]
