#!/bin/sh
# /init of the emulated POWER KVM-HV host (scripts/power/run.sh builds it in).
# Runs the cases and prints every result file between @@@FILE/@@@END markers.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tracefs nodev /sys/kernel/tracing
echo 1 > /proc/sys/kernel/printk
echo 1 > /proc/sys/net/core/bpf_jit_enable
m=p9
for a in $(cat /proc/cmdline); do
	case $a in kvmrace_machine=*) m=${a#kvmrace_machine=} ;; esac
done

emit() {	# emit NAME FILE
	echo "@@@FILE $1"
	cat "$2"
	echo "@@@END"
}

# No --btf: the kernel has no BTF, kvmrace-trace carries a minimal one for it.
KT="/bin/kvmrace-trace -t 3ms --max-findings 1000"
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

# Injected: the guest spins, the injector raises a request without IPI on
# every 25th guest entry; every one must come out as entered_pending.
insmod /kvmrace_inject.ko every=25 > /tmp/inject.log 2>&1
$KT -q --json /tmp/injected.json -o /tmp/injected.rec -- /bin/kvmrace-load --spin-ms 3000 \
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

for c in clean injected; do
	for x in json rc load err; do emit "$c.$x" "/tmp/$c.$x"; done
done
for c in clean injected; do
	base64 "/tmp/$c.rec" > "/tmp/$c.rec.b64" && emit "$c.rec.b64" "/tmp/$c.rec.b64"
done
emit injected.injections /tmp/injected.injections
emit injected.log /tmp/injected.log
emit inject.log /tmp/inject.log
poweroff -f
