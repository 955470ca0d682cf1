#!/bin/bash
# outputs.sh KVMRACE_TRACE SYNTH OUTDIR: every output kvmrace-trace writes for
# every input the project ships (recordings, ftrace text, a perf-script
# round trip, synthetic recordings), one file per input and output, into
# OUTDIR.  tests/integration/golden.sh compares them with tests/golden/ (the
# outputs of the commit the golden files were made with); update.sh remakes
# those.  Deterministic: no live run, nothing of this host.
set -u
KT=$1 SYNTH=$2 OUT=$3
TOP=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$OUT"
W=$(mktemp -d /tmp/kvmrace-golden.XXXXXX)
trap 'rm -rf "$W"' EXIT
"$SYNTH" -n 20000 -v 3 --late-every 97 -o "$W/synth-late.kvmrace" > /dev/null
"$SYNTH" -n 5000 -v 1 -o "$W/synth-1vcpu.kvmrace" > /dev/null
inputs=$(cd "$TOP" && ls tests/fixtures/power/*.kvmrace tests/fixtures/power/ftrace/*.trace.txt \
	tests/fixtures/arm64/*.trace.txt 2> /dev/null)
one() {	# one NAME FILE...: every output of report on FILE...
	local n=$1
	shift
	"$KT" report -t 2ms --json "$OUT/$n.json" --perf-script "$W/$n.ps" --perfetto "$W/$n.pf" \
		--junit "$OUT/$n.junit.xml" --tap "$@" > "$OUT/$n.tap" 2> "$OUT/$n.summary"
	echo "exit $?" >> "$OUT/$n.summary"
	# the perf-script and Perfetto exports are large: their hashes
	sha256sum < "$W/$n.ps" | cut -d' ' -f1 > "$OUT/$n.perf-script.sha256"
	sha256sum < "$W/$n.pf" | cut -d' ' -f1 > "$OUT/$n.perfetto.sha256"
}
for f in $inputs; do
	one "$(echo "$f" | tr '/' '_' | sed 's/^tests_fixtures_//')" "$TOP/$f"
done
one synth-late "$W/synth-late.kvmrace"
one synth-1vcpu "$W/synth-1vcpu.kvmrace"
# A perf-script export read back, and two files merged by timestamp.
"$KT" report -q -t 2ms --perf-script "$W/rt.ps" "$TOP/tests/fixtures/power/p9-injected.kvmrace" > /dev/null 2>&1
one roundtrip-p9-injected "$W/rt.ps"
one merge-p8 "$TOP/tests/fixtures/power/ftrace/p8-signal.trace.txt" "$TOP/tests/fixtures/power/ftrace/p8-resched.trace.txt"
