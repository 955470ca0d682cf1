# Sourced by the emulated-host scripts (scripts/{power,arm64}/env.sh,
# scripts/x86/run.sh): which Debian 6.1 kernel to fetch and boot.
#   debian_kernel_release FLAVOUR DEBARCH [PINNED]
# PINNED (the release a committed BTF matches) while Debian still has
# linux-image-PINNED for DEBARCH, else the newest 6.1 ABI of FLAVOUR
# (e.g. 6.1.0-50-powerpc64le); empty if there is none.
debian_kernel_release() {
	local flavour=$1 debarch=$2 pinned=${3:-}
	if [ -n "$pinned" ] && apt-cache show "linux-image-$pinned:$debarch" > /dev/null 2>&1; then
		echo "$pinned"
		return
	fi
	apt-cache search --names-only "^linux-image-6\\.1\\.0-[0-9]+-$flavour\$" 2>/dev/null |
		awk '{print $1}' | sed 's/^linux-image-//' | sort -V | tail -1
}
