#!/bin/bash
# kvmrace-trace itself (not only the unit tests) under ASan+UBSan: live BPF
# and ftrace runs, report of each input format, every export.  Any sanitizer
# report fails the case; the results must also be right.
. "$(dirname "$0")/../lib.sh"
# The ASan build make check builds (build/asan-trace; the emulated x86 host,
# where the live cases may run, builds nothing: it uses this one).
A=$BUILD/asan-trace
if ! emulated && ! make -s -C "$TOP" BUILD="$BUILD" "$A/kvmrace-trace" > "$WORK/asan-build.log" 2>&1; then
	fail "asan_build" "$(tail -3 "$WORK/asan-build.log")"
	exit 0
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 LSAN_OPTIONS=suppressions=$TOP/tests/lsan.supp
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
san() { grep -E "ERROR: (Address|Leak)Sanitizer|runtime error" "$1" | head -2; }

# live, each backend
if live_gate asan_live_bpf asan_live_ftrace; then
	for b in bpf ftrace; do
		# -t 20ms: this is about the sanitizers; the timing claims are live.sh's
		"$A/kvmrace-trace" -q -t 20ms --backend $b --json "$WORK/live.$b.json" -o "$WORK/live.$b.rec" -- "$KL" --signals 50 --resched 50 \
			> "$WORK/live.$b.out" 2> "$WORK/live.$b.err"
		rc=$?
		s=$(san "$WORK/live.$b.err")
		if [ -z "$s" ] && judged $rc "$WORK/live.$b.json" && jqe '.requests.signal == 50' "$WORK/live.$b.json"; then
			pass "asan_live_$b (clean; $(jq -c .requests "$WORK/live.$b.json")$(late_note "$WORK/live.$b.json"))"
		else
			fail "asan_live_$b" "rc=$rc ${s:-$(jq -c '{verdict, requests}' "$WORK/live.$b.json" 2>&1)} violations=$(violations "$WORK/live.$b.json") $(grep -v '^ ' "$WORK/live.$b.err" | head -c 200)"
		fi
	done
fi
offline_here || exit 0

# report: ftrace text, perf script text, a recording; every export
FX=$TOP/tests/fixtures
for f in "$FX/power/ftrace/p9-signal.trace.txt" "$FX/arm64/kvm-signal-resched.trace.txt" "$FX/power/p8-injected.kvmrace"; do
	n=$(basename "$f")
	"$A/kvmrace-trace" report -t 3ms --json "$WORK/$n.json" --perfetto "$WORK/$n.pf" --perf-script "$WORK/$n.ps" \
		--junit "$WORK/$n.xml" --tap "$f" > "$WORK/$n.out" 2> "$WORK/$n.err"
	rc=$?
	s=$(san "$WORK/$n.err")
	want=$("$KT" report -q -t 3ms --json - "$f" 2> /dev/null | jq -c '{verdict, runs, requests, violations}')
	got=$(jq -c '{verdict, runs, requests, violations}' "$WORK/$n.json" 2> /dev/null)
	if [ -z "$s" ] && { [ $rc = 0 ] || [ $rc = 2 ]; } && [ -n "$got" ] && [ "$got" = "$want" ]; then
		pass "asan_report_$n (clean; $got)"
	else
		fail "asan_report_$n" "rc=$rc ${s:-results differ: $got vs $want}"
	fi
done
"$A/kvmrace-trace" report -q -t 3ms --json "$WORK/ps.json" "$WORK/p8-injected.kvmrace.ps" 2> "$WORK/ps.err"
rc=$?
s=$(san "$WORK/ps.err")
if [ -z "$s" ] && [ $rc = 2 ] && [ "$(jq -c '{runs, violations}' "$WORK/ps.json")" = "$(jq -c '{runs, violations}' "$WORK/p8-injected.kvmrace.json")" ]; then
	pass "asan_report_perf_script_roundtrip (clean)"
else
	fail "asan_report_perf_script_roundtrip" "rc=$rc $s"
fi
