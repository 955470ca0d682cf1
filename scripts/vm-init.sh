# Sourced by the /init of the emulated x86, arm64 and POWER KVM hosts
# (installed as /lib/kvmrace-vm.sh by vm_initramfs in scripts/vm-lib.sh, and
# by scripts/power/run.sh), which call vm_start first.  Definitions only, so
# that tests/integration/vm-harness.sh can try them on the build host.
CONSOLE=${CONSOLE:-/dev/console}
SYSRQ=${SYSRQ:-/proc/sysrq-trigger}
VMTMP=${VMTMP:-/tmp}
GRACE=${GRACE:-10}	# bounded: seconds from SIGTERM to SIGKILL, and on to giving up

# vm_start: mounts, busybox's applets, and kernel errors (RCU stalls, hung
# tasks, soft lockups, oopses) to the console, where they show even when
# userspace cannot run (vm_extract on the host drops them from the files);
# sysrq for the hang reports below.
vm_start() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	mount -t tracefs nodev /sys/kernel/tracing
	/bin/busybox --install -s /bin 2> /dev/null
	echo 4 > /proc/sys/kernel/printk
	echo 1 > /proc/sys/kernel/sysrq
}

LOAD="/bin/kvmrace-load --signals 30 --resched 30 --period-us 10000"
# Each traced run is bounded (bounded below): a run that hangs fails alone,
# with a report of what the kernel was doing, and the other runs go on.
KT="bounded 150 /bin/kvmrace-trace"

# alive PID: the process exists and has not exited (a zombie has).
alive() {
	local s
	read -r s < "/proc/$1/stat" 2> /dev/null || return 1
	s=${s##*) }
	[ "${s%% *}" != Z ]
}

# children PID: the processes whose parent is PID.
children() {
	local d s
	for d in /proc/[0-9]*; do
		read -r s < "$d/stat" 2> /dev/null || continue
		s=${s##*) }	# state ppid ...
		s=${s#* }
		[ "${s%% *}" = "$1" ] && echo "${d#/proc/}"
	done
}

# hang_report WHY: what the kernel was doing, to stdout: every user process's
# state, wait channel and kernel stack, the blocked tasks and every CPU's
# backtrace (sysrq w, l), and the end of the kernel log.
hang_report() {
	local d s c
	echo "$1"
	for d in /proc/[0-9]*; do
		c=$(tr '\0' ' ' < "$d/cmdline" 2> /dev/null | head -c 100)
		[ -n "$c" ] || continue	# kernel threads have none
		read -r s < "$d/stat" 2> /dev/null || continue
		echo "--- ${d#/proc/} $c| state ${s##*) }" | cut -c1-160
		echo "    wchan $(cat "$d/wchan" 2> /dev/null)"
		sed 's/^/    /' "$d/stack" 2> /dev/null
	done
	echo w > "$SYSRQ"
	echo l > "$SYSRQ"
	sleep 1
	echo "--- dmesg"
	dmesg -r | tail -n 200
}

# bounded LIMIT CMD...: CMD (the caller's redirections apply to it), and if
# it runs past LIMIT seconds: a report (hang_report) straight to the console
# as hang.<n>, SIGTERM (kvmrace-trace stops, ends its command and writes
# what it saw), SIGKILL to it and its children GRACE (10) s later, and if it
# is still there GRACE s after that (stuck in the kernel) a second report, and the init
# goes on without it.  Exit status: CMD's (143/137 when ended so), or 124
# when it would not end.  The watchdog sleeps, it does not poll: a poller
# waking twice a second moved the emulated POWER9 host's injected findings
# off the host tick (median 0.55 ms past instead of 3.9).
HANGS=0
bounded() {
	local limit=$1 pid w rc
	shift
	"$@" &
	pid=$!
	HANGS=$((HANGS + 1))
	bounded_watch $limit $pid $$ $HANGS "$*" &
	w=$!
	trap : USR1	# lets the watchdog end the wait below
	wait $pid
	rc=$?
	trap - USR1
	[ -e "$VMTMP/hang.$HANGS.b" ] && rc=124
	kill $(children $w) $w 2> /dev/null
	wait $w 2> /dev/null
	return $rc
}

# bounded_watch LIMIT PID SHELL N WHAT: bounded's watchdog (in the background).
bounded_watch() {
	local k
	sleep $1
	alive $2 || return 0
	hang_report "$5 ran past $1 s" > "$VMTMP/hang.$4" 2>&1
	emit hang.$4 "$VMTMP/hang.$4" > "$CONSOLE"
	kill -TERM $2
	sleep $GRACE
	alive $2 || return 0
	for k in $(children $2); do kill -KILL $k; done
	kill -KILL $2
	sleep $GRACE
	alive $2 || return 0
	hang_report "$5 still there $GRACE s after SIGKILL" > "$VMTMP/hang.$4.b" 2>&1
	emit hang.$4.b "$VMTMP/hang.$4.b" > "$CONSOLE"
	kill -USR1 $3
}

# finish: the end marker the host checks (a VM that stops before it did not
# run to its end), then power off.
finish() { echo "@@@DONE"; poweroff -f; }

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
	$KT -q -t 3ms --max-findings 1000 "$@" --json /tmp/injected.json --perfetto /tmp/injected.pf \
		-- /bin/kvmrace-load --spin-ms 3000 > /tmp/injected.load 2> /tmp/injected.err
	echo $? > /tmp/injected.rc
	{
		echo "signal $(cat $P/injected_signal 2>/dev/null || echo -1)"
		echo "resched $(cat $P/injected_resched 2>/dev/null || echo -1)"
	} > /tmp/injected.injections
	echo "entries $(cat $P/entries 2>/dev/null)" >> /tmp/inject.log
	cat $P/log > /tmp/injected.log 2>&1
	rmmod kvmrace_inject >> /tmp/inject.log 2>&1
	for x in json rc load err injections log pf; do emit "injected.$x" "/tmp/injected.$x"; done
	emit inject.log /tmp/inject.log
}
