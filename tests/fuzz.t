#!/bin/bash
# A short libFuzzer smoke of each harness (FUZZ_SMOKE_SECONDS, default 3 s) from the
# committed seeds, so a crash in a parser fails make check; make fuzz runs them longer.
set -u
: "${KNOCK_FUZZ:?set KNOCK_FUZZ to the fuzz build (make check does)}" "${KNOCK_SRC:?}"
secs=${FUZZ_SMOKE_SECONDS:-3}
n=0 fail=0
scratch=$(mktemp -d /tmp/knockfuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
# The harnesses the Makefile builds: every tests/fuzz/fuzz_NAME.c.
names=()
for f in "$KNOCK_SRC"/tests/fuzz/fuzz_*.c; do
	[ -e "$f" ] || continue
	f=${f##*/}
	names+=("${f%.c}")
done
[ "${#names[@]}" -gt 0 ] || { echo "Bail out! no harness in $KNOCK_SRC/tests/fuzz"; exit 1; }
for name in "${names[@]#fuzz_}"; do
	n=$((n + 1))
	mkdir -p "$scratch/$name"
	out=$("$KNOCK_FUZZ/fuzz_$name" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$scratch/" "$scratch/$name" "$KNOCK_SRC/tests/fuzz/corpus/$name" 2>&1)
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' <<<"$out")
	if [ "$rc" = 0 ] && [ "${runs:-0}" -gt 1000 ]; then
		echo "ok $n - fuzz_$name: $runs executions in ${secs} s, no crash"
	else
		fail=$((fail + 1))
		echo "not ok $n - fuzz_$name: exit $rc after ${runs:-0} executions"
		grep -E 'ERROR|SUMMARY|^#' <<<"$out" | tail -20 | sed 's/^/#   /'
	fi
done
echo "1..$n"
[ "$fail" = 0 ]
