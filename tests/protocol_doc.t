#!/bin/bash
# knock-protocol(7) holds the test vectors that tests/tools/tokvec prints, verbatim: the
# literal blocks after each '.\" tokvec' line, in order, are tokvec's output. tokvec itself
# exits 1 if a value computed by the page's recipe differs from what common/ computes.
set -u
: "${KNOCK_BUILD:?}" "${KNOCK_SRC:?}"
page=$KNOCK_SRC/man/knock-protocol.7
n=0 fail=0
check() { local d=$1; shift; n=$((n + 1)); if "$@"; then echo "ok $n - $d"; else
	fail=$((fail + 1)); echo "not ok $n - $d"; fi; }
out=$("$KNOCK_BUILD/tests/tools/tokvec")
rc=$?
check "tokvec runs, its recipe agrees with the implementation (exit $rc)" [ "$rc" = 0 ]
# The blocks, unescaped (\e is a backslash in roff).
doc=$(awk '/^\.\\" tokvec$/ { want = 1; next }
	want && /^\.Bd -literal/ { inside = 1; next }
	inside && /^\.Ed$/ { inside = 0; want = 0; next }
	inside { gsub(/\\e/, "\\"); print }' "$page")
check "the page has test-vector blocks ($(printf '%s\n' "$doc" | wc -l) lines)" [ -n "$doc" ]
if [ "$doc" = "$out" ]; then check "knock-protocol(7)'s test vectors are tokvec's output" true
else
	diff <(printf '%s\n' "$out") <(printf '%s\n' "$doc") | sed 's/^/#   /'
	check "knock-protocol(7)'s test vectors are tokvec's output (diff: tokvec < > page)" false
fi
echo "1..$n"
[ "$fail" = 0 ]
