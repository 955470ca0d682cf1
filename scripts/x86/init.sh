#!/bin/sh
# /init of the emulated x86 KVM (SVM) host (scripts/x86/run.sh builds it in).
. /lib/kvmrace-vm.sh
vm_start
modprobe kvm-amd > /tmp/modprobe.log 2>&1
emit modprobe.log /tmp/modprobe.log
run_modes tp_btf raw_tp tracepoint fentry kprobe ftrace
run_injected
finish
