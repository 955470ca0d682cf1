#!/bin/bash
# scripts/x86/stall-hammer.sh N [OUT]: the stall's reproducer (not part of
# make check; docs/emulated-x86.md).  N boots each of multi- and
# single-threaded TCG, alternating, of the x86 host's kernel whose /init
# toggles the sched_schedstats static key 2000 times (text_poke_bp on every
# jump-label site of it: int3, sync, bytes, sync) while CPU 1 context-switches
# without end through those sites.  Each boot runs under vm_qemu's watchdog
# (silent 90 s or past 900 s: the stall dump, then qemu ended by PID).  One
# line per boot in OUT/hammer.txt (default build/x86-hammer):
#   accel A rc R done D secs S toggles T lockup-lines L int3-lines I
# rc 124/125: the watchdog ended it (stalled); done yes: all toggles done.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
N=${1:?usage: stall-hammer.sh N [OUT]}
OUT=${2:-$TOP/build/x86-hammer}
X=${X86W:-$TOP/build/x86}
VM_NAME=x86-hammer
. "$TOP/scripts/vm-lib.sh"
. "$TOP/scripts/x86/kernel.sh"
[ "$(id -u)" = 0 ] || die "run as root (apt, qemu)"
export DEBIAN_FRONTEND=noninteractive
vm_packages qemu-system-x86 cpio
x86_kernel
mkdir -p "$OUT" || die "cannot create $OUT"
R=$OUT/initramfs
rm -rf "$R" && mkdir -p "$R"/{bin,dev,proc,sys,tmp}
cp "$BB" "$R/bin/busybox" && ln -s busybox "$R/bin/sh"
cat > "$R/init" <<'INIT'
#!/bin/sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
echo 4 > /proc/sys/kernel/printk
taskset -c 1 sh -c 'yes | cat > /dev/null' &
taskset -c 1 sh -c 'while :; do :; done' &
i=0
while [ $i -lt 2000 ]; do
	echo 1 > /proc/sys/kernel/sched_schedstats
	echo 0 > /proc/sys/kernel/sched_schedstats
	i=$((i + 1))
	[ $((i % 100)) = 0 ] && echo "toggles $i $(cut -d' ' -f1 /proc/uptime)"
done
echo "@@@DONE toggles $i"
poweroff -f
INIT
chmod +x "$R/init"
vm_pack "$R" "$OUT/initrd.gz"
VM_SILENCE=90 VM_LIMIT=900
for i in $(seq "$N"); do
	for a in multi single; do
		c=$OUT/$a.$i.console
		t0=$SECONDS
		vm_qemu "$c" qemu-system-x86_64 -accel tcg,thread=$a -machine q35 -cpu qemu64,+svm,+npt -m 1G -smp 2 \
			-nographic -no-reboot -nic none -kernel "$K/boot/vmlinuz-$KREL" -initrd "$OUT/initrd.gz" \
			-append "console=ttyS0 quiet loglevel=4 panic=-1 $X86_DIAG"
		rc=$?
		t=$(tr -d '\r' < "$c" | sed -n 's/^toggles \([0-9]*\) .*/\1/p' | tail -1)
		l=$(tr -d '\r' < "$c" | grep -cE 'soft lockup|rcu_preempt detected stall')
		n=$(cat "$c" "$c.stall" 2> /dev/null | grep -cE 'asm_exc_int3')
		echo "accel tcg,thread=$a rc $rc done $(vm_done "$c" && echo yes || echo no) secs $((SECONDS - t0)) toggles ${t:-0} lockup-lines $l int3-lines $n" | tee -a "$OUT/hammer.txt"
	done
done
