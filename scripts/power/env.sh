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

# The newest 6.1 ppc64el kernel ABI Debian offers, e.g. 6.1.0-50-powerpc64le.
kernel_release() {
	if [ -n "$KREL_PINNED" ] && apt-cache show "linux-image-$KREL_PINNED:ppc64el" > /dev/null 2>&1; then
		echo "$KREL_PINNED"
		return
	fi
	apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-powerpc64le$' 2>/dev/null |
		awk '{print $1}' | sed 's/^linux-image-//' | sort -V | tail -1
}

die() { echo "power: $*" >&2; exit 1; }
