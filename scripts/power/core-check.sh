#!/bin/bash
# Resolve every CO-RE relocation of a powerpc BPF object against the real
# ppc64le BTF (vmlinux-h/powerpc/vmlinux.btf.xz). Fails naming what did not
# resolve.
set -u
. "$(dirname "$0")/env.sh"
obj=${1:?usage: core-check.sh BPF_OBJECT}
mkdir -p "$PW"
xz -dc "$BTFDIR/vmlinux.btf.xz" > "$PW/vmlinux.btf" || die "core-check: cannot unpack $BTFDIR/vmlinux.btf.xz"
out=$(bpftool -d gen min_core_btf "$PW/vmlinux.btf" "$PW/min-core.btf" "$obj" 2>&1)
rc=$?
relos=$(echo "$out" | grep -c 'relo #' || true)
bad=$(echo "$out" | grep -iE 'failed|not found|<invalid>|error' | grep -v 'failed to find BTF for extern' || true)
if [ $rc != 0 ] || [ -n "$bad" ]; then
	echo "core-check: CO-RE relocations of $obj do not all resolve against $(cat "$BTFDIR/RELEASE"):" >&2
	echo "$bad" | head -20 >&2
	exit 1
fi
echo "core-check: $relos CO-RE relocations of $obj resolve against $(cat "$BTFDIR/RELEASE") BTF"
