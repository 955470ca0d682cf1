#!/bin/bash
# The emulated x86 KVM (SVM) host (make check-x86): kvm_entry/kvm_exit fire
# there, and every attach method is forced once.
. "$(dirname "$0")/../lib.sh"
if [ "${KVMRACE_SKIP_X86:-0}" = 1 ]; then
	skip "check_x86" "KVMRACE_SKIP_X86=1"
elif [ "$(id -u)" != 0 ]; then
	skip "check_x86" "not root (the runner installs packages and boots qemu)"
else
	start=$(date +%s)
	"$TOP/scripts/x86/run.sh" > "$WORK/x86.log" 2>&1
	rc=$?
	grep -E '^(ok|not ok)' "$WORK/x86.log" | sed 's/^/    /'
	if [ $rc = 0 ]; then
		pass "check_x86 ($(tail -1 "$WORK/x86.log"); $(( $(date +%s) - start )) s with downloads)"
	else
		fail "check_x86" "$(grep -E '^(not ok|x86:)' "$WORK/x86.log" | tail -5)"
	fi
fi
