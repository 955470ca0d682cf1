#!/bin/bash
# Regenerate vmlinux-h/arm64/{vmlinux.btf.xz,vmlinux.h,RELEASE} from Debian's
# arm64 kernel.  Its Image carries the kernel's own BTF (CONFIG_DEBUG_INFO_BTF;
# KVM is built in), so the ~60 MB image package is enough, not the debug one.
#   scripts/arm64/gen-btf.sh [KERNEL_RELEASE]     (default: the newest 6.1)
set -u
. "$(dirname "$0")/env.sh"
[ "$(id -u)" = 0 ] || die "gen-btf: run as root (apt)"
host_packages bpftool xz-utils python3
KREL=${1:-$(kernel_release)}
[ -n "$KREL" ] || die "gen-btf: no linux-image-6.1.0-*-arm64 in the apt sources"
W=$AW/kernel
mkdir -p "$W" "$BTFDIR"
cd "$W" || exit 1
if ! ls linux-image-"$KREL"-unsigned_*.deb > /dev/null 2>&1; then
	apt-get download -qq "linux-image-$KREL-unsigned:arm64" > /dev/null 2>&1 ||
		die "gen-btf: cannot download linux-image-$KREL-unsigned"
fi
rm -rf x && mkdir x
dpkg-deb --fsys-tarfile "$(ls linux-image-"$KREL"-unsigned_*.deb | tail -1)" |
	tar -x -C x "./boot/vmlinuz-$KREL" || die "gen-btf: unpack failed"
python3 "$TOP/scripts/arm64/btf-from-image.py" "x/boot/vmlinuz-$KREL" vmlinux.btf || exit 1
bpftool btf dump file vmlinux.btf format c > vmlinux.h || die "gen-btf: bpftool dump"
grep -q 'btf_trace_kvm_exit)(void \*, int, unsigned int' vmlinux.h || die "gen-btf: no arm64 kvm_exit in the BTF"
xz -T0 -6 -c vmlinux.btf > "$BTFDIR/vmlinux.btf.xz"
cp vmlinux.h "$BTFDIR/"
echo "$KREL" > "$BTFDIR/RELEASE"
rm -rf x
echo "arm64: BTF and vmlinux.h for $KREL in $BTFDIR"
