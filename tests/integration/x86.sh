#!/bin/bash
# The emulated x86 KVM (SVM) host (make check-x86): kvm_entry/kvm_exit fire
# there, every attach method is forced once, and every request the race
# injector leaves pending is found.
. "$(dirname "$0")/../lib.sh"
# It boots Debian 12's 6.12 kernel (also in bookworm): the emulated host
# of the live cases boots its 6.1 (tests/run.sh), so the suite covers
# both.  X86_KERNEL=6.1 picks that one here too.
export X86_KERNEL=${X86_KERNEL:-6.12}
run_stage check_x86 "$TOP/scripts/x86/run.sh" KVMRACE_SKIP_X86
