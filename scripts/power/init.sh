#!/bin/sh
# /init of the emulated POWER KVM-HV host (scripts/power/run.sh builds it in).
# Runs the cases and prints every result file between @@@FILE/@@@END markers.
. /lib/kvmrace-vm.sh	# vm_start, emit, run_injected (scripts/vm-init.sh)
vm_start
echo 1 > /proc/sys/net/core/bpf_jit_enable
m=p9
for a in $(cat /proc/cmdline); do
	case $a in kvmrace_machine=*) m=${a#kvmrace_machine=} ;; esac
done

# No --btf: the kernel has no BTF, kvmrace-trace carries a minimal one for it.
KT="$KT -t 3ms --max-findings 1000"	# bounded (scripts/vm-init.sh)
modprobe kvm-hv > /tmp/modprobe.log 2>&1 || insmod /lib/modules/*/kernel/arch/powerpc/kvm/kvm.ko
[ -e /dev/kvm ] || insmod /lib/modules/*/kernel/arch/powerpc/kvm/kvm-hv.ko >> /tmp/modprobe.log 2>&1
emit modprobe.log /tmp/modprobe.log

/bin/kvmrace-trace check > /tmp/check.txt 2>&1
echo "rc=$?" >> /tmp/check.txt
emit check.txt /tmp/check.txt

# Clean: signal and resched storms from the other CPU, a kick every 20 ms.
$KT -q --json /tmp/clean.json -o /tmp/clean.rec -- /bin/kvmrace-load --signals 30 --resched 30 --period-us 20000 \
	> /tmp/clean.load 2> /tmp/clean.err
echo $? > /tmp/clean.rc
# The same clean load through the ftrace backend (raw per-CPU buffers).
$KT -q --backend ftrace --json /tmp/ftrace.json -- /bin/kvmrace-load --signals 30 --resched 30 --period-us 20000 \
	> /tmp/ftrace.load 2> /tmp/ftrace.err
echo $? > /tmp/ftrace.rc
for x in json rc load err; do emit "ftrace.$x" "/tmp/ftrace.$x"; done

# Injected: every 25th guest entry gets a request without IPI; every one
# must come out as entered_pending.
run_injected -o /tmp/injected.rec
for x in json rc load err; do emit "clean.$x" "/tmp/clean.$x"; done
for c in clean injected; do
	base64 "/tmp/$c.rec" > "/tmp/$c.rec.b64" && emit "$c.rec.b64" "/tmp/$c.rec.b64"
done
finish
