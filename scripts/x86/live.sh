#!/bin/bash
# scripts/x86/live.sh OUT FILE...: the live cases of the shell tests FILE...
# (tests/integration/*.sh) inside the emulated x86 KVM (SVM) host, one boot
# for all, for a build host without /dev/kvm (tests/lib.sh: live_where and
# live_gate decide; tests/run.sh boots it once for the whole suite).
#
# The guest is Debian's amd64 kernel under QEMU TCG (as scripts/x86/run.sh),
# and its root file system is this host's own: / shared read-only over
# virtio-9p under a tmpfs overlay (scripts/x86/live-init.sh), so each FILE
# runs there with this host's bash, jq, bpftool, trace-cmd, perf and build/,
# the same Debian userland.  It runs with KR_IN_VM=1 (its live cases only;
# nothing is built there) and the KR_*/KVMRACE_* variables of this process,
# bounded (KR_VM_FILE_LIMIT s, default 1500).  A writable 9p share brings
# back, in OUT/share/<file name>/, its TAP output (tap), its pass/fail/skip
# lines (results: tests/run.sh counts them), those lines with the guest's
# uptime (timing) and its exit status (rc).  OUT/console keeps the console;
# exit 0 if the VM ran to its end.  The boot is vm_boot's
# (scripts/vm-lib.sh): bounded, watched for a silent console, booted once
# more if it stopped.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:?usage: scripts/x86/live.sh OUT FILE...}
shift
[ $# -gt 0 ] || { echo "usage: scripts/x86/live.sh OUT FILE..." >&2; exit 1; }
X=${X86W:-$TOP/build/x86}
VM_NAME=x86-live
. "$TOP/scripts/vm-lib.sh"
. "$TOP/scripts/x86/kernel.sh"
[ "$(id -u)" = 0 ] || die "run as root (apt, qemu)"
FILES=()
for f; do
	[ -f "$f" ] || die "no test file $f"
	FILES+=("$(realpath "$f")")
done
export DEBIAN_FRONTEND=noninteractive
vm_packages qemu-system-x86 kmod cpio
x86_kernel
BUILD=${KR_BUILD:-$TOP/build}
# The whole file in the guest is bounded (bounded in scripts/vm-init.sh),
# and qemu a little longer (vm_boot).
LIMIT=${KR_VM_FILE_LIMIT:-1500}
export VM_LIMIT=$((LIMIT * ${#FILES[@]} + 120))

rm -rf "$OUT" && mkdir -p "$OUT/share" || die "cannot create $OUT"
R=$OUT/initramfs
mkdir -p "$R"/{bin,dev,proc,sys,tmp,lib/mods}
cp "$BB" "$R/bin/busybox" && ln -s busybox "$R/bin/sh"
cp "$TOP/scripts/x86/live-init.sh" "$R/init" && chmod +x "$R/init"
cp "$TOP/scripts/vm-init.sh" "$R/lib/kvmrace-vm.sh"
x86_modules 9p 9pnet_virtio virtio_pci overlay kvm-amd > "$OUT/modules"
while read -r f; do cp "$f" "$R/lib/mods/" && basename "$f"; done < "$OUT/modules" > "$R/lib/mods/order"
vm_pack "$R" "$OUT/initramfs.cpio.gz"

# The job the guest runs for each file (as root, in the host's root file
# system): job DIR FILE.  The list of files: files.
{
	echo '#!/bin/bash'
	echo 'o=$1; mkdir -p "$o"; : > "$o/tap"; : > "$o/results"; rm -f "$o/rc"'
	echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb'
	export -p | grep -E '^declare -x (KR|KVMRACE)_' | grep -vE '^declare -x (KR_RESULTS|KR_BUILD|KR_IN_VM|KR_VM_LIVE|KR_PREPARE)='
	printf 'export KR_IN_VM=1 KR_RESULTS="$o/results" KR_BUILD=%q LANG=%q\n' "$BUILD" "${LANG:-C.UTF-8}"
	printf 'cd %q || exit 1\n' "$TOP"
	# tap: what it printed; timing: the same lines with the guest's uptime
	echo 'read -r up _ < /proc/uptime; echo "$up start" > "$o/timing"'
	# On CPU 0: every process of the test stays off the vCPU's CPU (the
	# last: kvmrace-load pins its own threads), where under TCG their slices
	# are long enough for a wake-up to find the vCPU's task not running.
	echo 'taskset -c 0 bash "$2" 2>&1 | tee -a "$o/tap" | while IFS= read -r l; do read -r up _ < /proc/uptime; echo "$up $l" >> "$o/timing"; echo "$l"; done'
	echo 'echo "${PIPESTATUS[0]}" > "$o/rc"'
} > "$OUT/share/job"
for f in "${FILES[@]}"; do echo "$f"; done > "$OUT/share/files"

vm_boot "$OUT/console" qemu-system-x86_64 -accel "$X86_ACCEL" ${X86_ICOUNT:+-icount "$X86_ICOUNT"} -machine q35 -cpu qemu64,+svm,+npt -m 2G -smp 2 \
	-nographic -no-reboot -nic none -kernel "$K/boot/vmlinuz-$KREL" -initrd "$OUT/initramfs.cpio.gz" \
	-fsdev local,id=hostroot,path=/,readonly=on,security_model=none,multidevs=remap \
	-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
	-fsdev local,id=out,path="$OUT/share",security_model=none -device virtio-9p-pci,fsdev=out,mount_tag=kvmrace-out \
	-append "console=ttyS0 quiet loglevel=4 panic=-1 $X86_DIAG kvmrace_limit=$LIMIT"
