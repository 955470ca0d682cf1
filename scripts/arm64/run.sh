#!/bin/bash
# make check-arm64: a stock Debian arm64 kernel as a real KVM host under
# qemu-system-aarch64 TCG (virt, EL2 emulated: virtualization=on), where
# arm64's kvm:kvm_entry/kvm_exit fire without a vcpu.  The cross-built static
# kvmrace-trace runs live there once per attach method (--attach tp_btf,
# raw_tp, tracepoint, kprobe; fentry where the kernel has it) and with
# --backend ftrace, around kvmrace-load's arm64 guest; the kernel's own ftrace
# text of the same load is replayed here with `report`; the race injector
# (tests/inject) proves every injected request is found.  Results come back
# between console markers into build/arm64-vm/ and are asserted.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/scripts/arm64/env.sh"
X=${ARM64W:-$TOP/build/arm64-vm}
VM_NAME=arm64
. "$TOP/scripts/vm-lib.sh"
t0=$(date +%s)
[ "$(id -u)" = 0 ] || die "run as root (apt, qemu)"
export DEBIAN_FRONTEND=noninteractive
vm_packages qemu-system-arm cpio jq gcc-aarch64-linux-gnu kmod
make -s -C "$TOP" ARCH=arm64 all || die "cross build failed"
KREL=$(kernel_release)
[ -n "$KREL" ] || die "no linux-image-6.1.0-*-arm64 in the apt sources"
mkdir -p "$X/cache"
cd "$X/cache" || exit 1
KVER=${KREL%-arm64}	# 6.1.0-50
for p in "linux-image-$KREL-unsigned:arm64" busybox-static:arm64 "linux-headers-$KREL:arm64" \
	"linux-headers-$KVER-common" linux-kbuild-6.1:amd64; do
	n=${p%%:*}
	ls "${n}"_*.deb > /dev/null 2>&1 || apt-get download -qq "$p" > /dev/null 2>&1 || die "apt-get download $p failed"
done
H=$X/headers
if [ ! -e "$X/.unpacked-v2-$KREL" ]; then
	rm -rf "$X/kernel" "$X/bb" "$H" && mkdir -p "$X/kernel" "$X/bb" "$H"
	dpkg-deb --fsys-tarfile "$(ls "linux-image-$KREL"-unsigned_*.deb | tail -1)" |
		tar -x -C "$X/kernel" "./boot/vmlinuz-$KREL" || die "cannot unpack the kernel"
	dpkg-deb -x "$(ls busybox-static_*.deb | tail -1)" "$X/bb"
	vm_headers "$H" "$KREL" "$KVER"
	touch "$X/.unpacked-v2-$KREL"
fi
# The race injector (tests/inject), against this kernel's headers.
vm_injector "$H" "$KREL" "$X/inject" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
# KVM is built into Debian's arm64 kernel: no modules but the injector.
vm_initramfs "$X/initramfs" "$X/bb/bin/busybox" "$TOP/build/arm64" "$TOP/scripts/arm64/init.sh"
cp "$X/inject/kvmrace_inject.ko" "$X/initramfs/"
vm_pack "$X/initramfs" "$X/initramfs.cpio.gz"

echo "arm64: booting $KREL (KVM at emulated EL2 under TCG)"
rm -f "$X"/*.json "$X"/*.rc "$X"/*.err "$X"/*.pf "$X"/trace.* "$X"/injected.* "$X"/hang.*
vm_boot "$X/console" qemu-system-aarch64 -accel tcg,thread=multi -M virt,virtualization=on,gic-version=3 -cpu max \
	-m 2G -smp 2 -nographic -no-reboot -nic none -kernel "$X/kernel/boot/vmlinuz-$KREL" \
	-initrd "$X/initramfs.cpio.gz" -append "console=ttyAMA0 quiet loglevel=4 panic=-1"
vm_extract "$X/console" "$X"
echo "arm64: emulated stage took $(( $(date +%s) - t0 )) s"
vm_finished "$X/console" "arm64"
vm_report_hangs "$X"

# Assertions
grep -q "rc=0" "$X/check.txt" 2> /dev/null && ok "arm64 check: exit 0" || nok "arm64 check" "$(tail -3 "$X/check.txt" 2>&1)"
fn='[.hooks[] | select(.event == "kvm_arch_vcpu_ioctl_run") | .method]'
for m in tp_btf raw_tp kprobe ftrace; do
	case $m in
	# kvm_fpu is defined on arm64 but never fired: KVM_RUN is bracketed by
	# kprobe/kretprobe on kvm_arch_vcpu_ioctl_run (fentry does not attach on 6.1).
	kprobe) want="$fn == [\"kprobe\"] and ([.hooks[].event] | index(\"kvm_fpu\")) == null and .kvm_run_calls > 0" ;;
	ftrace) want="([.hooks[].method] | unique) == [\"ftrace\"]" ;;
	*) want="([.hooks[] | select(.event != \"kvm_arch_vcpu_ioctl_run\") | .method] | unique) == [\"$m\"] and $fn == [\"kprobe\"] and .kvm_run_calls > 0" ;;
	esac
	# ipi_entry/irq_handler_entry received, ipi_raise sent (tp_btf/raw_tp, or
	# ftrace); the signals raised while the guest ran were kicked (28-30 of
	# 28-30 in every method here, sent with the request itself).
	want="$want and .host_irq_events > 0 and .ipi_send_events > 0 and .kicks.signal.requests_in_guest > 0 and .kicks.signal.kicked * 10 >= .kicks.signal.requests_in_guest * 9"
	# 85%: counted 26-34 for 30 sent across runs and methods here (x86: 31-35).
	# A wake-up that lands while the vCPU thread is not the task on its CPU
	# preempts nobody and is no request; debug counters in the BPF side saw
	# most sched_wakeups on that CPU with no vCPU current, which is the likely
	# reason, not established per wake-up.
	vm_assert_run "$X" $m "arm64 $([ $m = ftrace ] && echo "--backend ftrace" || echo "--attach $m")" "$want" 85
done
# Classic tracepoints on 6.1 arm64: sched_wakeup through them misses
# reschedule requests (0 to 30 of 30 measured).  Every signal is still seen;
# the tracer warns, and a run without violations is inconclusive (exit 3),
# never a pass.
ns=$(sed -n 's/^kvmrace-load: sent .*signal=\([0-9]*\).*/\1/p' "$X/tracepoint.load" 2> /dev/null)
nr=$(sed -n 's/^kvmrace-load: sent .*resched=\([0-9]*\).*/\1/p' "$X/tracepoint.load" 2> /dev/null)
# A violation passes only if kvmrace classifies every one as a kick the
# emulator delivered late (the interrupt hooks ride along as tp_btf/raw_tp).
tprc=$(cat "$X/tracepoint.rc" 2> /dev/null)
if { [ "$tprc" = 3 ] || { [ "$tprc" = 2 ] && jq -e '.violations == .violations_by_class.kick_late' "$X/tracepoint.json" > /dev/null; }; } &&
	grep -q "warning: sched_wakeup via a classic tracepoint on arm64" "$X/tracepoint.err" &&
	jq -e ".verdict != \"pass\" and .capture_caveat != null and .requests.signal == ${ns:--1} and .requests.resched <= ${nr:-0} + 5 and .runs > 0 and .host_irq_events > 0 and ([.hooks[] | select(.method != \"tracepoint\" and .event != \"kvm_arch_vcpu_ioctl_run\") | .event] - [\"irq_handler_entry\", \"ipi_entry\", \"ipi_send_cpu\", \"ipi_raise\"]) == []" "$X/tracepoint.json" > /dev/null; then
	ok "arm64 --attach tracepoint: signals all seen, the reschedule undercount warned, not a pass (exit $tprc; $(jq -c '{requests, violations_by_class}' "$X/tracepoint.json") for $ns/$nr)"
