#!/bin/sh
# Install everything kvmrace needs to build and to run its tests, from
# Debian's packages (Debian 12 "bookworm"), and the npm package the export
# tests load speedscope's importers from (into build/node, never committed).
# Run as root (or with sudo).
set -eu
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: run as root (sudo $0)" >&2
	exit 1
fi
TOP=$(cd "$(dirname "$0")/.." && pwd)
export DEBIAN_FRONTEND=noninteractive
# xmllint (libxml2-utils) validates --junit, prove (perl) reads --tap
PKGS="time make gcc libc6-dev clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config jq util-linux python3 python3-yaml libtracecmd-dev libtracefs-dev libtraceevent-dev trace-cmd linux-perf busybox libxml2-utils perl"
# node and npm for speedscope, unless a node is there already (another
# distribution's nodejs would conflict with Debian's npm)
command -v npm > /dev/null 2>&1 || PKGS="$PKGS nodejs npm"
# make fuzz, tests/integration/fuzz.sh: clang's libFuzzer and sanitizer runtimes
PKGS="$PKGS libclang-rt-14-dev"
# Others may run apt at the same time: one lock for every apt call.
LOCK=/tmp/kvmrace-apt.lock
# An index of a secondary suite (or of the ppc64el architecture the POWER
# runner adds) can fail to download, and apt-get update then exits 100; the
# main suite is enough, and the install below fails if it is not.
flock "$LOCK" apt-get update -qq > /dev/null 2>&1 || echo "install-deps: apt-get update reported errors; continuing" >&2
# shellcheck disable=SC2086
flock "$LOCK" apt-get install -y -qq --no-install-recommends $PKGS > /dev/null
echo "install-deps: installed $PKGS"
# speedscope (MIT): tests/integration/export.sh loads --perf-script and
# --perfetto files with the importers of its release bundle.  The version is
# pinned: the test finds the bundle's entry point by its shape.  Without it
# those checks skip, saying so.
SPEEDSCOPE=speedscope@1.25.0
mkdir -p "$TOP/build/node"
if npm install --prefix "$TOP/build/node" --no-audit --no-fund --loglevel=error "$SPEEDSCOPE" > /dev/null 2>&1; then
	echo "install-deps: installed $SPEEDSCOPE in build/node"
else
	echo "install-deps: npm could not install $SPEEDSCOPE; the speedscope export checks will skip" >&2
fi
