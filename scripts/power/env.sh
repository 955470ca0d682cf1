# Shared settings for the emulated POWER runner (sourced by scripts/power/*).
# Everything is fetched from Debian's archive with apt into $PW (build/power),
# never committed.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PW=${PW:-$TOP/build/power}
CACHE=$PW/cache		# downloaded .debs
SYSROOT=$PW/sysroot	# ppc64el libraries for the static cross build
KDIR=$PW/kernel		# unpacked kernel image package
HDIR=$PW/headers	# unpacked headers (arch + common) and kbuild
CROSS=powerpc64le-linux-gnu-
BTFDIR=$TOP/vmlinux-h/powerpc
# The kernel release the committed BTF matches; the runner boots it while
# Debian still has it, and regenerates the BTF for a newer one otherwise.
KREL_PINNED=$(cat "$BTFDIR/RELEASE" 2>/dev/null || true)

. "$TOP/scripts/deb-kernel.sh"
# The pinned release, else the newest 6.1 ppc64el kernel ABI Debian offers.
kernel_release() { debian_kernel_release powerpc64le ppc64el "$KREL_PINNED"; }

die() { echo "power: $*" >&2; exit 1; }
