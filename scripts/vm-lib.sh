# Shared by the emulated KVM host runners (scripts/x86/run.sh,
# scripts/arm64/run.sh): packages, the initramfs skeleton, the console
# markers that carry files out of the guest, and the assertions.
die() { echo "$VM_NAME: $*" >&2; exit 1; }

# vm_packages PKG...: install the host packages that are missing.
vm_packages() {
	local need="" p
	for p in "$@"; do dpkg -s "$p" > /dev/null 2>&1 || need="$need $p"; done
	[ -n "$need" ] || return 0
	# The lock every apt run of the project's scripts takes (others may run
	# apt at the same time).
	flock /tmp/kvmrace-apt.lock apt-get update -qq > /dev/null 2>&1 || true
	# shellcheck disable=SC2086
	flock /tmp/kvmrace-apt.lock apt-get install -y -qq --no-install-recommends $need > /dev/null || die "cannot install$need"
}

# vm_initramfs ROOT BUSYBOX BIN_DIR INIT: busybox, kvmrace-trace and
# kvmrace-load from BIN_DIR, INIT as /init, and the helpers it sources
# (scripts/vm-init.sh as /lib/kvmrace-vm.sh).
vm_initramfs() {
	local r=$1 a
	rm -rf "$r" && mkdir -p "$r"/{bin,dev,proc,sys,tmp,lib/modules}
	cp "$2" "$r/bin/busybox"
	for a in sh mount mkdir cat echo insmod rmmod modprobe poweroff sleep ls grep timeout; do ln -s busybox "$r/bin/$a"; done
	cp "$3/kvmrace-trace" "$3/kvmrace-load" "$r/bin/" || die "no binaries in $3"
	cp "$4" "$r/init" && chmod +x "$r/init"
	mkdir -p "$r/lib" && cp "$TOP/scripts/vm-init.sh" "$r/lib/kvmrace-vm.sh"
}

# vm_kbuild KVER: the kbuild package of that Debian kernel version (6.1.0-NN:
# linux-kbuild-6.1; 6.12.NN+deb12: linux-kbuild-6.12.NN+deb12).
vm_kbuild() {
	case $1 in
	6.1.0-*) echo linux-kbuild-6.1 ;;
	*) echo "linux-kbuild-$1" ;;
	esac
}

# vm_headers DIR KREL KVER: unpack the kernel's headers (arch and common
# halves) and kbuild from the cached .debs in the current directory into DIR.
vm_headers() {
	local h=$1 krel=$2 kver=$3 d
	for d in "linux-headers-$krel" "linux-headers-$kver-common" "$(vm_kbuild "$kver")"; do
		dpkg-deb -x "$(ls "${d}"_*.deb | tail -1)" "$h" || die "cannot unpack $d"
	done
	# The arch headers include their common half by absolute path.
	sed -i "s|^include /usr/src/|include $h/usr/src/|" "$h/usr/src/linux-headers-$krel/Makefile"
}

# vm_injector HEADERS KREL OUT_DIR [MAKE ARGS...]: build the race injector
# (tests/inject) against those headers into OUT_DIR/kvmrace_inject.ko.
vm_injector() {
	local h=$1 krel=$2 inj=$3
	shift 3
	rm -rf "$inj" && cp -r "$TOP/tests/inject" "$inj"
	make -s -C "$h/usr/src/linux-headers-$krel" M="$inj" "$@" modules > "$inj.build.log" 2>&1 ||
		{ cat "$inj.build.log"; die "injector module build failed"; }
}

# vm_pack ROOT OUT: the initramfs archive.
vm_pack() { (cd "$1" && find . | cpio -o -H newc 2> /dev/null | gzip -1) > "$2"; }

