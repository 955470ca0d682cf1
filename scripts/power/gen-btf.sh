#!/bin/bash
# Regenerate vmlinux-h/powerpc/{vmlinux.btf.xz,kvm-hv.btf,vmlinux.h,RELEASE} from
# Debian's ppc64el kernel debug package (Debian's ppc64el kernel has no BTF).
#   scripts/power/gen-btf.sh [KERNEL_RELEASE]     (default: the runner's)
# Downloads linux-image-<rel>-dbg (~700 MB), unpacks only vmlinux and kvm-hv.ko,
# encodes BTF with pahole, and dumps a vmlinux.h with the kvm-hv types too.
set -u
. "$(dirname "$0")/env.sh"
KREL=${1:-$(kernel_release)}
[ -n "$KREL" ] || die "gen-btf: no kernel release"
for t in pahole bpftool xz dpkg-deb; do command -v $t > /dev/null || die "gen-btf: $t missing (scripts/power/fetch.sh)"; done
W=$PW/dbg
mkdir -p "$W" "$BTFDIR"
cd "$W" || exit 1
if ! ls linux-image-"$KREL"-dbg_*.deb > /dev/null 2>&1; then
	flock /tmp/kvmrace-apt.lock apt-get download -qq "linux-image-$KREL-dbg:ppc64el" > /dev/null 2>&1 || die "gen-btf: cannot download linux-image-$KREL-dbg"
fi
deb=$(ls linux-image-"$KREL"-dbg_*.deb | tail -1)
rm -rf x && mkdir x
# Only the two files we need (the package is mostly other modules).
dpkg-deb --fsys-tarfile "$deb" | tar -x -C x --wildcards "./usr/lib/debug/boot/vmlinux-$KREL" \
	"./usr/lib/debug/lib/modules/$KREL/kernel/arch/powerpc/kvm/kvm-hv.ko" || die "gen-btf: unpack failed"
pahole -j --btf_encode_detached=vmlinux.btf "x/usr/lib/debug/boot/vmlinux-$KREL" || die "gen-btf: pahole vmlinux"
pahole --btf_base=vmlinux.btf --btf_encode_detached=kvm-hv.btf \
	"x/usr/lib/debug/lib/modules/$KREL/kernel/arch/powerpc/kvm/kvm-hv.ko" || die "gen-btf: pahole kvm-hv"
bpftool -B vmlinux.btf btf dump file kvm-hv.btf format c > vmlinux.h || die "gen-btf: bpftool dump"
xz -T0 -6 -c vmlinux.btf > "$BTFDIR/vmlinux.btf.xz"
cp kvm-hv.btf vmlinux.h "$BTFDIR/"
echo "$KREL" > "$BTFDIR/RELEASE"
rm -rf x
echo "power: BTF and vmlinux.h for $KREL in $BTFDIR"
