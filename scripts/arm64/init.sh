#!/bin/sh
# /init of the emulated arm64 KVM host (scripts/arm64/run.sh builds it in).
. /lib/kvmrace-vm.sh
vm_start
run_modes tp_btf raw_tp tracepoint kprobe fentry ftrace
# The same load traced by the kernel alone (ftrace text with its flags column), for
# report to replay on the build host.
T=/sys/kernel/tracing
echo 0 > $T/tracing_on
echo > $T/trace
echo 8192 > $T/buffer_size_kb
# The events kvmrace's ftrace backend enables on arm64: with the host
# interrupts and IPIs, the replay can end guest runs and classify findings.
for e in kvm/kvm_entry kvm/kvm_exit kvm/kvm_userspace_exit signal/signal_generate signal/signal_deliver \
	sched/sched_switch sched/sched_wakeup sched/sched_waking irq/irq_handler_entry ipi/ipi_entry \
	ipi/ipi_send_cpu ipi/ipi_raise; do
	[ -e $T/events/$e/enable ] && echo 1 > $T/events/$e/enable
done
echo 1 > $T/tracing_on
$LOAD > /tmp/trace.load 2>&1
echo 0 > $T/tracing_on
cat $T/trace > /tmp/trace.txt
emit trace.load /tmp/trace.load
emit trace.txt /tmp/trace.txt
run_injected
finish
