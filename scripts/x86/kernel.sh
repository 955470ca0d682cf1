# Sourced by scripts/x86/run.sh and scripts/x86/live.sh (after
# scripts/vm-lib.sh, with TOP and X set).
# How the x86 hosts boot.  X86_ACCEL: QEMU's accelerator (X86_ACCEL=...
# overrides it): single-threaded TCG.  Multi-threaded TCG (QEMU 7.2) let a
# vCPU run a stale translation of kernel text that the other vCPU had just
# patched (jump labels, kprobes, BPF trampolines: text_poke_bp's int3):
# it traps on an int3 no longer in memory, the kernel re-executes the
# instruction, forever; with IRQs off there, silently (the boots that
# stopped for good).  scripts/x86/stall-boots.sh and the report on issue
# #12 have the evidence.  X86_DIAG: for vm_boot's stall dump, an NMI makes the
# kernel print every CPU's backtrace (and end: panic=-1, -no-reboot); no
# KASLR, so RIPs read against /proc/kallsyms of any boot of this kernel
# (Debian ships no System.map).  no_timer_check: a vCPU starved by a loaded
# host made the kernel's check of the IO-APIC timer fail at boot ("IO-APIC
# + timer doesn't work!", a panic).
X86_ACCEL=${X86_ACCEL:-tcg,thread=single}
# X86_KERNEL: which of Debian 12's kernel series boots (6.1, its own; 6.12,
# also in bookworm), each in its own work directory (build/x86, build/x86-6.12)
# unless X86W names one.
X86_KERNEL=${X86_KERNEL:-6.1}
[ "$X86_KERNEL" = 6.1 ] || [ -n "${X86W:-}" ] || X=$X-$X86_KERNEL
X86_DIAG="nokaslr unknown_nmi_panic panic_print=0x40 no_timer_check"

# x86_kernel: Debian's amd64 kernel of the X86_KERNEL series, busybox-static,
# and the kernel's headers and kbuild, downloaded once into $X/cache and
# unpacked into $X (one runner at a time: $X/.lock).  Sets KREL
# (6.1.0-NN-amd64, 6.12.NN+deb12-amd64), KVER (6.1.0-NN), K (the unpacked
# kernel package: boot/, lib/modules/ with modules.dep), H (the headers) and
# BB (busybox).
x86_kernel() {
	. "$TOP/scripts/deb-kernel.sh"
	mkdir -p "$X"
	# Which release: apt's answer, kept 12 h (asking takes 10-25 s here).
	if [ -s "$X/kernel-release" ] && [ -n "$(find "$X/kernel-release" -mmin -720)" ]; then
		KREL=$(cat "$X/kernel-release")
	else
		KREL=$(debian_kernel_release amd64 amd64 "" "$X86_KERNEL")
		[ -n "$KREL" ] && echo "$KREL" > "$X/kernel-release"
	fi
	[ -n "$KREL" ] || die "no linux-image-$X86_KERNEL.*-amd64 in the apt sources"
	KVER=${KREL%-amd64}
	K=$X/kernel H=$X/headers BB=$X/bb/bin/busybox
	mkdir -p "$X/cache"
	exec 8> "$X/.lock"
	flock 8
	(
		cd "$X/cache" || exit 1
		for p in "linux-image-$KREL-unsigned" busybox-static "linux-headers-$KREL" "linux-headers-$KVER-common" "$(vm_kbuild "$KVER")"; do
			ls "${p}"_*.deb > /dev/null 2>&1 || flock /tmp/kvmrace-apt.lock apt-get download -qq "$p" > /dev/null 2>&1 ||
				die "apt-get download $p failed"
		done
		if [ ! -e "$X/.unpacked-v2-$KREL" ]; then
			rm -rf "$K" "$X/bb" "$H" && mkdir -p "$K" "$X/bb" "$H"
			dpkg-deb -x "$(ls "linux-image-$KREL-unsigned"_*.deb | tail -1)" "$K"
			dpkg-deb -x "$(ls busybox-static_*.deb | tail -1)" "$X/bb"
			vm_headers "$H" "$KREL" "$KVER"
			touch "$X/.unpacked-v2-$KREL"
		fi
		# The modules' dependencies (modprobe -d $K --show-depends).
		[ -e "$K/lib/modules/$KREL/modules.dep" ] || depmod -b "$K" "$KREL" || die "depmod failed"
	) || { flock -u 8; exit 1; }
	flock -u 8
	exec 8>&-
}

# x86_modules MODULE...: the .ko files that MODULEs need, dependencies
# first, one a line (from $K).
x86_modules() {
	local m
	for m in "$@"; do
		modprobe -d "$K" -S "$KREL" --show-depends "$m" || die "no module $m in $KREL"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}
