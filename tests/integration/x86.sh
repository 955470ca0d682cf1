#!/bin/bash
# The emulated x86 KVM (SVM) host (make check-x86): kvm_entry/kvm_exit fire
# there, every attach method is forced once, and every request the race
# injector leaves pending is found.
. "$(dirname "$0")/../lib.sh"
run_stage check_x86 "$TOP/scripts/x86/run.sh" KVMRACE_SKIP_X86
