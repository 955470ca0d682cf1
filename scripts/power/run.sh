#!/bin/bash
# make check-power: the emulated POWER runner.
#
# Boots Debian's ppc64el kernel as a bare-metal KVM-HV host under
# qemu-system-ppc64 (TCG) - POWER9 (-M powernv9, the P9 path) and POWER8
# (-M powernv8, the vcore path) - with an initramfs of the project's static
# binaries, and in it runs kvmrace-trace live (BPF, CO-RE through the committed
# BTF) while kvmrace-load storms the vCPU, then again with the race injector
# loaded, then under tick-aligned signal and resched storms with the stock
# module, with a guest at MSR[EE]=0 (POWER9), and with the 2017 fix reverted
# (scripts/power/prefix-build.sh).  Results come back between console markers
# into build/power/:
#   <m>-clean.json/.rc/.load, <m>-injected.json/.rc/.load/.injections, <m>-check.txt,
#   <m>-stock.*, p9-latekick.*, <m>-reverted.* (.json/.rc/.load/.kicks; .window)
# and are asserted by scripts/power/assert.sh.
#   scripts/power/run.sh [p9] [p8]          (default: both)
# Environment (development): POWER_CASES=clean,injected,stock,latekick,latekick-ftrace,reverted
# (a subset; assert.sh then checks only those), POWER_WINDOW_US (the pre-fix
# module's added window, default 1000), POWER_RECORD=1 (instead of the cases,
# record the ftrace text of the pre-fix and EE=0 storms:
# <m>-{reverted,latekick}-trace.*, for tests/fixtures/power/ftrace),
# POWER_RECORDINGS=1 (the storms' kvmrace recordings too: <m>-<case>.kvmrace).
set -u
. "$(dirname "$0")/env.sh"
VM_NAME=power
. "$TOP/scripts/vm-lib.sh"	# vm_extract
machines=${*:-p9 p8}
t0=$(date +%s)
cmdline="kvmrace_window_us=${POWER_WINDOW_US:-1000}"
cases=${POWER_CASES:-clean,injected,stock,latekick,latekick-ftrace,reverted}
[ "${POWER_RECORD:-0}" = 1 ] && cmdline="$cmdline kvmrace_record=1"
[ "${POWER_RECORDINGS:-0}" = 1 ] && cmdline="$cmdline kvmrace_recordings=1"

"$TOP/scripts/power/fetch.sh" || exit 1
KREL=$(cat "$PW/kernel-release")
if [ "$(cat "$BTFDIR/RELEASE" 2>/dev/null)" != "$KREL" ]; then
	echo "power: committed BTF is for $(cat "$BTFDIR/RELEASE" 2>/dev/null), the runner boots $KREL: regenerating"
	"$TOP/scripts/power/gen-btf.sh" "$KREL" || die "BTF for $KREL could not be generated"
fi
# The pre-fix kvm-hv.ko (Debian's source of this kernel, the 2017 fix
# reverted), built while the binaries are.
"$TOP/scripts/power/prefix-build.sh" > "$PW/prefix-build.out" 2>&1 &
prefix_pid=$!
unset BUILD
make -s -C "$TOP" ARCH=powerpc all || die "cross build failed"
make -s -C "$TOP" core-check-powerpc || die "CO-RE check failed"
wait $prefix_pid || { cat "$PW/prefix-build.out" >&2; die "the pre-fix kvm-hv.ko could not be built"; }
cat "$PW/prefix-build.out"

# The race injector, against this kernel's headers.
INJ=$PW/inject
rm -rf "$INJ" && cp -r "$TOP/tests/inject" "$INJ"
make -s -C "$HDIR/usr/src/linux-headers-$KREL" M="$INJ" ARCH=powerpc CROSS_COMPILE="$CROSS" modules \
	> "$PW/inject-build.log" 2>&1 || { cat "$PW/inject-build.log"; die "injector module build failed"; }

