#!/bin/sh
# Install everything kvmrace needs to build and to run its tests, from
# Debian's packages (Debian 12 "bookworm").  Run as root (or with sudo).
set -eu
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: run as root (sudo $0)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
PKGS="time make gcc libc6-dev clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config jq util-linux python3 python3-yaml libtracecmd-dev libtracefs-dev libtraceevent-dev trace-cmd linux-perf busybox"
# An index of a secondary suite (or of the ppc64el architecture the POWER
# runner adds) can fail to download, and apt-get update then exits 100; the
# main suite is enough, and the install below fails if it is not.
apt-get update -qq > /dev/null 2>&1 || echo "install-deps: apt-get update reported errors; continuing" >&2
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $PKGS > /dev/null
echo "install-deps: installed $PKGS"
