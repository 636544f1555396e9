#!/bin/bash
# The mdoc man pages are mandoc -Tlint clean and name every command-line option the
# programs accept.
set -u
cd "${KNOCK_SRC:?}" || exit 1
n=0 fail=0
for page in man/*.[1578]; do
	n=$((n + 1))
	out=$(mandoc -Tlint -W warning "$page" 2>&1)
	if [ -z "$out" ]; then echo "ok $n - $page: mandoc -Tlint clean"; else
		fail=$((fail + 1)); echo "not ok $n - $page: $out"; fi
done
for opt in c f t v; do
	n=$((n + 1))
	if grep -q "^\.Fl $opt\b\|^\.It Fl $opt\b" man/knockd.8; then echo "ok $n - knockd(8) documents -$opt"
	else fail=$((fail + 1)); echo "not ok $n - knockd(8) lacks -$opt"; fi
done
echo "1..$n"
[ "$fail" = 0 ]
