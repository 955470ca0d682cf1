# Shared settings for the arm64 cross build (sourced by scripts/arm64/*).
# Everything is fetched from Debian's archive with apt into $AW, never committed.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
AW=${AW:-$TOP/build/cross/arm64}
CACHE=$AW/cache		# downloaded .debs
SYSROOT=$AW/sysroot	# arm64 libraries for the static cross build
BTFDIR=$TOP/vmlinux-h/arm64
KREL_PINNED=$(cat "$BTFDIR/RELEASE" 2>/dev/null || true)

. "$TOP/scripts/deb-kernel.sh"
# The pinned release, else the newest 6.1 arm64 kernel ABI Debian offers.
kernel_release() { debian_kernel_release arm64 arm64 "$KREL_PINNED"; }

die() { echo "arm64: $*" >&2; exit 1; }

# Add the arm64 architecture to dpkg and install the host packages given.
host_packages() {
	local missing="" p pk=""
	for p in "$@"; do dpkg -s "$p" > /dev/null 2>&1 || missing="$missing $p"; done
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		dpkg --add-architecture arm64
		missing="$missing update"
	fi
	[ -n "$missing" ] || return 0
	# A secondary suite's index may fail (exit 100); the main suite is enough.
	apt-get update -qq > /dev/null 2>&1 || true
	for p in "$@"; do dpkg -s "$p" > /dev/null 2>&1 || pk="$pk $p"; done
	# shellcheck disable=SC2086
	[ -z "$pk" ] || apt-get install -y -qq --no-install-recommends $pk > /dev/null || die "cannot install$pk"
}