# vm_extract CONSOLE DIR [PREFIX]: the files the guest printed between
# "@@@FILE name" and "@@@END" lines, into DIR/PREFIXname.  Kernel messages
# ("[   12.345678] ..." lines: errors reach the console, scripts/vm-init.sh)
# are not file content.
vm_extract() {
	tr -d '\r' < "$1" | awk -v dir="$2" -v pre="${3:-}" '
		/^\[ *[0-9]+\.[0-9]+\] / { next }
		/^@@@FILE / { f = dir "/" pre $2; printf "" > f; next }
		/^@@@END/ { if (f) close(f); f = ""; next }
		f { print >> f }'
	# Files sent gzipped (emitz in scripts/vm-init.sh); a damaged one is
	# reported, and its result then counts as missing.
	local z
	for z in "$2/${3:-}"*.gz.b64; do
		[ -f "$z" ] || continue
		base64 -d "$z" 2> /dev/null | gunzip > "${z%.gz.b64}" 2> /dev/null ||
			{ echo "# $(basename "$z") did not decode"; rm -f "${z%.gz.b64}"; }
		rm -f "$z"
	done
}

# vm_boot CONSOLE QEMU [ARG...]: boot the emulated host (vm_qemu: qemu
# bounded to VM_LIMIT s, default 300, a normal boot runs 20-130 s; ended
# earlier if its console stays silent VM_SILENCE s, default 180, after a dump
# of the guest's CPU state), its console into CONSOLE.  A boot that stops
# before its end marker (finish in scripts/vm-init.sh), or in which a run
# outlived its bound (bounded there), is reported as "#" lines - why, the end
# of its console, its hang reports, the stall dump -, kept as CONSOLE.1 (and
# CONSOLE.1.stall), and booted once more: twice in about ten CI runs the x86
# host stopped for good in the middle of a run (once in --attach tracepoint,
# once in the injected run), which says nothing about the run's assertions.
# The second boot's results stand, whatever they are.
vm_boot() {
	local c=$1 try rc d
	shift
	rm -f "$c.1" "$c.1.stall"
	for try in 1 2; do
		vm_qemu "$c" "$@"
		rc=$?
		if vm_done "$c" && ! grep -q '^@@@FILE hang\.' "$c"; then
			return 0
		fi
		case $rc in
		124) echo "# $VM_NAME: qemu ran past its limit ($VM_LIMIT s) and was ended after a dump of the guest's state ($c.stall)"
			vm_report_stall "$c.stall" ;;
		125) echo "# $VM_NAME: the console was silent for $VM_SILENCE s, below the guest's own watchdog: qemu was ended after a dump of the guest's state ($c.stall)"
			vm_report_stall "$c.stall" ;;
		esac
		[ $try = 2 ] && return 1
		echo "# $VM_NAME: the emulated host stopped before its end, or a run in it outlived its bound (qemu exit $rc): booting it again; the first boot (console in $c.1):"
		vm_console_tail "$c"
		d=$(mktemp -d)
		vm_extract "$c" "$d"
		vm_report_hangs "$d"
		rm -rf "$d"
		mv "$c" "$c.1"
		[ -f "$c.stall" ] && mv "$c.stall" "$c.1.stall"
	done
}

VM_LIMIT=${VM_LIMIT:-300}
VM_SILENCE=${VM_SILENCE:-180}
VM_NMI_WAIT=${VM_NMI_WAIT:-5}
VM_QMP=$(dirname "${BASH_SOURCE[0]}")/vm-qmp.py
# Debian's python3 (make deps), not a wrapper that takes seconds to start.
VM_PY=$(command -v /usr/bin/python3 || command -v python3)

