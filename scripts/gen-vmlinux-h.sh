#!/bin/sh
# Regenerate vmlinux-h/<arch>/vmlinux.h from a kernel's BTF and record the
# kernel release it matches.
#   scripts/gen-vmlinux-h.sh [ARCH] [BTF_FILE] [RELEASE]
# Defaults: this host's arch, /sys/kernel/btf/vmlinux, `uname -r`.
set -eu
arch=${1:-$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/')}
btf=${2:-/sys/kernel/btf/vmlinux}
rel=${3:-$(uname -r)}
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/vmlinux-h/$arch"
command -v bpftool >/dev/null || { echo "gen-vmlinux-h: bpftool not found (run scripts/install-deps.sh)" >&2; exit 1; }
[ -r "$btf" ] || { echo "gen-vmlinux-h: cannot read BTF file $btf" >&2; exit 1; }
mkdir -p "$out"
bpftool btf dump file "$btf" format c > "$out/vmlinux.h.tmp"
mv "$out/vmlinux.h.tmp" "$out/vmlinux.h"
printf '%s\n' "$rel" > "$out/RELEASE"
echo "gen-vmlinux-h: $out/vmlinux.h from $btf (kernel $rel)"
