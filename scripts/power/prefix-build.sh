#!/bin/bash
# Build the pre-fix kvm-hv.ko for the emulated POWER host's kernel: Debian's
# own kvm-hv sources (linux-source-6.1 of exactly the kernel image's
# version) with "KVM: PPC: Book3S HV: Close race with testing for signals on
# guest entry" (2017) reverted in both entry paths and the ground-truth log
# added (tests/prefix-kvm-hv/), built out of tree (M=) against the kernel's
# headers with the cross compiler.  The result loads in place of the stock
# module: the same vermagic and symbol versions (checked here).
#   scripts/power/prefix-build.sh      -> build/power/prefix/kvm-hv.ko
# Needs scripts/power/fetch.sh first (kernel image, headers, kbuild).  Cached:
# the unpacked sources per version, the module per version and inputs.
set -u
. "$(dirname "$0")/env.sh"
KREL=$(cat "$PW/kernel-release" 2> /dev/null) || die "prefix: no $PW/kernel-release (run scripts/power/fetch.sh)"
HD=$HDIR/usr/src/linux-headers-$KREL
SRC=$TOP/tests/prefix-kvm-hv
OUT=$PW/prefix
cd "$CACHE" || die "prefix: no $CACHE (run scripts/power/fetch.sh)"
img=$(ls linux-image-"${KREL}"_*.deb 2> /dev/null | tail -1)
[ -n "$img" ] || die "prefix: no linux-image-$KREL package in $CACHE (run scripts/power/fetch.sh)"
ver=$(dpkg-deb -f "$img" Version)	# e.g. 6.1.176-1
[ -n "$ver" ] || die "prefix: cannot read the version of $img"

# Debian's source of that same version.
deb=linux-source-6.1_${ver}_all.deb
if [ ! -s "$deb" ]; then
	rm -f linux-source-6.1_*.deb
	flock /tmp/kvmrace-apt.lock apt-get download -qq "linux-source-6.1=$ver" > /dev/null 2>&1 ||
		die "prefix: linux-source-6.1 $ver (the version of linux-image-$KREL) cannot be downloaded from the apt sources"
fi
sver=$(dpkg-deb -f "$deb" Version 2> /dev/null)
[ "$sver" = "$ver" ] || die "prefix: linux-source-6.1 is version ${sver:-unknown}, the kernel image linux-image-$KREL is $ver: they must match"

# Its arch/powerpc/kvm (and top Makefile, to check the upstream version).
S=$PW/prefix-src-$ver
if [ ! -e "$S/.done" ]; then
	rm -rf "$S" && mkdir -p "$S"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO ./usr/src/linux-source-6.1.tar.xz |
		xz -dc | tar -x -C "$S" --strip-components=1 --wildcards 'linux-source-6.1/arch/powerpc/kvm/*' \
		'linux-source-6.1/Makefile' || die "prefix: cannot unpack arch/powerpc/kvm from $deb"
	touch "$S/.done"
fi
up=$(awk '$1 == "VERSION" {v = $3} $1 == "PATCHLEVEL" {p = $3} $1 == "SUBLEVEL" {s = $3} END {print v "." p "." s}' "$S/Makefile")
[ "$up" = "${ver%%-*}" ] || die "prefix: the source's Makefile says $up, the package version is $ver"

# Built already for these inputs?
stamp=$(cat "$SRC"/* "$HD/Module.symvers" | sha256sum | cut -c1-16)-$ver
if [ -s "$OUT/kvm-hv.ko" ] && [ "$(cat "$OUT/.stamp" 2> /dev/null)" = "$stamp" ]; then
	echo "power: pre-fix kvm-hv.ko for $KREL ($ver) cached in $OUT"
	exit 0
fi
rm -rf "$OUT" && mkdir -p "$OUT"
cp "$S"/arch/powerpc/kvm/*.[chS] "$OUT/" && cp "$SRC"/Kbuild "$SRC"/kvmrace_prefix.[ch] "$OUT/" || die "prefix: copy failed"
patch -d "$OUT" -p4 -s --no-backup-if-mismatch -F0 < "$SRC/revert-2017-fix.patch" > "$OUT/patch.log" 2>&1 ||
	die "prefix: revert-2017-fix.patch does not apply to book3s_hv.c of linux-source-6.1 $ver ($(head -1 "$OUT/patch.log"))"
make -s -C "$HD" M="$OUT" ARCH=powerpc CROSS_COMPILE="$CROSS" modules > "$OUT/build.log" 2>&1 ||
	{ tail -20 "$OUT/build.log" >&2; die "prefix: the kvm-hv build failed (log: $OUT/build.log)"; }
stock=$KDIR/lib/modules/$KREL/kernel/arch/powerpc/kvm/kvm-hv.ko
[ "$(modinfo -F vermagic "$OUT/kvm-hv.ko")" = "$(modinfo -F vermagic "$stock")" ] ||
	die "prefix: vermagic '$(modinfo -F vermagic "$OUT/kvm-hv.ko")' differs from the stock kvm-hv.ko's"
# Every symbol both modules import must carry the stock module's CRC (ours
# imports a few more: the log's helpers).
modprobe --dump-modversions "$OUT/kvm-hv.ko" | awk '{print $2, $1}' | sort > "$OUT/modversions.ours"
modprobe --dump-modversions "$stock" | awk '{print $2, $1}' | sort > "$OUT/modversions.stock"
n=$(join "$OUT/modversions.ours" "$OUT/modversions.stock" | awk '$2 != $3' | tee "$OUT/modversions.diff" | wc -l)
c=$(join "$OUT/modversions.ours" "$OUT/modversions.stock" | wc -l)
[ "$n" = 0 ] && [ "$c" -gt 100 ] ||
	die "prefix: $n of $c symbol versions differ from the stock kvm-hv.ko's ($OUT/modversions.diff)"
echo "$stamp" > "$OUT/.stamp"
echo "power: pre-fix kvm-hv.ko for $KREL ($ver) built in $OUT"
