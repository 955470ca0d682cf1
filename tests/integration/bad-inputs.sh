#!/bin/bash
# The reproducers of tests/fixtures/bad-inputs/ (README there), each through
# kvmrace-trace built with ASan+UBSan: no sanitizer report, no hang, and the
# promised behaviour (one stderr line and exit 1, or the right verdict).
. "$(dirname "$0")/../lib.sh"
A=$BUILD/asan-trace/kvmrace-trace
B=$TOP/tests/fixtures/bad-inputs
export ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$TOP/tests/lsan.supp
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if [ ! -x "$A" ]; then
	fail "bad_inputs_asan_binary" "$A missing (make $A)"
	exit 0
fi

# run NAME FILE [OPTION...]: report -q on it, bounded; rc in $rc
run() {
	local n=$1 f=$2
	shift 2
	timeout 60 "$A" report --json "$WORK/$n.json" "$@" "$B/$f" > "$WORK/$n.out" 2> "$WORK/$n.err"
	rc=$?
}
san() { grep -E "ERROR: (Address|Leak)Sanitizer|runtime error" "$WORK/$1.err" | head -1; }

# one_line NAME FILE PATTERN: exit 1 with one stderr line matching PATTERN
one_line() {
	local n=$1
	run "$n" "$2"
	if [ -z "$(san "$n")" ] && [ $rc = 1 ] && [ "$(wc -l < "$WORK/$n.err")" = 1 ] && grep -q "$3" "$WORK/$n.err"; then
		pass "bad_input_$n (exit 1: $(cut -c1-120 "$WORK/$n.err"))"
	else
		fail "bad_input_$n" "rc=$rc $(san "$n") $(head -c 300 "$WORK/$n.err")"
	fi
}
one_line ipi_target_2pow31 rec-ipi-target-2pow31.kvmrace "IPI target CPU out of range"
one_line ipi_target_2pow24 rec-ipi-target-2pow24.kvmrace "IPI target CPU out of range"
one_line user_exit_err_int_min rec-user-exit-err-INT_MIN.kvmrace "errno out of range"
one_line end_status_int_min rec-end-command-status-INT_MIN.kvmrace "command status out of range"
one_line text_no_kvm text-no-kvm-two-stderr-lines.txt "no KVM, signal or scheduler event"

# A comm without its NUL: read as a C string, nothing past it in the JSON.
run comm rec-comm-unterminated.kvmrace --perfetto "$WORK/comm.pf" --junit "$WORK/comm.xml"
long=$(jq '[.vcpus[].comm, .findings[].comm] | map(length) | max' "$WORK/comm.json" 2> /dev/null)
if [ -z "$(san comm)" ] && { [ $rc = 0 ] || [ $rc = 2 ]; } && [ -n "$long" ] && [ "$long" -le 15 ]; then
	pass "bad_input_comm_unterminated (exit $rc, longest comm $long bytes)"
else
	fail "bad_input_comm_unterminated" "rc=$rc longest=$long $(san comm)"
fi

# One line out of order: no wrapped guest time, and not a pass.
run wrap engine-past-wrap.txt
if [ -z "$(san wrap)" ] && [ $rc = 3 ] && jqe '.reorder_late > 0 and .verdict == "inconclusive" and
	all(.findings[]; .past_ns <= 1000000000)' "$WORK/wrap.json"; then
	pass "bad_input_past_wrap (inconclusive, reorder_late $(jq .reorder_late "$WORK/wrap.json"), no wrapped time)"
else
	fail "bad_input_past_wrap" "rc=$rc $(jq -c '{verdict, reorder_late, past: [.findings[].past_ns]}' "$WORK/wrap.json" 2>&1) $(san wrap)"
fi

# 1025 vCPU tasks: the late exit of the last one is found, as with 10.
run full import-vcpu-table-full.txt
run control import-vcpu-table-control-10.txt
if [ -z "$(san full)" ] && [ $rc = 2 ] && jqe '.verdict == "violation" and (.vcpus | length) == 1025' "$WORK/full.json"; then
	pass "bad_input_vcpu_table_full (1025 vCPU tasks, the violation found as with 10)"
else
	fail "bad_input_vcpu_table_full" "rc=$rc $(jq -c '{verdict, n: (.vcpus | length)}' "$WORK/full.json" 2>&1) $(san full)"
fi

# The live converter's IPI to three CPUs (a unit test has the converter
# itself): through report, no overflow.
run ipi3 lead-live-ipi-raise-3cpus.line
check "bad_input_ipi_mask_3cpus (exit $rc, no sanitizer report)" test -z "$(san ipi3)" -a $rc = 3

# A CPU number past what Linux has: a malformed line, not a wrapped CPU.
printf ' vcpu-10 [99999] d.... 1.000000: kvm_entry: vcpu 0, rip 0x1\n' > "$WORK/cpu.txt"
timeout 60 "$A" report -q "$WORK/cpu.txt" > /dev/null 2> "$WORK/cpu.err"
one_line_error "bad_input_cpu_99999" 1 "$WORK/cpu.err" $?

# An endless line (/dev/zero as ftrace text): one line and exit 1, in bounded
# memory (it grew to 1.5 GB, and a failed realloc read as the end of file).
( ulimit -v 1000000; timeout 60 "$KT" report -q --format ftrace /dev/zero > /dev/null 2> "$WORK/zero.err" )
rc=$?
grep -q "longer than" "$WORK/zero.err" || rc="$rc (not the line's length: $(cat "$WORK/zero.err"))"
one_line_error "bad_input_endless_line" 1 "$WORK/zero.err" "$rc"
