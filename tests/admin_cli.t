#!/bin/bash
# --version and --help of knockd, knockctl and knock: --version prints "NAME VERSION" (the
# newest etc/debian/changelog entry's upstream version) and exits 0; --help prints the usage
# on stdout and exits 0; an unknown option exits 1 with the usage on stderr.
set -u
: "${KNOCK_BUILD:?}" "${KNOCK_SRC:?}"
T_N=0 T_FAIL=0
ok() { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
want=$(sed -n '1s/^[^ ]* (\([^)-]*\).*/\1/p' "$KNOCK_SRC/etc/debian/changelog")
[ -n "$want" ] && ok "etc/debian/changelog's newest version: $want" || not_ok "no version in etc/debian/changelog"
for p in knockd knockctl knock; do
	out=$("$KNOCK_BUILD/$p" --version 2>&1)
	rc=$?
	check "$p --version: '$out' (exit $rc)" eval '[ $rc = 0 ] && [ "$out" = "$p $want" ]'
	out=$("$KNOCK_BUILD/$p" --help 2>/dev/null)
	rc=$?
	check "$p --help: usage on stdout, exit $rc" eval '[ $rc = 0 ] && [[ $out == "usage: $p "* ]] && [[ $out == *"--version"* ]]'
	out=$("$KNOCK_BUILD/$p" --no-such-option 2>&1 >/dev/null)
	rc=$?
	check "$p --no-such-option: exit $rc, usage on stderr" eval '[ $rc = 1 ] && [[ $out == *"usage: $p "* ]]'
done
echo "1..$T_N"
[ "$T_FAIL" = 0 ]