# vm_qemu CONSOLE QEMU [ARG...]: one boot, QEMU given a QMP socket, its
# console into CONSOLE.  If the console stays silent VM_SILENCE s (the guest's
# own watchdog, bounded in scripts/vm-init.sh, reports a run at 150 s; a
# longer silence is below it: the guest kernel or QEMU), or qemu runs past
# VM_LIMIT s (a guest kernel that prints its lockups is not silent), the
# guest's state goes to CONSOLE.stall (vm_stall_dump) and qemu is ended, by
# its PID.  Exit status: qemu's, 124 past the limit, 125 silent.  The host
# polls once a second; the guest does not notice.
vm_qemu() {
	local c=$1 sock pid size last=-1 t0=$SECONDS changed=$SECONDS rc=
	shift
	rm -f "$c.stall"
	sock=$(mktemp -u /tmp/kvmrace-qmp.XXXXXX)
	"$@" -qmp "unix:$sock,server=on,wait=off" > "$c" 2>&1 < /dev/null &
	pid=$!
	while sleep 1; kill -0 $pid 2> /dev/null; do
		size=$(stat -c %s "$c" 2> /dev/null || echo 0)
		[ "$size" = "$last" ] || { last=$size; changed=$SECONDS; }
		if [ $((SECONDS - changed)) -ge "$VM_SILENCE" ]; then
			vm_stall_dump "$c" "$sock" $pid "console silent for $((SECONDS - changed)) s" > "$c.stall" 2>&1
			rc=125
		elif [ $((SECONDS - t0)) -ge "$VM_LIMIT" ]; then
			vm_stall_dump "$c" "$sock" $pid "past the limit of $VM_LIMIT s" > "$c.stall" 2>&1
			rc=124
		else
			continue
		fi
		vm_end_pid $pid
		break
	done
	wait $pid
	[ -n "$rc" ] || rc=$?
	rm -f "$sock"
	return $rc
}

# vm_end_pid PID: SIGTERM, and SIGKILL 5 s later if it is still there.
vm_end_pid() {
	local i
	kill -TERM "$1" 2> /dev/null || return 0
	for i in 1 2 3 4 5; do
		sleep 1
		kill -0 "$1" 2> /dev/null || return 0
	done
	kill -KILL "$1" 2> /dev/null
}

# vm_stall_dump CONSOLE SOCKET PID WHY: a stalled guest's state, to stdout:
# QEMU's threads on this host and the CPU time they used over 2 s (running,
# idle, or waiting for this host's CPUs), every vCPU's registers (twice, 2 s
# apart: does it move?), `info cpus`, on x86 every local APIC, then an NMI (the x86 hosts boot with
# unknown_nmi_panic panic_print=0x40: every CPU's backtrace) and what the
# console said in the VM_NMI_WAIT s after it.
vm_stall_dump() {
	local c=$1 sock=$2 pid=$3 size cmds
	echo "$4; this host: $(cut -d' ' -f1-4 /proc/loadavg) load, $(nproc) CPUs"
	echo "--- qemu's threads (state, CPU ticks used in 2 s, wchan)"
	vm_threads "$pid" > "$c.threads.a"
	sleep 2
	vm_threads "$pid" | awk 'NR == FNR { t[$1] = $4; next } { printf "%s %s %s +%d %s\n", $1, $2, $3, $4 - t[$1], $5 }' "$c.threads.a" -
	rm -f "$c.threads.a"
	echo "--- QEMU's monitor"
	"$VM_PY" "$VM_QMP" "$sock" "info registers -a" "info cpus" > "$c.regs"
	cat "$c.regs"
	# x86: each local APIC (pending and in-service vectors, timer, TPR).
	# x86: each local APIC (pending and in-service vectors, timer, TPR), and
	# the bytes in memory at each vCPU's RIP (what it executes, unless QEMU
	# runs a translation of older bytes).
	if grep -q '^RIP=' "$c.regs"; then
		mapfile -t cmds < <(awk '/^CPU#/ { n = substr($1, 5); print "info lapic " n }
			/^RIP=/ { print "@" n " x/16xb 0x" substr($1, 5) }' "$c.regs")
		"$VM_PY" "$VM_QMP" "$sock" "${cmds[@]}"
	fi
	rm -f "$c.regs"
	sleep 2
	"$VM_PY" "$VM_QMP" "$sock" "info registers -a" | grep -E '^(\(qemu\)|CPU#|RIP=|vm-qmp)'
	size=$(stat -c %s "$c")
	"$VM_PY" "$VM_QMP" "$sock" nmi
	sleep "$VM_NMI_WAIT"
	echo "--- the console after the NMI"
	tail -c +$((size + 1)) "$c" | tr -d '\r'
	echo "--- end"
}

# vm_threads PID: "TID COMM STATE TICKS WCHAN" per thread of PID.
vm_threads() {
	local t s
	for t in /proc/"$1"/task/*; do
		s=$(cat "$t/stat" 2> /dev/null) || continue
		set -- ${s##*) }
		echo "${t##*/} $(tr ' ' _ < "$t/comm") $1 $(( ${12} + ${13} )) $(cat "$t/wchan" 2> /dev/null)"
	done
}

