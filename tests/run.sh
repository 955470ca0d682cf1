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

. "$TOP/tests/lib.sh"

# run_file FILE: one shell test file, its lines indented, and its time.
run_file() {
	local t0=$SECONDS
	echo "# $(basename "$1")"
	bash "$1" 2>&1 | sed 's/^/  /'
	echo "  # $(basename "$1"): $((SECONDS - t0)) s"
}

# Where there is no /dev/kvm, the live cases of every file run in one boot
# of the emulated x86 KVM host (tests/lib.sh: live_where, live_gate): each
# file first builds what its live cases need (KR_PREPARE=1 ends it at its
# live_gate), the emulated host boots in the background, and the files
# print and count their live results after it (KR_VM_LIVE).  Its TCG takes
# one core (thread=single), so the unit tests and the files that need
# neither it nor an emulated host of their own (host_files) run beside it.
VM_PID=
if [ "$(live_where)" = vm ]; then
	VMD=$WORK/vm-live
	mapfile -t lf < <(live_files)
	for s in "${lf[@]}"; do KR_PREPARE=1 KR_RESULTS=/dev/null bash "$s" > "$WORK/prepare.log" 2>&1; done
	VM_T0=$SECONDS
	{ "$TOP/scripts/x86/live.sh" "$VMD" "${lf[@]}" > "$VMD.log" 2>&1; echo "scripts/x86/live.sh exit $?" >> "$VMD.log"; } &
	VM_PID=$!
fi

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

mapfile -t hf < <(host_files)
for s in "${hf[@]}"; do run_file "$s"; done

if [ -n "$VM_PID" ]; then
	wait "$VM_PID"
	echo "# live cases of ${#lf[@]} files ($(basename -a "${lf[@]}" | tr '\n' ' ')): no /dev/kvm here, so in the emulated x86 KVM host"
	grep '^#' "$VMD.log" | sed 's/^/  /'
	echo "  # the emulated x86 host ran them in $((SECONDS - VM_T0)) s (boot, setup and shutdown included; beside the files above)"
	export KR_VM_LIVE=$VMD
fi

for s in "$TOP"/tests/integration/*.sh; do
	printf '%s\n' "${hf[@]}" | grep -qxF "$s" || run_file "$s"
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