# The initramfs.
R=$PW/initramfs
rm -rf "$R"
mkdir -p "$R"/{bin,dev,proc,sys,tmp,lib/modules}
cp "$SYSROOT/bin/busybox" "$R/bin/busybox"
for a in sh mount mkdir cat echo insmod rmmod modprobe poweroff sleep seq ls grep tr base64 timeout; do
	ln -s busybox "$R/bin/$a"
done
cp "$TOP/build/powerpc/kvmrace-trace" "$TOP/build/powerpc/kvmrace-load" "$R/bin/"
mkdir -p "$R/lib/modules/$KREL/kernel/arch/powerpc/kvm"
cp "$KDIR/lib/modules/$KREL/kernel/arch/powerpc/kvm/"kvm{,-hv}.ko "$R/lib/modules/$KREL/kernel/arch/powerpc/kvm/"
cp "$KDIR/lib/modules/$KREL/modules.order" "$KDIR/lib/modules/$KREL/modules.builtin" "$R/lib/modules/$KREL/" 2>/dev/null
depmod -b "$R" "$KREL" || die "depmod failed"
cp "$INJ/kvmrace_inject.ko" "$R/"
mkdir -p "$R/prefix" && cp "$PW/prefix/kvm-hv.ko" "$R/prefix/"
xz -dc "$BTFDIR/vmlinux.btf.xz" > "$R/vmlinux.btf"
cp "$TOP/scripts/power/init.sh" "$R/init"
cp "$TOP/scripts/vm-init.sh" "$R/lib/kvmrace-vm.sh"
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$PW/initramfs.cpio.gz"

# boot MACHINE NAME CASES: qemu with the initramfs, the guest's /init runs
# CASES (kvmrace_cases=), the console in MACHINE.NAME.console.
boot() {
	local m=$1 qm cpu c=$PW/$1.$2.console
	case $m in
	p9) qm=powernv9; cpu=power9 ;;
	p8) qm=powernv8; cpu=power8 ;;
	esac
	echo "power: booting $qm ($KREL): $3"
	vm_boot "$c" qemu-system-ppc64 -M "$qm" -cpu "$cpu" -m 2G -smp 2 -nographic -no-reboot -vga none \
		-kernel "$KDIR/boot/vmlinux-$KREL" -initrd "$PW/initramfs.cpio.gz" \
		-append "console=hvc0 quiet loglevel=4 panic=-1 kvmrace_machine=$m kvmrace_cases=$3 $cmdline"
	echo "power: $qm done (exit $?)"
	# The firmware (OPAL) prints to the same console, even in the middle of a
	# line of ours ("[   62.420020537,3] SBE: Timer stuck, falling back to
	# OPAL pollers." on a loaded host): its messages go, with their newline.
	sed -z -E -i 's/\[ *[0-9]+\.[0-9]+,[0-9]\] [^\n]*\n//g' "$c"
	vm_extract "$c" "$PW" "$m-"	# gzipped files restored there
}

# only GROUP: the cases of GROUP (comma-separated) that are to run.
only() {
	local c out=
	for c in ${1//,/ }; do
		case ",$cases," in *",$c,"*) out=$out${out:+,}$c ;; esac
	done
	echo "$out"
}

# Per machine two boots, each well inside qemu's bound on a loaded host (all
# five cases in one POWER9 boot outlived 300 s at a load average of 10): the
# load and the injector; the storms.
for m in $machines; do
	rm -f "$PW/$m"-* "$PW/$m".*console*
	if [ "${POWER_RECORD:-0}" = 1 ]; then
		boot "$m" record record
		continue
	fi
	for g in clean,injected stock,latekick,latekick-ftrace,reverted; do
		o=$(only $g)	# the console is named after the first case that runs
		[ -n "$o" ] && boot "$m" "${o%%,*}" "$o"
	done
done
echo "power: emulated stage took $(( $(date +%s) - t0 )) s"
[ "${POWER_RECORD:-0}" = 1 ] && exit 0
"$TOP/scripts/power/assert.sh" $machines
