#!/bin/bash
# The whole test suite: unit tests (plain and ASan+UBSan), then the shell
# tests (live BPF where this host has root, BPF and /dev/kvm).  Ends with one
# line "N passed, N failed, N skipped"; exit 1 if anything failed.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
KR_BUILD=${KR_BUILD:-$TOP/build}
BUILD=$KR_BUILD
export KR_BUILD
RESULTS=$(mktemp /tmp/kvmrace-results.XXXXXX)
export KR_RESULTS=$RESULTS
P=0 F=0 S=0

echo "# unit tests"
for t in "$BUILD"/test_* "$BUILD"/asan/test_*; do
	[ -x "$t" ] || continue
	name=${t#"$BUILD"/}
	out=$("$t" 2>&1)
	rc=$?
	echo "$out" | grep -E '^(not ok|#)' | sed "s|^|  [$name] |"
	line=$(echo "$out" | tail -1)
	if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		P=$((P + BASH_REMATCH[1])); F=$((F + BASH_REMATCH[2]))
		[ $rc = 0 ] || [ "${BASH_REMATCH[2]}" != 0 ] || { F=$((F + 1)); echo "  [$name] exit $rc"; }
		echo "  $name: $line"
	else
		F=$((F + 1)); echo "  $name: crashed or no summary (exit $rc)"; echo "$out" | tail -5
	fi
done

for s in "$TOP"/tests/integration/*.sh; do
	echo "# $(basename "$s")"
	bash "$s" 2>&1 | sed 's/^/  /'
done

# Nothing of ours may stay loaded after the tests.
. "$TOP/tests/lib.sh"
left=$(progs_left)
inst=$(ls /sys/kernel/tracing/instances 2>/dev/null | grep -c kvmrace || true)
if [ "$left" = 0 ] && [ "$inst" = 0 ]; then
	echo "ok - no kvmrace BPF program or tracefs instance left after the tests"; echo "pass leftovers" >> "$RESULTS"
else
	echo "not ok - leftovers: $left BPF programs, $inst tracefs instances"; echo "fail leftovers" >> "$RESULTS"
fi

P=$((P + $(grep -c '^pass ' "$RESULTS")))
F=$((F + $(grep -c '^fail ' "$RESULTS")))
S=$((S + $(grep -c '^skip ' "$RESULTS")))
rm -f "$RESULTS"
echo "$P passed, $F failed, $S skipped"
[ $F = 0 ]
