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

# Where there is no /dev/kvm, the live cases of every file run in one boot
# of the emulated x86 KVM host (tests/lib.sh: live_where, live_gate), before
# the files: each file first builds what its live cases need (KR_PREPARE=1
# ends it at its live_gate), and then prints and counts their results in
# its turn.
. "$TOP/tests/lib.sh"
if [ "$(live_where)" = vm ]; then
	VMD=$WORK/vm-live
	mapfile -t lf < <(live_files)
	echo "# live cases of ${#lf[@]} files ($(basename -a "${lf[@]}" | tr '\n' ' ')): no /dev/kvm here, so in the emulated x86 KVM host"
	for s in "${lf[@]}"; do KR_PREPARE=1 KR_RESULTS=/dev/null bash "$s" > "$WORK/prepare.log" 2>&1; done
	t0=$(date +%s)
	"$TOP/scripts/x86/live.sh" "$VMD" "${lf[@]}" > "$VMD.log" 2>&1
	echo "scripts/x86/live.sh exit $?" >> "$VMD.log"
	grep '^#' "$VMD.log" | sed 's/^/  /'
	echo "  # the emulated x86 host ran them in $(( $(date +%s) - t0 )) s (boot, setup and shutdown included)"
	export KR_VM_LIVE=$VMD
fi

for s in "$TOP"/tests/integration/*.sh; do
	echo "# $(basename "$s")"
	bash "$s" 2>&1 | sed 's/^/  /'
done

# Nothing of ours may stay loaded after the tests.
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
