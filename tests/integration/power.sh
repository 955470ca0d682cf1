#!/bin/bash
# The emulated POWER stage (make check-power) and replays of its recordings.
. "$(dirname "$0")/../lib.sh"
FIX=$TOP/tests/fixtures/power

# Replays of recordings made on the emulated hosts (committed fixtures):
# the engine on real POWER event streams, here on any host.
for m in p9 p8; do
	for c in clean injected; do
		rec=$FIX/$m-$c.kvmrace
		[ -f "$rec" ] || { fail "replay_${m}_$c" "missing $rec"; continue; }
		"$KT" report -q -t 2ms --max-findings 1000 --json "$WORK/r.json" "$rec" 2> /dev/null
		rc=$?
		if [ "$c" = clean ]; then
			want='.verdict == "pass" and .runs > 0 and .arch == "powerpc"'
			wrc=0
		else
			is=$(awk '$1 == "signal" {print $2}' "$FIX/$m-injected.injections")
			ir=$(awk '$1 == "resched" {print $2}' "$FIX/$m-injected.injections")
			want=".verdict == \"violation\" and .findings_total.late_exit == 0 and ([.findings[] | select(.cause == \"signal\")] | length) + .requests_caught_by_aborted_entry.signal == $is and ([.findings[] | select(.cause == \"resched\")] | length) + .requests_caught_by_aborted_entry.resched == $ir"
			wrc=2
		fi
		path=$([ $m = p8 ] && echo vcore || echo p9)
		if [ $rc = $wrc ] && jqe "$want and .powerpc_entry_path == \"$path\"" "$WORK/r.json"; then
			pass "replay_${m}_$c ($(jq -c '{verdict, runs, findings: .findings_total}' "$WORK/r.json"))"
		else
			fail "replay_${m}_$c" "rc=$rc $(jq -c '{verdict, runs, findings_total, powerpc_entry_path}' "$WORK/r.json" 2>&1)"
		fi
	done
done

# The kernel's own ftrace text of the real race (a kvm-hv with the 2017 fix
# reverted) and of late kicks (a guest at MSR[EE]=0), recorded on the
# emulated hosts with their ground truth (tests/fixtures/power/real-race):
# report must find what the live stage's checks demand, here on any host,
# through the same checks (scripts/power/storm-assert.sh).
ok() { pass "$1"; }
nok() { fail "$1" "${2:-}"; }
. "$TOP/scripts/inject-lib.sh"	# t, jqt
. "$TOP/scripts/power/storm-assert.sh"	# latekick_checks, reverted_checks
RR=$FIX/real-race
mkdir -p "$WORK/rr"
for n in p9-reverted p8-reverted p9-latekick; do
	f=$WORK/rr/$n
	cp "$RR/$n".* "$WORK/rr/"
	"$KT" report -q -t 1ms --max-findings 1000 --json "$f.json" "$RR/$n.trace.txt" 2> "$f.err"
	echo $? > "$f.rc"
	case $n in
	*-latekick) cp "$RR/$n.trace.txt" "$f.witness"; latekick_checks "replay $n" "$f" ;;
	*) reverted_checks "replay $n" "$f" ;;
	esac
done

# The live emulated stage, every case (the clean load, the injector, the
# storms on the stock module, at MSR[EE]=0 and on the pre-fix module);
# KVMRACE_SKIP_POWER=1 skips it, KVMRACE_POWER_CASES=clean,injected (for
# example) runs a subset.
[ -n "${KVMRACE_POWER_CASES:-}" ] && export POWER_CASES=$KVMRACE_POWER_CASES
run_stage check_power "$TOP/scripts/power/run.sh" KVMRACE_SKIP_POWER
