#!/bin/sh
# /init of the emulated x86 KVM (SVM) host (scripts/x86/run.sh builds it in).
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tracefs nodev /sys/kernel/tracing
echo 1 > /proc/sys/kernel/printk
# -t 20ms: these runs prove the attach methods and the request counts, not
# timing.  Under TCG on a 2-core host an emulated CPU's thread can wait for
# the host's CPU, and a kick IPI then lands late: 1.1 and 3.2 ms measured on
# arm64 (2.2 ms on POWER, whose race-injection runs use 3 ms).
emit() { echo "@@@FILE $1"; cat "$2"; echo "@@@END"; }
modprobe kvm-amd > /tmp/modprobe.log 2>&1
emit modprobe.log /tmp/modprobe.log
/bin/kvmrace-trace check > /tmp/check.txt 2>&1
echo "rc=$?" >> /tmp/check.txt
emit check.txt /tmp/check.txt
for m in tp_btf raw_tp tracepoint fentry kprobe ftrace; do
	if [ $m = ftrace ]; then opt="--backend ftrace"; else opt="--backend bpf --attach $m --perfetto /tmp/$m.pf"; fi
	/bin/kvmrace-trace -q -t 20ms $opt --json /tmp/$m.json -- /bin/kvmrace-load --signals 30 --resched 30 \
		--period-us 10000 > /tmp/$m.load 2> /tmp/$m.err
	echo $? > /tmp/$m.rc
	for x in json rc load err pf; do [ -f "/tmp/$m.$x" ] && emit "$m.$x" "/tmp/$m.$x"; done
done
poweroff -f
