#!/bin/bash
# make check-x86: a stock Debian amd64 kernel as a real KVM (SVM) host under
# qemu-system-x86_64 TCG, where kvm:kvm_entry/kvm_exit fire (this machine's own
# KVM backend fires neither).  kvmrace-trace runs live there once per attach
# method (--attach tp_btf, raw_tp, tracepoint) around kvmrace-load; results
# come back between console markers into build/x86/ and are asserted.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
X=${X86W:-$TOP/build/x86}
die() { echo "x86: $*" >&2; exit 1; }
t0=$(date +%s)
[ "$(id -u)" = 0 ] || die "run as root (apt, qemu)"
mkdir -p "$X/cache"
export DEBIAN_FRONTEND=noninteractive
need=""
for p in qemu-system-x86 libzstd-dev kmod cpio; do dpkg -s "$p" > /dev/null 2>&1 || need="$need $p"; done
if [ -n "$need" ]; then
	apt-get update -qq > /dev/null 2>&1 || true
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $need > /dev/null || die "cannot install$need"
fi
KPKG=$(apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' | awk '{print $1}' | sort -V | tail -1)
[ -n "$KPKG" ] || die "no linux-image-6.1.0-*-amd64-unsigned in the apt sources"
KREL=${KPKG#linux-image-}
KREL=${KREL%-unsigned}
cd "$X/cache" || exit 1
for p in "$KPKG" busybox-static; do
	ls "${p}"_*.deb > /dev/null 2>&1 || apt-get download -qq "$p" > /dev/null 2>&1 || die "apt-get download $p failed"
done
K=$X/kernel
if [ ! -e "$X/.unpacked-$KREL" ]; then
	rm -rf "$K" "$X/bb" && mkdir -p "$K" "$X/bb"
	dpkg-deb -x "$(ls "${KPKG}"_*.deb | tail -1)" "$K"
	dpkg-deb -x "$(ls busybox-static_*.deb | tail -1)" "$X/bb"
	touch "$X/.unpacked-$KREL"
fi
# Static x86 binaries for the initramfs.
make -s -C "$TOP" STATIC=1 BUILD=build/x86-static all || die "static build failed"

R=$X/initramfs
rm -rf "$R" && mkdir -p "$R"/{bin,dev,proc,sys,tmp,lib/modules}
cp "$X/bb/bin/busybox" "$R/bin/busybox"
for a in sh mount mkdir cat echo insmod modprobe poweroff sleep ls grep; do ln -s busybox "$R/bin/$a"; done
cp "$TOP/build/x86-static/kvmrace-trace" "$TOP/build/x86-static/kvmrace-load" "$R/bin/"
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
cp "$TOP/scripts/x86/init.sh" "$R/init" && chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc 2> /dev/null | gzip -1) > "$X/initramfs.cpio.gz"

echo "x86: booting $KREL (KVM SVM under TCG)"
rm -f "$X"/m-* "$X"/*.json "$X"/*.rc
timeout 600 qemu-system-x86_64 -accel tcg,thread=multi -machine q35 -cpu qemu64,+svm,+npt -m 2G -smp 2 \
	-nographic -no-reboot -nic none -kernel "$(ls "$K"/boot/vmlinuz-* | head -1)" -initrd "$X/initramfs.cpio.gz" \
	-append "console=ttyS0 quiet loglevel=1 panic=-1" > "$X/console" 2>&1
tr -d '\r' < "$X/console" | awk -v dir="$X" '
	/^@@@FILE / { f = dir "/" $2; printf "" > f; next }
	/^@@@END/ { if (f) close(f); f = ""; next }
	f { print >> f }'
echo "x86: emulated stage took $(( $(date +%s) - t0 )) s"

# Assertions
P=0 F=0
ok() { echo "ok - $1"; P=$((P + 1)); }
nok() { echo "not ok - $1${2:+: $2}"; F=$((F + 1)); }
grep -q "rc=0" "$X/check.txt" 2> /dev/null && ok "x86 check: exit 0" || nok "x86 check" "$(tail -3 "$X/check.txt" 2>&1)"
for m in tp_btf raw_tp tracepoint fentry kprobe ftrace; do
	j=$X/$m.json
	ns=$(sed -n 's/^kvmrace-load: sent .*signal=\([0-9]*\).*/\1/p' "$X/$m.load" 2> /dev/null)
	nr=$(sed -n 's/^kvmrace-load: sent .*resched=\([0-9]*\).*/\1/p' "$X/$m.load" 2> /dev/null)
	case $m in
	fentry|kprobe) want="[.hooks[] | select(.event == \"kvm_arch_vcpu_ioctl_run\") | .method] == [\"$m\"] and ([.hooks[].event] | index(\"kvm_fpu\")) == null" ;;
	*) want="([.hooks[].method] | unique) == [\"$m\"]" ;;
	esac
	if [ -s "$j" ] && [ "$(cat "$X/$m.rc")" = 0 ] && jq -e ".verdict == \"pass\" and .entry_path == \"guest_events\" and .runs > 0 and .requests.signal == ${ns:--1} and .requests.resched >= ${nr:-1} * 95 / 100 and $want and .events_by_type.guest_enter > 0 and .events_by_type.guest_exit > 0 and .kvm_run_calls > 0" "$j" > /dev/null; then
		ok "x86 SVM $([ $m = ftrace ] && echo "--backend ftrace" || echo "--attach $m"): pass, kvm_entry/kvm_exit used ($(jq -c '{runs, requests, guest_enter: .events_by_type.guest_enter}' "$j"))"
	else
		nok "x86 SVM --attach $m" "rc=$(cat "$X/$m.rc" 2>&1) sent $ns/$nr $(jq -c '{verdict, entry_path, runs, requests, hooks: [.hooks[].method] | unique}' "$j" 2>&1) $(head -c 300 "$X/$m.err" 2>&1)"
	fi
done
# Exit reasons decoded in every BPF method (tp_btf/raw_tp read vcpu_svm->vmcb
# through kvm_amd's BTF; the classic tracepoint has the field).
for m in tp_btf raw_tp tracepoint; do
	f=$X/$m.pf
	tot=$(jq '[.traceEvents[] | select(.name == "guest")] | length' "$f" 2>/dev/null)
	svm=$(jq '[.traceEvents[] | select(.name == "guest" and (.args.exit // "" | startswith("SVM_EXIT_")))] | length' "$f" 2>/dev/null)
	top=$(jq -c '[.traceEvents[] | select(.name == "guest") | .args.exit] | group_by(.) | map({(.[0]): length}) | add' "$f" 2>/dev/null | head -c 160)
	if [ -n "$tot" ] && [ "$tot" -gt 0 ] && [ "$svm" = "$tot" ]; then
		ok "x86 SVM --attach $m: every guest exit decoded ($top)"
	else
		nok "x86 SVM --attach $m: exit reasons" "$svm of $tot decoded: $top"
	fi
done
echo "$P passed, $F failed"
[ "$F" = 0 ]
