#!/bin/bash
# Install the aarch64 cross compiler and unpack the arm64 libraries the static
# cross build links (libbpf, libelf, zlib, zstd, libtracefs, libtraceevent)
# into $SYSROOT.  Idempotent.
set -u
. "$(dirname "$0")/env.sh"
[ "$(id -u)" = 0 ] || die "fetch: run as root (apt)"
export DEBIAN_FRONTEND=noninteractive
host_packages gcc-aarch64-linux-gnu libc6-dev-arm64-cross
mkdir -p "$CACHE" "$SYSROOT"
cd "$CACHE" || exit 1
libs="libbpf-dev libbpf1 libelf-dev libelf1 zlib1g-dev zlib1g libzstd-dev libzstd1 libtracefs-dev libtracefs1
	libtraceevent-dev libtraceevent1"
get=""
for p in $libs; do ls "${p}"_*_arm64.deb > /dev/null 2>&1 || get="$get $p:arm64"; done
if [ -n "$get" ]; then
	# shellcheck disable=SC2086
	apt-get download -qq $get > /dev/null 2>&1 || die "apt-get download failed for:$get"
fi
for p in $libs; do
	dpkg-deb -x "$(ls "${p}"_*_arm64.deb | tail -1)" "$SYSROOT" || die "cannot unpack $p"
done
echo "arm64: sysroot in $SYSROOT"
