#!/bin/bash
# Resolve every CO-RE relocation of a BPF object built for ARCH against that
# arch's real Debian kernel BTF (vmlinux-h/ARCH/vmlinux.btf.xz) with libbpf's own matcher
# (bpftool gen min_core_btf, -d), and fail naming each field that does not
# resolve.  Expected unresolved, and allowed:
#   - "___old" flavours: older kernels' layouts, guarded by bpf_core_field_exists;
#   - "trace_event_raw_*___kr": classic tracepoint records of module events,
#     resolved against the module's BTF at load time, not vmlinux's.
set -u
die() { echo "core-check: $*" >&2; exit 1; }
arch=${1:?usage: core-check.sh ARCH BPF_OBJECT}
obj=${2:?usage: core-check.sh ARCH BPF_OBJECT}
TOP=$(cd "$(dirname "$0")/.." && pwd)
BTFDIR=$TOP/vmlinux-h/$arch
PW=$TOP/build/$arch/core-check
[ -f "$BTFDIR/vmlinux.btf.xz" ] || die "no committed BTF for $arch ($BTFDIR/vmlinux.btf.xz)"
mkdir -p "$PW"
xz -dc "$BTFDIR/vmlinux.btf.xz" > "$PW/vmlinux.btf" || die "cannot unpack $BTFDIR/vmlinux.btf.xz"
bpftool -d gen min_core_btf "$PW/vmlinux.btf" "$PW/min-core.btf" "$obj" > "$PW/core-check.log" 2>&1
rc=$?
# Pair each "relo #N: no matching targets found" with that relo's description.
unresolved=$(awk '
	index($0, "relo #") {
		p = $0; sub(/.*prog ./, "", p); sub(/.: relo #.*/, "", p)
		n = $0; sub(/.*relo #/, "", n); rest = n; sub(/:.*/, "", n); sub(/^[0-9]+: /, "", rest)
		key = p "#" n
		if (rest ~ /^no matching targets found/) print p ": " desc[key]
		else if (rest ~ /^</) desc[key] = rest
	}' "$PW/core-check.log" | sort -u) || die "cannot parse the bpftool log"
total=$(grep -cE 'relo #[0-9]+: <' "$PW/core-check.log")
[ "$total" -gt 0 ] || die "no CO-RE relocation seen in the bpftool log (parse error?)"
bad=$(echo "$unresolved" | grep -vE '___old\.|trace_event_raw_[a-z_]+___kr' | grep -v '^$')
allowed=$(echo "$unresolved" | grep -cE '___old\.|trace_event_raw_[a-z_]+___kr')
if [ $rc != 0 ] || [ -n "$bad" ]; then
	echo "core-check: CO-RE relocations of $obj that do not resolve against $(cat "$BTFDIR/RELEASE") BTF:" >&2
	echo "${bad:-bpftool failed (exit $rc): $(tail -3 "$PW/core-check.log")}" | sed 's/^/  /' >&2
	exit 1
fi
echo "core-check: $total CO-RE relocations of $obj checked against $(cat "$BTFDIR/RELEASE") BTF; all resolve except $allowed expected (guarded old layouts, module tracepoint records)"
