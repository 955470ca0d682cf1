# Sourced by the /init of the emulated x86, arm64 and POWER KVM hosts
# (installed as /lib/kvmrace-vm.sh by vm_initramfs in scripts/vm-lib.sh, and
# by scripts/power/run.sh).
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tracefs nodev /sys/kernel/tracing
echo 1 > /proc/sys/kernel/printk
LOAD="/bin/kvmrace-load --signals 30 --resched 30 --period-us 10000"
# Each traced run is bounded: a run that hangs (once, on a loaded CI host,
# the x86 VM stopped in one mode until qemu's own 10-minute limit) fails
# alone, with its exit status 137, and the other runs and the report go on.
KT="timeout -s KILL 150 /bin/kvmrace-trace"

# A file to the console, between markers the host's vm_extract reads.
emit() { echo "@@@FILE $1"; cat "$2"; echo "@@@END"; }

# run_modes MODE...: `check`, then kvmrace-trace around the load once per
# attach method (ftrace: --backend ftrace).
# -t 20ms: these runs prove the attach methods and the request counts, not
# timing.  Under TCG on a 2-core host an emulated CPU's thread can wait for
# the host's CPU, and a kick IPI then lands late: 1.1 and 3.2 ms measured on
# arm64 (2.2 ms on POWER, whose race-injection runs use 3 ms).
run_modes() {
	/bin/kvmrace-trace check > /tmp/check.txt 2>&1
	echo "rc=$?" >> /tmp/check.txt
	emit check.txt /tmp/check.txt
	for m in "$@"; do
		if [ $m = ftrace ]; then opt="--backend ftrace"; else opt="--backend bpf --attach $m --perfetto /tmp/$m.pf"; fi
		$KT -q -t 20ms $opt --json /tmp/$m.json -- $LOAD > /tmp/$m.load 2> /tmp/$m.err
		echo $? > /tmp/$m.rc
		for x in json rc load err pf; do [ -f "/tmp/$m.$x" ] && emit "$m.$x" "/tmp/$m.$x"; done
	done
}

# run_injected [OPTION...]: the guest spins 3 s while the race injector
# (/kvmrace_inject.ko) raises a request without IPI on every 25th guest
# entry; OPTIONs go to kvmrace-trace.
run_injected() {
	local P=/sys/module/kvmrace_inject/parameters x
	insmod /kvmrace_inject.ko every=25 > /tmp/inject.log 2>&1
	$KT -q -t 3ms --max-findings 1000 "$@" --json /tmp/injected.json -- /bin/kvmrace-load --spin-ms 3000 \
		> /tmp/injected.load 2> /tmp/injected.err
	echo $? > /tmp/injected.rc
	{
		echo "signal $(cat $P/injected_signal 2>/dev/null || echo -1)"
		echo "resched $(cat $P/injected_resched 2>/dev/null || echo -1)"
	} > /tmp/injected.injections
	echo "entries $(cat $P/entries 2>/dev/null)" >> /tmp/inject.log
	cat $P/log > /tmp/injected.log 2>&1
	rmmod kvmrace_inject >> /tmp/inject.log 2>&1
	for x in json rc load err injections log; do emit "injected.$x" "/tmp/injected.$x"; done
	emit inject.log /tmp/inject.log
}
