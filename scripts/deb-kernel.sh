# Sourced by the emulated-host scripts (scripts/{power,arm64}/env.sh,
# scripts/x86/run.sh): which Debian kernel to fetch and boot.
#   debian_kernel_release FLAVOUR DEBARCH [PINNED] [SERIES]
# PINNED (the release a committed BTF matches) while Debian still has
# linux-image-PINNED for DEBARCH, else the newest release of SERIES (default
# 6.1; bookworm also carries 6.12) of FLAVOUR (e.g. 6.1.0-50-powerpc64le,
# 6.12.117+deb12-amd64); empty if there is none.
debian_kernel_release() {
	local flavour=$1 debarch=$2 pinned=${3:-} series=${4:-6.1}
	if [ -n "$pinned" ] && apt-cache show "linux-image-$pinned:$debarch" > /dev/null 2>&1; then
		echo "$pinned"
		return
	fi
	apt-cache search --names-only "^linux-image-${series//./\\.}(\\.0-[0-9]+|\\.[0-9]+\\+deb[0-9]+)-$flavour\$" 2>/dev/null |
		awk '{print $1}' | sed 's/^linux-image-//' | sort -V | tail -1
}

