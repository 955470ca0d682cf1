#!/bin/bash
# Every output (JSON, summary, TAP, JUnit; perf-script and Perfetto by hash)
# of every shipped input, byte for byte as tests/golden/out/ has them: a
# refactoring changes none; an intended change remakes them
# (tests/golden/update.sh) in the same commit.  One case per input.
. "$(dirname "$0")/../lib.sh"
G=$TOP/tests/golden/out
"$TOP/tests/golden/outputs.sh" "$KT" "$BUILD/kvmrace-synth" "$WORK/out" > "$WORK/gen.log" 2>&1
for input in $(ls "$G" | sed 's/\..*//' | sort -u); do
	bad=""
	for f in "$G/$input".*; do
		n=$(basename "$f")
		cmp -s "$f" "$WORK/out/$n" || bad="$bad $n: $(diff "$f" "$WORK/out/$n" 2>&1 | head -4 | tr '\n' '|')"
	done
	if [ -z "$bad" ]; then pass "golden_$input (every output as in tests/golden/out)"; else fail "golden_$input" "$bad"; fi
done
extra=$(cd "$WORK/out" && for n in *; do [ -e "$G/$n" ] || echo "$n"; done)
check "golden_every_output_has_its_golden_file${extra:+ ($extra)}" test -z "$extra"
