#!/bin/bash
# Bad input: one clear line on stderr, exit 1, never a crash.
. "$(dirname "$0")/../lib.sh"

run_err() {	# run_err NAME CMD...: expect exit 1 and exactly one stderr line
	local name=$1; shift
	"$@" > "$WORK/out" 2> "$WORK/err"
	one_line_error "$name" 1 "$WORK/err" $?
}

printf 'this is not a recording\n' > "$WORK/garbage"
run_err "err_garbage_recording" "$KT" report "$WORK/garbage"
grep -q "not a kvmrace recording" "$WORK/err" || fail "err_garbage_recording_message" "$(cat "$WORK/err")"

# A real recording cut mid-record (needs a live run; else a synthetic one).
if [ -z "$(live_missing)" ]; then
	"$KT" -q -o "$WORK/rec" -- "$KL" --signals 5 > /dev/null 2>&1
else
	"$BUILD/kvmrace-synth" -n 1000 -o "$WORK/rec" > /dev/null
fi
size=$(stat -c %s "$WORK/rec")
head -c $((size - 10)) "$WORK/rec" > "$WORK/cut"
run_err "err_truncated_recording" "$KT" report "$WORK/cut"
grep -q "truncated record at offset" "$WORK/err" || fail "err_truncated_recording_message" "$(cat "$WORK/err")"
head -c 20 "$WORK/rec" > "$WORK/cuthdr"
run_err "err_truncated_header" "$KT" report "$WORK/cuthdr"

run_err "err_missing_recording" "$KT" report "$WORK/does-not-exist"
run_err "err_recording_is_directory" "$KT" report "$WORK"
run_err "err_report_without_file" "$KT" report
run_err "err_unknown_option" "$KT" --bogus
run_err "err_unknown_report_option" "$KT" report --bogus "$WORK/rec"
run_err "err_bad_threshold" "$KT" report -t 5parsecs "$WORK/rec"
run_err "err_bad_duration" "$KT" -d -3
run_err "err_bad_attach" "$KT" --attach kprobe-multi
run_err "err_missing_value" "$KT" -t
run_err "err_unknown_command" "$KT" frobnicate
run_err "err_no_command_after_dashes" "$KT" --
run_err "err_json_unwritable" "$KT" report --json /nonexistent-dir/x.json "$WORK/rec"

# A pid that does not exist: one past the largest in use, below pid_max.
pid=$(( $(cat /proc/sys/kernel/pid_max) - 1 ))
while [ -e "/proc/$pid" ]; do pid=$((pid - 1)); done
if [ "$(id -u)" = 0 ]; then
	run_err "err_missing_pid" "$KT" -p "$pid" -d 1
	grep -q "no such process" "$WORK/err" || fail "err_missing_pid_message" "$(cat "$WORK/err")"
else
	skip "err_missing_pid" "not root (the privilege check comes first)"
fi

# Without privileges.
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
	cp "$KT" "$WORK/kt" && chmod 755 "$WORK" "$WORK/kt"
	run_err "err_not_root_trace" setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$WORK/kt" -d 1
	grep -q "needs root" "$WORK/err" || fail "err_not_root_message" "$(cat "$WORK/err")"
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$WORK/kt" check > "$WORK/out" 2>&1
	rc=$?
	if [ $rc = 1 ] && grep -q "insufficient privileges" "$WORK/out"; then pass "err_not_root_check"; else fail "err_not_root_check" "rc=$rc"; fi
else
	skip "err_not_root_trace" "needs root to drop to an unprivileged user (setpriv)"
	skip "err_not_root_check" "needs root to drop to an unprivileged user (setpriv)"
fi

# --btf: a file that is not BTF, and a BTF for another kernel (its RELEASE
# file says so): one clear line, exit 1.  A BTF that matches works.
head -c 4096 /dev/urandom > "$WORK/bad.btf"
run_err "err_btf_not_btf" "$KT" -q --btf "$WORK/bad.btf" -d 0.1
grep -q "not a BTF file" "$WORK/err" || fail "err_btf_not_btf_message" "$(cat "$WORK/err")"
mkdir -p "$WORK/otherbtf"
xz -dc "$TOP/vmlinux-h/powerpc/vmlinux.btf.xz" > "$WORK/otherbtf/vmlinux.btf"
echo "5.0.0-not-this-kernel" > "$WORK/otherbtf/RELEASE"
run_err "err_btf_wrong_kernel" "$KT" -q --btf "$WORK/otherbtf/vmlinux.btf" -d 0.1
grep -q "is for kernel 5.0.0-not-this-kernel" "$WORK/err" || fail "err_btf_wrong_kernel_message" "$(cat "$WORK/err")"
if [ -z "$(live_missing)" ] && [ -r /sys/kernel/btf/vmlinux ]; then
	cp /sys/kernel/btf/vmlinux "$WORK/own.btf"
	"$KT" -q --backend bpf --btf "$WORK/own.btf" --json "$WORK/own.json" -- "$KL" --signals 20 > /dev/null 2>&1
	rc=$?
	[ $rc = 0 ] && jqe '.requests.signal == 20' "$WORK/own.json" && pass "btf_matching_file_works (--btf with this kernel's BTF)" || fail "btf_matching_file_works" "rc=$rc"
fi

# check: without BPF's CO-RE types (a bad --btf stands in for a kernel
# without BTF) the ftrace backend can still trace: exit 0, and it says so.
if [ "$(id -u)" = 0 ]; then
	"$KT" check --btf /etc/passwd > "$WORK/chk.out" 2>&1
	rc=$?
	if [ $rc = 0 ] && grep -q "verdict     : BPF cannot trace (no BTF for CO-RE: --btf /etc/passwd" "$WORK/chk.out" &&
		grep -q "^  ftrace      : available" "$WORK/chk.out"; then
		pass "check_no_btf_ftrace_can (exit 0, names the ftrace backend)"
	else
		fail "check_no_btf_ftrace_can" "rc=$rc $(tail -2 "$WORK/chk.out")"
	fi
else
	skip "check_no_btf_ftrace_can" "not root"
fi
