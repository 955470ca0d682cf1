#!/bin/bash
# The emulated x86 KVM (SVM) host (make check-x86): kvm_entry/kvm_exit fire
# there, and every attach method is forced once.
. "$(dirname "$0")/../lib.sh"
run_stage check_x86 "$TOP/scripts/x86/run.sh" KVMRACE_SKIP_X86