else
	nok "arm64 --attach tracepoint" "rc=$tprc $(jq -c '{verdict, requests, violations_by_class, hooks: [.hooks[] | "\(.event):\(.method)"]}' "$X/tracepoint.json" 2>&1) $(head -c 300 "$X/tracepoint.err" 2>&1)"
fi
for m in tp_btf raw_tp tracepoint; do
	vm_assert_exits "$X" $m "arm64 --attach $m" "^(IRQ|TRAP [A-Z0-9_]+ \\(EC 0x[0-9a-f]{2}\\))$"
done
# fentry: works where the kernel can attach it, else one clear line naming the
# method and the reason, and exit 1.
if [ "$(cat "$X/fentry.rc" 2> /dev/null)" = 0 ]; then
	vm_assert_run "$X" fentry "arm64 --attach fentry" "$fn == [\"fentry\"]"
elif [ "$(cat "$X/fentry.rc" 2> /dev/null)" = 1 ] && [ "$(wc -l < "$X/fentry.err")" = 1 ] &&
	grep -q "fentry" "$X/fentry.err" && grep -q "check.txt" /dev/null || grep -q "fentry: " "$X/check.txt"; then
	ok "arm64 --attach fentry: refused in one line ($(head -c 150 "$X/fentry.err"))"
else
	nok "arm64 --attach fentry" "rc=$(cat "$X/fentry.rc" 2>&1) $(head -c 300 "$X/fentry.err" 2>&1)"
fi
# The kernel's own ftrace text of the same load, replayed here.
ns=$(sed -n 's/^kvmrace-load: sent .*signal=\([0-9]*\).*/\1/p' "$X/trace.load" 2> /dev/null)
"$TOP/build/kvmrace-trace" report -q -t 20ms --json "$X/trace.json" "$X/trace.txt" 2> "$X/trace.err"
rc=$?
# Passed: exit 0, or exit 2 with every violation a kick the emulator delivered
# late (class kick_late), as in vm_assert_run.
if { [ $rc = 0 ] || { [ $rc = 2 ] && jq -e '.violations == .violations_by_class.kick_late' "$X/trace.json" > /dev/null; }; } &&
	jq -e ".arch == \"arm64\" and .verdict != \"inconclusive\" and .requests.signal == ${ns:--1} and .runs > 0 and .host_irq_events > 0" "$X/trace.json" > /dev/null; then
	ok "arm64 ftrace text replayed: exit $rc, arch arm64 ($(jq -c '{runs, requests, host_irq_events, violations_by_class}' "$X/trace.json"))"
else
	nok "arm64 ftrace text replayed" "rc=$rc sent $ns $(jq -c '{arch, verdict, runs, requests, host_irq_events, violations_by_class}' "$X/trace.json" 2>&1) $(head -c 200 "$X/trace.err")"
fi
# The race injector (tests/inject) sets a signal or need-resched, without an
# IPI, at kvm_entry, after the kernel's last check: every injection must come
# out as entered_pending, paired with it, and nothing else.  (arm64 exits for
# the tick and for a kick are both IRQ: no kick/natural-exit check here.)
. "$TOP/scripts/inject-lib.sh"
assert_injected "arm64 injected" "$X/injected"

# Every CO-RE relocation of the arm64 object resolves against the BTF of the
# kernel booted here (committed in vmlinux-h/arm64/).
if out=$(make -s -C "$TOP" core-check-arm64 2>&1); then
	ok "arm64 CO-RE: ${out#core-check: }"
else
	nok "arm64 CO-RE" "$out"
fi
echo "$P passed, $F failed"
[ "$F" = 0 ]
