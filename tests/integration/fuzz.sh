#!/bin/bash
# The libFuzzer harnesses (tests/fuzz), each for FUZZ_TEST_SECONDS (15) on a
# copy of the committed corpus: no crash, leak, UB report or timeout.  A
# failure names the report and keeps the input in build/fuzz/crashes/TARGET/.
# (The committed regression inputs and corpus are replayed by the unit tests,
# build/asan/test_fuzz_*, also where clang is missing.)
. "$(dirname "$0")/../lib.sh"
secs=${FUZZ_TEST_SECONDS:-15}
F=$BUILD/fuzz

if ! command -v "${FUZZ_CC:-clang}" > /dev/null; then
	skip "fuzz" "no clang (make deps)"
	exit 0
fi
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n > 1 && d[0] == 1; }\n' > "$WORK/probe.c"
if ! "${FUZZ_CC:-clang}" -fsanitize=fuzzer,address,undefined "$WORK/probe.c" -o "$WORK/probe" 2> "$WORK/probe.err"; then
	skip "fuzz" "clang cannot link libFuzzer: $(head -1 "$WORK/probe.err") (libclang-rt-14-dev; make deps)"
	exit 0
fi
if ! make -C "$TOP" --no-print-directory BUILD="$BUILD" fuzz-build > "$WORK/build.log" 2>&1; then
	fail "fuzz_build" "$(grep -E 'error|Error' "$WORK/build.log" | head -3)"
	exit 0
fi

export ASAN_OPTIONS=quarantine_size_mb=32:clear_shadow_mmap_threshold=1000000000:detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in text record engine tracedat; do
	c=$WORK/corpus-$t
	mkdir -p "$c" "$WORK/art-$t"
	[ -d "$TOP/tests/fuzz/corpus/$t" ] && cp "$TOP/tests/fuzz/corpus/$t"/* "$c"/ 2> /dev/null
	dict=()
	[ -f "$TOP/tests/fuzz/$t.dict" ] && dict=("-dict=$TOP/tests/fuzz/$t.dict")
	opts= flags=()	# tracedat: campaign.sh's run_opts and target_flags
	[ $t = tracedat ] && opts=:symbolize=0:malloc_context_size=0 flags=(-malloc_limit_mb=1048576)
	(cd "$WORK" && ASAN_OPTIONS=$ASAN_OPTIONS$opts "$F/fuzz_$t" -max_total_time="$secs" -timeout=30 -rss_limit_mb=4096 -purge_allocator_interval=-1 \
		-print_final_stats=1 -artifact_prefix="$WORK/art-$t/" "${dict[@]}" "${flags[@]}" "$c") > "$WORK/$t.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/$t.log")
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$WORK/$t.log")
	cov=$(grep -E '^#[0-9]+' "$WORK/$t.log" | tail -1 | sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\).*/cov \1, ft \2/p')
	art=$(ls "$WORK/art-$t")
	if [ $rc = 0 ] && [ -z "$art" ] && [ -n "$execs" ] && [ "$execs" -gt 0 ]; then
		pass "fuzz_$t ($execs executions in ${secs} s, $eps/s, $cov)"
	else
		mkdir -p "$F/crashes/$t"
		[ -n "$art" ] && cp "$WORK/art-$t"/* "$F/crashes/$t"/
		why=$(grep -m1 -E '^fuzz: |ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$WORK/$t.log")
		fail "fuzz_$t" "rc=$rc ${why:-$(tail -2 "$WORK/$t.log")}; input: $F/crashes/$t/$art"
	fi
done
