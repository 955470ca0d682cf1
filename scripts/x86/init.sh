#!/bin/sh
# /init of the emulated x86 KVM (SVM) host (scripts/x86/run.sh builds it in).
. /lib/kvmrace-vm.sh
vm_start
TRACER_CPU=$(sed -n 's/.*kvmrace_tracer_cpu=\([0-9]*\).*/\1/p' /proc/cmdline)
# Kernel warnings too (clocksource changes: TSC found unstable): the console
# is where a stalled boot's last words are.
echo 5 > /proc/sys/kernel/printk
modprobe kvm-amd > /tmp/modprobe.log 2>&1
emit modprobe.log /tmp/modprobe.log
clock_state > /tmp/clock.txt
emit clock.txt /tmp/clock.txt
run_modes tp_btf raw_tp tracepoint fentry kprobe ftrace
run_injected
dmesg > /tmp/dmesg.txt
emit dmesg.txt /tmp/dmesg.txt
finish
