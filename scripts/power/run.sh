#!/bin/bash
# make check-power: the emulated POWER runner.
#
# Boots Debian's ppc64el kernel as a bare-metal KVM-HV host under
# qemu-system-ppc64 (TCG) - POWER9 (-M powernv9, the P9 path) and POWER8
# (-M powernv8, the vcore path) - with an initramfs of the project's static
# binaries, and in it runs kvmrace-trace live (BPF, CO-RE through the committed
# BTF) while kvmrace-load storms the vCPU, then again with the race injector
# loaded.  Results come back between console markers into build/power/:
#   <m>-clean.json/.rc/.load, <m>-injected.json/.rc/.load/.injections, <m>-check.txt
# and are asserted by scripts/power/assert.sh.
#   scripts/power/run.sh [p9] [p8]          (default: both)
set -u
. "$(dirname "$0")/env.sh"
VM_NAME=power
. "$TOP/scripts/vm-lib.sh"	# vm_extract
machines=${*:-p9 p8}
t0=$(date +%s)

"$TOP/scripts/power/fetch.sh" || exit 1
KREL=$(cat "$PW/kernel-release")
if [ "$(cat "$BTFDIR/RELEASE" 2>/dev/null)" != "$KREL" ]; then
	echo "power: committed BTF is for $(cat "$BTFDIR/RELEASE" 2>/dev/null), the runner boots $KREL: regenerating"
	"$TOP/scripts/power/gen-btf.sh" "$KREL" || die "BTF for $KREL could not be generated"
fi
unset BUILD
make -s -C "$TOP" ARCH=powerpc all || die "cross build failed"
make -s -C "$TOP" core-check-powerpc || die "CO-RE check failed"

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
xz -dc "$BTFDIR/vmlinux.btf.xz" > "$R/vmlinux.btf"
cp "$TOP/scripts/power/init.sh" "$R/init"
cp "$TOP/scripts/vm-init.sh" "$R/lib/kvmrace-vm.sh"
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$PW/initramfs.cpio.gz"

boot() {	# boot MACHINE: qemu with the initramfs; the guest runs /init
	local m=$1 qm cpu
	case $m in
	p9) qm=powernv9; cpu=power9 ;;
	p8) qm=powernv8; cpu=power8 ;;
	esac
	echo "power: booting $qm ($KREL)"
	vm_boot "$PW/$m.console" qemu-system-ppc64 -M "$qm" -cpu "$cpu" -m 2G -smp 2 -nographic -no-reboot -vga none \
		-kernel "$KDIR/boot/vmlinux-$KREL" -initrd "$PW/initramfs.cpio.gz" \
		-append "console=hvc0 quiet loglevel=4 panic=-1 kvmrace_machine=$m"
	echo "power: $qm done (exit $?)"
	vm_extract "$PW/$m.console" "$PW" "$m-"
	for c in clean injected; do
		[ -s "$PW/$m-$c.rec.b64" ] && base64 -d "$PW/$m-$c.rec.b64" > "$PW/$m-$c.kvmrace" && rm -f "$PW/$m-$c.rec.b64"
	done
}

for m in $machines; do
	rm -f "$PW/$m"-*
	boot "$m"
done
echo "power: emulated stage took $(( $(date +%s) - t0 )) s"
"$TOP/scripts/power/assert.sh" $machines
