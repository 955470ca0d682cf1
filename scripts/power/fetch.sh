#!/bin/bash
# Install the host tools for the POWER runner and fetch (apt-get download) the
# ppc64el packages it needs: the sysroot for the static cross build, the
# kernel image and modules, the headers and kbuild for the race injector.
# Idempotent: what is already unpacked is kept.
set -u
. "$(dirname "$0")/env.sh"
[ "$(id -u)" = 0 ] || die "fetch: run as root (apt)"
export DEBIAN_FRONTEND=noninteractive
HOSTPKGS="gcc-powerpc64le-linux-gnu libc6-dev-ppc64el-cross qemu-system-ppc qemu-system-data qemu-user-static dwarves kmod cpio xz-utils bpftool"
missing=""
for p in $HOSTPKGS; do dpkg -s "$p" > /dev/null 2>&1 || missing="$missing $p"; done
if ! dpkg --print-foreign-architectures | grep -qx ppc64el; then
	flock /tmp/kvmrace-apt.lock dpkg --add-architecture ppc64el
	missing="$missing update"
fi
if [ -n "$missing" ]; then
	# The update may exit 100 on a broken index of a secondary suite; the
	# main suite is enough: check for the packages instead.
	# Other users of apt on this host take the same lock.
	flock /tmp/kvmrace-apt.lock apt-get update -qq > /dev/null 2>&1 || true
	pk=""
	for p in $HOSTPKGS; do dpkg -s "$p" > /dev/null 2>&1 || pk="$pk $p"; done
	# shellcheck disable=SC2086
	[ -z "$pk" ] || flock /tmp/kvmrace-apt.lock apt-get install -y -qq --no-install-recommends $pk > /dev/null ||
		die "cannot install$pk"
fi
KREL=$(kernel_release)
[ -n "$KREL" ] || die "no linux-image-6.1.0-*-powerpc64le in the apt sources"
KVER=${KREL%-powerpc64le}	# 6.1.0-50
mkdir -p "$CACHE" "$SYSROOT" "$KDIR" "$HDIR"
cd "$CACHE" || exit 1
want="libbpf-dev:ppc64el libbpf1:ppc64el libelf-dev:ppc64el libelf1:ppc64el zlib1g-dev:ppc64el zlib1g:ppc64el
libzstd-dev:ppc64el libzstd1:ppc64el libtracefs-dev:ppc64el libtracefs1:ppc64el libtraceevent-dev:ppc64el
libtraceevent1:ppc64el busybox-static:ppc64el linux-image-$KREL:ppc64el
linux-headers-$KREL:ppc64el linux-headers-$KVER-common linux-kbuild-6.1:amd64"
get=""
for p in $want; do
	n=${p%%:*}
	ls "${n}"_*.deb > /dev/null 2>&1 || get="$get $p"
done
if [ -n "$get" ]; then
	# shellcheck disable=SC2086
	flock /tmp/kvmrace-apt.lock apt-get download -qq $get > /dev/null 2>&1 || die "apt-get download failed for:$get"
fi
# v2: the sysroot has libtracefs/libtraceevent (the ftrace backend's raw reader)
stamp=$PW/.unpacked-v2-$KREL
if [ ! -e "$stamp" ]; then
	for d in libbpf-dev libbpf1 libelf-dev libelf1 zlib1g-dev zlib1g libzstd-dev libzstd1 libtracefs-dev libtracefs1 \
		libtraceevent-dev libtraceevent1 busybox-static; do
		dpkg-deb -x "$(ls ${d}_*_ppc64el.deb | tail -1)" "$SYSROOT"
	done
	dpkg-deb -x "$(ls linux-image-${KREL}_*.deb | tail -1)" "$KDIR"
	dpkg-deb -x "$(ls linux-headers-${KREL}_*.deb | tail -1)" "$HDIR"
	dpkg-deb -x "$(ls linux-headers-${KVER}-common_*.deb | tail -1)" "$HDIR"
	dpkg-deb -x "$(ls linux-kbuild-6.1_*_amd64.deb | tail -1)" "$HDIR"
	# The arch headers include their common half by absolute path: point it
	# at our unpack instead of /usr/src.
	sed -i "s|^include /usr/src/|include $HDIR/usr/src/|" "$HDIR/usr/src/linux-headers-$KREL/Makefile"
	touch "$stamp"
fi
echo "$KREL" > "$PW/kernel-release"
echo "power: fetched for $KREL into $PW"