# vm_report_stall FILE: the stall dump as "#" lines: QEMU's threads, each
# vCPU's state (info cpus, RIP, HLT; x86: its APIC's pending and in-service
# vectors, the bytes at its RIP), the NMI's console (backtraces).
vm_report_stall() {
	[ -f "$1" ] || return 0
	awk '
		/^--- QEMU/ { m = 1 }
		/^--- the console/ { m = 0; k = 1 }
		!m || /^(\(qemu\)|CPU#|RIP=|vm-qmp|[* ] CPU #|ISR|IRR|APR|LVTT|[0-9a-f]+:)/' "$1" | grep -v '^--- end' | head -n 120 | cut -c1-200 | sed 's/^/#   /'
}

# vm_done CONSOLE: the VM printed its end marker.
vm_done() { tr -d '\r' < "$1" | grep -q '^@@@DONE'; }

# vm_console_tail CONSOLE: its last lines outside the files, as "#" lines.
vm_console_tail() {
	tr -d '\r' < "$1" | awk '/^@@@FILE /{f=1;next} /^@@@END/{f=0;next} !f && NF' | tail -n 30 | cut -c1-200 | sed 's/^/#   /'
}

# vm_finished CONSOLE LABEL: the VM reached its end marker.  If not (qemu's
# time limit, a kernel hang or crash), the end of its console follows.
vm_finished() {
	if vm_done "$1"; then
		ok "$2: the emulated host ran to its end"
		return
	fi
	nok "$2: the emulated host ran to its end" "it stopped before (qemu's time limit, a hang or a crash); the end of its console follows"
	vm_console_tail "$1"
}

# vm_report_hangs DIR [PREFIX]: each hang report the VM sent (a run past its
# bound: bounded in scripts/vm-init.sh), as "#" lines: why, the user
# processes' states, wait channels and kernel stacks, and the end of the
# kernel log (blocked tasks, CPU backtraces, stalls).
vm_report_hangs() {
	local f
	for f in "$1/${2:-}"hang.*; do
		[ -f "$f" ] || continue
		echo "# $(basename "$f"): $(head -1 "$f")"
		awk 'NR > 1 && /^--- dmesg/ { exit } NR > 1' "$f" | head -n 60 | cut -c1-200 | sed 's/^/#   /'
		# The kernel log: its warnings and errors (levels 0-4: stalls, hung
		# tasks, lockups), then all of the sysrq dumps.
		awk 'd; /^--- dmesg/ { d = 1 }' "$f" | awk '/sysrq: Show Blocked State/ { s = 1 } s || /^<[0-4]>/' |
			sed 's/^<[0-9]*>//' | tail -n 80 | cut -c1-200 | sed 's/^/#   kernel: /'
	done
}

P=0 F=0
ok() { echo "ok - $1"; P=$((P + 1)); }
nok() { echo "not ok - $1${2:+: $2}"; F=$((F + 1)); }

# vm_load_preempted FILE: the reschedule requests kvmrace-load's wake-ups made
# for its vCPU thread (fifo_preempted in its output FILE: the FIFO thread
# slept and, woken, took the CPU from it); empty if FILE has none.
vm_load_preempted() { sed -n 's/^kvmrace-load: .*fifo_preempted=\([0-9]*\).*/\1/p' "$1" 2> /dev/null; }

# vm_assert_run DIR MODE LABEL WANT [MIN_PCT]: the run DIR/MODE.{json,rc,load,err}
# passed, counted every signal kvmrace-load sent and at least MIN_PCT%
# (default 90) of the reschedule requests its wake-ups made for the vCPU
# thread (fifo_preempted: the FIFO thread slept and took the CPU from it;
# under TCG on a busy host many wake-ups make none), saw guest entries and exits, and
# the JSON satisfies the jq expression WANT.  Passed: exit 0, or exit 2 with
# every violation one kvmrace itself classifies as a late delivery of the
# kick (class kick_late: the emulator delivered the IPI late, under TCG on a
# loaded host); those are counted in the line.
vm_assert_run() {
	local d=$1 m=$2 label=$3 want=$4 pct=${5:-90} j=$1/$2.json ns nr rc late
	ns=$(sed -n 's/^kvmrace-load: sent .*signal=\([0-9]*\).*/\1/p' "$d/$m.load" 2> /dev/null)
	nr=$(vm_load_preempted "$d/$m.load")
	rc=$(cat "$d/$m.rc" 2> /dev/null)
	late=$(jq '.violations_by_class.kick_late // 0' "$j" 2> /dev/null)
	if [ -s "$j" ] && { { [ "$rc" = 0 ] && jq -e '.verdict == "pass"' "$j" > /dev/null; } ||
		{ [ "$rc" = 2 ] && jq -e '.violations == .violations_by_class.kick_late' "$j" > /dev/null; }; } &&
		jq -e ".entry_path == \"guest_events\" and .runs > 0 and .requests.signal == ${ns:--1} and ${nr:-0} > 0 and .requests.resched >= ${nr:-1} * $pct / 100 and $want and .events_by_type.guest_enter > 0 and .events_by_type.guest_exit > 0" "$j" > /dev/null; then
		[ "${late:-0}" -gt 0 ] 2> /dev/null && late=" ($late violations are late kicks by the emulator, class kick_late)" || late=""
		ok "$label: pass$late, kvm_entry/kvm_exit used ($(jq -c '{runs, kvm_run_calls, requests, guest_enter: .events_by_type.guest_enter, host_irqs: .host_irq_events, signals_kicked: (if .kicks then "\(.kicks.signal.kicked)/\(.kicks.signal.requests_in_guest)" else null end)}' "$j"))"
	else
		nok "$label" "rc=$rc sent $ns signals, $nr reschedule requests $(jq -c '{verdict, entry_path, runs, kvm_run_calls, requests, hooks: [.hooks[].method] | unique, violations_by_class, viol: [.findings[] | select(.violation) | {kind, cause, past_ns, class, exit: .exit.name}] | .[0:3]}' "$j" 2>&1) $(head -c 300 "$d/$m.err" 2>&1)"
	fi
}

# vm_assert_exits DIR MODE LABEL PREFIX: every guest slice of the Perfetto
# export DIR/MODE.pf has an exit name starting with PREFIX (a jq regex).
vm_assert_exits() {
	local f=$1/$2.pf tot dec top
	tot=$(jq '[.traceEvents[] | select(.name == "guest")] | length' "$f" 2> /dev/null)
	dec=$(jq --arg re "$4" '[.traceEvents[] | select(.name == "guest" and (.args.exit // "" | test($re)))] | length' "$f" 2> /dev/null)
	top=$(jq -c '[.traceEvents[] | select(.name == "guest") | .args.exit] | group_by(.) | map({(.[0]): length}) | add' "$f" 2> /dev/null | head -c 160)
	if [ -n "$tot" ] && [ "$tot" -gt 0 ] && [ "$dec" = "$tot" ]; then
		ok "$3: every guest exit decoded ($top)"
	else
		nok "$3: exit reasons" "$dec of $tot decoded: $top"
	fi
}
