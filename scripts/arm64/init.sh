#!/bin/sh
# /init of the emulated arm64 KVM host (scripts/arm64/run.sh builds it in).
. /lib/kvmrace-vm.sh
run_modes tp_btf raw_tp tracepoint kprobe fentry ftrace
# The same load traced by the kernel alone (ftrace text with its flags column), for
# report to replay on the build host.
T=/sys/kernel/tracing
echo 0 > $T/tracing_on
echo > $T/trace
echo 8192 > $T/buffer_size_kb
for e in kvm/kvm_entry kvm/kvm_exit kvm/kvm_userspace_exit signal/signal_generate signal/signal_deliver \
	sched/sched_switch sched/sched_wakeup; do
	echo 1 > $T/events/$e/enable
done
echo 1 > $T/tracing_on
$LOAD > /tmp/trace.load 2>&1
echo 0 > $T/tracing_on
cat $T/trace > /tmp/trace.txt
emit trace.load /tmp/trace.load
emit trace.txt /tmp/trace.txt
# Injected: the guest spins 3 s; the injector raises a request without IPI on
# every 25th guest entry.
insmod /kvmrace_inject.ko every=25 > /tmp/inject.log 2>&1
/bin/kvmrace-trace -q -t 3ms --max-findings 1000 --json /tmp/injected.json -- /bin/kvmrace-load --spin-ms 3000 \
	> /tmp/injected.load 2> /tmp/injected.err
echo $? > /tmp/injected.rc
P=/sys/module/kvmrace_inject/parameters
{
	echo "signal $(cat $P/injected_signal 2>/dev/null || echo -1)"
	echo "resched $(cat $P/injected_resched 2>/dev/null || echo -1)"
} > /tmp/injected.injections
echo "entries $(cat $P/entries 2>/dev/null)" >> /tmp/inject.log
cat $P/log > /tmp/injected.log 2>&1
rmmod kvmrace_inject >> /tmp/inject.log 2>&1
for x in json rc load err injections log; do emit "injected.$x" "/tmp/injected.$x"; done
emit inject.log /tmp/inject.log
poweroff -f
