#!/bin/bash
# make check-x86: a stock Debian amd64 kernel as a real KVM (SVM) host under
# qemu-system-x86_64 TCG, where kvm:kvm_entry/kvm_exit fire (this machine's own
# KVM backend fires neither).  kvmrace-trace runs live there once per attach
# method (--attach tp_btf, raw_tp, tracepoint, fentry, kprobe) and with
# --backend ftrace around kvmrace-load, then with the race injector
# (tests/inject) loaded; results come back between console markers into
# build/x86/ and are asserted.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
X=${X86W:-$TOP/build/x86}
VM_NAME=x86
. "$TOP/scripts/vm-lib.sh"
t0=$(date +%s)
[ "$(id -u)" = 0 ] || die "run as root (apt, qemu)"
mkdir -p "$X/cache"
export DEBIAN_FRONTEND=noninteractive
vm_packages qemu-system-x86 libzstd-dev kmod cpio gcc make
. "$TOP/scripts/deb-kernel.sh"
KREL=$(debian_kernel_release amd64 amd64)
[ -n "$KREL" ] || die "no linux-image-6.1.0-*-amd64 in the apt sources"
KPKG=linux-image-$KREL-unsigned
KVER=${KREL%-amd64}	# 6.1.0-56
cd "$X/cache" || exit 1
for p in "$KPKG" busybox-static "linux-headers-$KREL" "linux-headers-$KVER-common" linux-kbuild-6.1; do
	ls "${p}"_*.deb > /dev/null 2>&1 || apt-get download -qq "$p" > /dev/null 2>&1 || die "apt-get download $p failed"
done
K=$X/kernel
H=$X/headers
if [ ! -e "$X/.unpacked-v2-$KREL" ]; then
	rm -rf "$K" "$X/bb" "$H" && mkdir -p "$K" "$X/bb" "$H"
	dpkg-deb -x "$(ls "${KPKG}"_*.deb | tail -1)" "$K"
	dpkg-deb -x "$(ls busybox-static_*.deb | tail -1)" "$X/bb"
	vm_headers "$H" "$KREL" "$KVER"
	touch "$X/.unpacked-v2-$KREL"
fi
# The race injector (tests/inject), against this kernel's headers.
vm_injector "$H" "$KREL" "$X/inject"
# Static x86 binaries for the initramfs.
make -s -C "$TOP" STATIC=1 BUILD=build/x86-static all || die "static build failed"

R=$X/initramfs
vm_initramfs "$R" "$X/bb/bin/busybox" "$TOP/build/x86-static" "$TOP/scripts/x86/init.sh"
M=$K/lib/modules/$KREL
for m in arch/x86/kvm/kvm.ko arch/x86/kvm/kvm-amd.ko virt/lib/irqbypass.ko drivers/crypto/ccp/ccp.ko; do
	for f in "$M/kernel/$m" "$M/kernel/$m.xz"; do
		[ -f "$f" ] || continue
		mkdir -p "$R/lib/modules/$KREL/kernel/$(dirname "$m")"
		cp "$f" "$R/lib/modules/$KREL/kernel/$(dirname "$m")/"
	done
done
cp "$M/modules.order" "$M/modules.builtin" "$R/lib/modules/$KREL/" 2> /dev/null
depmod -b "$R" "$KREL" 2> /dev/null || die "depmod failed"
cp "$X/inject/kvmrace_inject.ko" "$R/"
vm_pack "$R" "$X/initramfs.cpio.gz"

echo "x86: booting $KREL (KVM SVM under TCG)"
rm -f "$X"/m-* "$X"/*.json "$X"/*.rc "$X"/injected.* "$X"/hang.*
vm_boot "$X/console" qemu-system-x86_64 -accel tcg,thread=multi -machine q35 -cpu qemu64,+svm,+npt -m 2G -smp 2 \
	-nographic -no-reboot -nic none -kernel "$(ls "$K"/boot/vmlinuz-* | head -1)" -initrd "$X/initramfs.cpio.gz" \
	-append "console=ttyS0 quiet loglevel=4 panic=-1"
vm_extract "$X/console" "$X"
echo "x86: emulated stage took $(( $(date +%s) - t0 )) s"
vm_finished "$X/console" "x86"
vm_report_hangs "$X"

# Assertions
grep -q "rc=0" "$X/check.txt" 2> /dev/null && ok "x86 check: exit 0" || nok "x86 check" "$(tail -3 "$X/check.txt" 2>&1)"
# the hooks of host interrupts and IPIs: tp_btf/raw_tp programs only
IRQ_HOOKS='["irq_handler_entry", "reschedule_entry", "call_function_entry", "call_function_single_entry", "ipi_send_cpu"]'
for m in tp_btf raw_tp tracepoint fentry kprobe ftrace; do
	case $m in
	fentry|kprobe) want="[.hooks[] | select(.event == \"kvm_arch_vcpu_ioctl_run\") | .method] == [\"$m\"] and ([.hooks[].event] | index(\"kvm_fpu\")) == null" ;;
	tracepoint) want="([.hooks[] | select(.method != \"tracepoint\") | .event] - $IRQ_HOOKS) == []" ;;
	*) want="([.hooks[].method] | unique) == [\"$m\"]" ;;
	esac
	want="$want and .kvm_run_calls > 0"
	# Host interrupts (the kicks) are traced by tp_btf/raw_tp hooks whatever
	# method the others take (their programs ride along under a forced
	# tracepoint: no classic program for them), and by ftrace.
	want="$want and .host_irq_events > 0"
	vm_assert_run "$X" $m "x86 SVM $([ $m = ftrace ] && echo "--backend ftrace" || echo "--attach $m")" "$want"
done
# Exit reasons decoded in every BPF method (tp_btf/raw_tp read vcpu_svm->vmcb
# through kvm_amd's BTF; the classic tracepoint has the field).
for m in tp_btf raw_tp tracepoint; do
	vm_assert_exits "$X" $m "x86 SVM --attach $m" "^SVM_EXIT_"
done
# The race injector at kvm:kvm_entry: every injection found, paired, nothing
# else.  (SVM exits for the tick and for a kick are both INTR: no kick check.)
. "$TOP/scripts/inject-lib.sh"
assert_injected "x86 SVM injected" "$X/injected"
echo "$P passed, $F failed"
[ "$F" = 0 ]
