# Shared by the emulated KVM host runners (scripts/x86/run.sh,
# scripts/arm64/run.sh): packages, the initramfs skeleton, the console
# markers that carry files out of the guest, and the assertions.
die() { echo "$VM_NAME: $*" >&2; exit 1; }

# vm_packages PKG...: install the host packages that are missing.
vm_packages() {
	local need="" p
	for p in "$@"; do dpkg -s "$p" > /dev/null 2>&1 || need="$need $p"; done
	[ -n "$need" ] || return 0
	apt-get update -qq > /dev/null 2>&1 || true
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $need > /dev/null || die "cannot install$need"
}

# vm_initramfs ROOT BUSYBOX BIN_DIR INIT: busybox, kvmrace-trace and
# kvmrace-load from BIN_DIR, INIT as /init, and the helpers it sources
# (scripts/vm-init.sh as /lib/kvmrace-vm.sh).
vm_initramfs() {
	local r=$1 a
	rm -rf "$r" && mkdir -p "$r"/{bin,dev,proc,sys,tmp,lib/modules}
	cp "$2" "$r/bin/busybox"
	for a in sh mount mkdir cat echo insmod rmmod modprobe poweroff sleep ls grep timeout; do ln -s busybox "$r/bin/$a"; done
	cp "$3/kvmrace-trace" "$3/kvmrace-load" "$r/bin/" || die "no binaries in $3"
	cp "$4" "$r/init" && chmod +x "$r/init"
	mkdir -p "$r/lib" && cp "$TOP/scripts/vm-init.sh" "$r/lib/kvmrace-vm.sh"
}

# vm_headers DIR KREL KVER: unpack the kernel's headers (arch and common
# halves) and kbuild from the cached .debs in the current directory into DIR.
vm_headers() {
	local h=$1 krel=$2 kver=$3 d
	for d in "linux-headers-$krel" "linux-headers-$kver-common" linux-kbuild-6.1; do
		dpkg-deb -x "$(ls "${d}"_*.deb | tail -1)" "$h" || die "cannot unpack $d"
	done
	# The arch headers include their common half by absolute path.
	sed -i "s|^include /usr/src/|include $h/usr/src/|" "$h/usr/src/linux-headers-$krel/Makefile"
}

# vm_injector HEADERS KREL OUT_DIR [MAKE ARGS...]: build the race injector
# (tests/inject) against those headers into OUT_DIR/kvmrace_inject.ko.
vm_injector() {
	local h=$1 krel=$2 inj=$3
	shift 3
	rm -rf "$inj" && cp -r "$TOP/tests/inject" "$inj"
	make -s -C "$h/usr/src/linux-headers-$krel" M="$inj" "$@" modules > "$inj.build.log" 2>&1 ||
		{ cat "$inj.build.log"; die "injector module build failed"; }
}

# vm_pack ROOT OUT: the initramfs archive.
vm_pack() { (cd "$1" && find . | cpio -o -H newc 2> /dev/null | gzip -1) > "$2"; }

# vm_extract CONSOLE DIR: the files the guest printed between
# "@@@FILE name" and "@@@END" lines, into DIR.
vm_extract() {
	tr -d '\r' < "$1" | awk -v dir="$2" '
		/^@@@FILE / { f = dir "/" $2; printf "" > f; next }
		/^@@@END/ { if (f) close(f); f = ""; next }
		f { print >> f }'
}

P=0 F=0
ok() { echo "ok - $1"; P=$((P + 1)); }
nok() { echo "not ok - $1${2:+: $2}"; F=$((F + 1)); }

# vm_assert_run DIR MODE LABEL WANT [MIN_PCT]: the run DIR/MODE.{json,rc,load,err}
# passed with exit 0, counted every signal kvmrace-load sent and at least
# MIN_PCT% (default 95) of its reschedule wake-ups, saw guest entries and
# exits, and the JSON satisfies the jq expression WANT.
vm_assert_run() {
	local d=$1 m=$2 label=$3 want=$4 pct=${5:-95} j=$1/$2.json ns nr
	ns=$(sed -n 's/^kvmrace-load: sent .*signal=\([0-9]*\).*/\1/p' "$d/$m.load" 2> /dev/null)
	nr=$(sed -n 's/^kvmrace-load: sent .*resched=\([0-9]*\).*/\1/p' "$d/$m.load" 2> /dev/null)
	if [ -s "$j" ] && [ "$(cat "$d/$m.rc")" = 0 ] && jq -e ".verdict == \"pass\" and .entry_path == \"guest_events\" and .runs > 0 and .requests.signal == ${ns:--1} and .requests.resched >= ${nr:-1} * $pct / 100 and $want and .events_by_type.guest_enter > 0 and .events_by_type.guest_exit > 0" "$j" > /dev/null; then
		ok "$label: pass, kvm_entry/kvm_exit used ($(jq -c '{runs, kvm_run_calls, requests, guest_enter: .events_by_type.guest_enter}' "$j"))"
	else
		nok "$label" "rc=$(cat "$d/$m.rc" 2>&1) sent $ns/$nr $(jq -c '{verdict, entry_path, runs, kvm_run_calls, requests, hooks: [.hooks[].method] | unique}' "$j" 2>&1) $(head -c 300 "$d/$m.err" 2>&1)"
	fi
}

# vm_assert_exits DIR MODE LABEL PREFIX: every guest slice of the Perfetto
# export DIR/MODE.pf has an exit name starting with PREFIX (a jq regex).
vm_assert_exits() {
	local f=$1/$2.pf tot dec top
	tot=$(jq '[.traceEvents[] | select(.name == "guest")] | length' "$f" 2> /dev/null)
	dec=$(jq --arg re "$4" '[.traceEvents[] | select(.name == "guest" and (.args.exit // "" | test($re)))] | length' "$f" 2> /dev/null)
	top=$(jq -c '[.traceEvents[] | select(.name == "guest") | .args.exit] | group_by(.) | map({(.[0]): length}) | add' "$f" 2> /dev/null | head -c 160)
	if [ -n "$tot" ] && [ "$tot" -gt 0 ] && [ "$dec" = "$tot" ]; then
		ok "$3: every guest exit decoded ($top)"
	else
		nok "$3: exit reasons" "$dec of $tot decoded: $top"
	fi
}
