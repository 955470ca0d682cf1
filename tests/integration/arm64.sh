#!/bin/bash
# The emulated arm64 KVM host (make check-arm64): the cross build (make
# ARCH=arm64) runs live there in every attach method and with the ftrace
# backend, finds every request the race injector leaves pending, and its
# CO-RE relocations resolve against that kernel's BTF.
. "$(dirname "$0")/../lib.sh"
run_stage check_arm64 "$TOP/scripts/arm64/run.sh" KVMRACE_SKIP_ARM64
