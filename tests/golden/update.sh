#!/bin/bash
# update.sh: remake tests/golden/out/ with this tree's build (make all
# build/kvmrace-synth first).  Run it only for an intended change of an
# output, and say in the commit what changed and why; the diff shows it.
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${KR_BUILD:-$TOP/build}
rm -rf "$TOP/tests/golden/out"
"$TOP/tests/golden/outputs.sh" "$B/kvmrace-trace" "$B/kvmrace-synth" "$TOP/tests/golden/out"
echo "golden: $(ls "$TOP/tests/golden/out" | wc -l) files in tests/golden/out"
