#!/bin/bash
# libFuzzer campaigns for the harnesses built by `make fuzz-build`.
#
#   campaign.sh SECONDS TARGET...   each target for SECONDS, from the committed
#                                   corpus (tests/fuzz/corpus/TARGET) into
#                                   build/fuzz/corpus/TARGET; per target one
#                                   line: executions, exec/s, cov, ft, corpus,
#                                   and crashes/leaks/UB (the input is saved
#                                   under build/fuzz/crashes/TARGET/).  Exit 1
#                                   on any crash, leak, UB or timeout.
#   campaign.sh --merge TARGET...   minimise build/fuzz/corpus/TARGET and the
#                                   committed corpus into tests/fuzz/corpus/TARGET
#                                   (libFuzzer -merge=1, inputs cut to commit_len).
#
# FUZZ_OUT (default build/fuzz) holds the binaries, corpora, crashes and logs;
# FUZZ_JOBS (default 1) fuzzing processes per target; FUZZ_RUNS (default
# none) ends a target's campaign sooner, at that many executions.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${FUZZ_OUT:-$TOP/build/fuzz}
case $OUT in /*) ;; *) OUT=$TOP/$OUT ;; esac
SRC=$TOP/tests/fuzz

# ASan: a small quarantine and no shadow release keep pages mapped between
# runs (page faults cost ~40 us each on this VM; without these options
# record and text take 25-35% more CPU per execution, README.md); UBSan:
# every report fatal, with its stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=32:clear_shadow_mmap_threshold=1000000000:detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

max_len() {
	case $1 in
	text) echo 8192 ;;
	record) echo 8192 ;;
	engine) echo 4112 ;;	# 16 option bytes, 64 events
	tracedat) echo 65536 ;;
	*) echo 4096 ;;
	esac
}

# The committed corpus keeps a few MB: its inputs cut to these lengths by the
# merge (text: 4389 KB whole, 1726 KB cut, with 85% of the features).
commit_len() {
	case $1 in
	text) echo 4096 ;;
	record) echo 4096 ;;
	engine) echo 2064 ;;	# 16 option bytes, 32 events
	tracedat) echo 16384 ;;
	*) echo 4096 ;;
	esac
}

# ASan options of a target's campaign on top of ASAN_OPTIONS.  fuzz_tracedat
# forks its reader process for every input that passes the structure check
# (~20% of the executions), and that process, libtracecmd with ASan's
# allocator, was most of the target's time: each of its allocations unwinds
# its stack into ASan's stack depot, copy-on-write pages of the parent, and
# libtracecmd trips an interceptor on some damaged files, an ASan report in
# the reader whose symbolization cost ~1.5 s.  So the campaign runs it
# without allocation stacks and unsymbolized (a reader of a good file:
# 39 -> 28 ms of CPU, its page faults 1340 -> 700); detection is the same,
# and classify replays each saved failure with the full reports.
run_opts() {
	case $1 in
	tracedat) echo ":symbolize=0:malloc_context_size=0" ;;
	*) echo "" ;;
	esac
}

# libFuzzer's malloc limit (-malloc_limit_mb, by default -rss_limit_mb) is a
# malloc hook, and it stays in fuzz_tracedat's reader processes: libtracecmd
# asking for 4 GB on a damaged file (regress/tracedat/dat-libtracecmd-malloc-4g.dat)
# made the reader process save its input as an "oom-" failure of the
# fuzzer, when the fuzzer's side is what is tested and handles the reader's
# end.  So no malloc limit below ASan's own (1 TB: an ASan report in the reader,
# whose end the fuzzer's side reports as one line); the fuzzer's side stays
# under -rss_limit_mb.
# (tests/integration/fuzz.sh: the same.)
target_flags() {
	case $1 in
	tracedat) echo "-malloc_limit_mb=1048576" ;;
	*) echo "" ;;
	esac
}

common_flags() {
	local t=$1 f=()
	[ -f "$SRC/$t.dict" ] && f+=("-dict=$SRC/$t.dict")
	f+=("-max_len=${2:-$(max_len "$t")}" -timeout=30 -rss_limit_mb=4096 -purge_allocator_interval=-1 $(target_flags "$t"))
	echo "${f[@]}"
}

if [ "${1:-}" = --merge ]; then
	shift
	for t in "$@"; do
		bin=$OUT/fuzz_$t
		[ -x "$bin" ] || { echo "campaign: $bin missing (make fuzz-build)" >&2; exit 1; }
		new=$OUT/merge-$t
		rm -rf "$new"
		mkdir -p "$new" "$SRC/corpus/$t" "$OUT/corpus/$t"
		# shellcheck disable=SC2046
		"$bin" -merge=1 $(common_flags "$t" "$(commit_len "$t")") "$new" "$SRC/corpus/$t" "$OUT/corpus/$t" > "$OUT/merge-$t.log" 2>&1 ||
			{ echo "campaign: merge of $t failed: $(tail -3 "$OUT/merge-$t.log")" >&2; exit 1; }
		rm -rf "$SRC/corpus/$t"
		mv "$new" "$SRC/corpus/$t"
		echo "fuzz_$t: corpus minimised to $(ls "$SRC/corpus/$t" | wc -l) inputs, $(du -sk "$SRC/corpus/$t" | cut -f1) KB"
	done
	exit 0
fi

secs=${1:?usage: campaign.sh SECONDS TARGET... | --merge TARGET...}
shift
rc=0
# One line per distinct failure: the first report line of each saved input,
# replayed once.
classify() {
	local bin=$1 f=$2 t=$3 l
	# shellcheck disable=SC2046
	l=$("$bin" -runs=1 $(target_flags "$t") "$f" 2>&1 | grep -m1 -E '^fuzz: |ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|^SUMMARY: ' |
		sed -E 's/==[0-9]+==//; s/ at offset [0-9]+ of [0-9]+.*//; s/0x[0-9a-f]+/0x.../g; s/^ +//')
	echo "${l:-no report on replay}"
}
printf '%-14s %10s %8s %7s %7s %8s %8s  %s\n' target executions exec/s cov ft corpus failures result
for t in "$@"; do
	bin=$OUT/fuzz_$t
	[ -x "$bin" ] || { echo "campaign: $bin missing (make fuzz-build)" >&2; exit 1; }
	corpus=$OUT/corpus/$t
	crashes=$OUT/crashes/$t
	log=$OUT/$t.log
	mkdir -p "$corpus" "$crashes"
	[ -d "$SRC/corpus/$t" ] && cp -n "$SRC/corpus/$t"/* "$corpus"/ 2>/dev/null
	touch "$OUT/.start-$t"
	# fork mode: a crash is saved and counted, and the campaign goes on
	# (one known bug must not hide the others)
	# shellcheck disable=SC2046
	# fuzz_tracedat: run_opts (the saved failures are replayed with the
	# full options: classify)
	(cd "$OUT" && ASAN_OPTIONS=$ASAN_OPTIONS$(run_opts "$t") "$bin" -fork="${FUZZ_JOBS:-1}" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -max_total_time="$secs" ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} \
		-artifact_prefix="$crashes/" $(common_flags "$t") "$corpus") > "$log" 2>&1
	last=$(grep -E '^#[0-9]+: cov' "$log" | tail -1)
	execs=$(echo "$last" | sed -n 's/^#\([0-9]*\):.*/\1/p')
	time=$(echo "$last" | sed -n 's/.* time: \([0-9]*\)s.*/\1/p')
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	eps=$([ -n "$execs" ] && [ "${time:-0}" -gt 0 ] && echo $((execs / time)) || echo "?")
	new=$(find "$crashes" -type f -newer "$OUT/.start-$t" | sort)
	n=$(echo "$new" | grep -c . || true)
	what=ok
	if [ "$n" -gt 0 ]; then
		rc=1
		what="$n saved in $crashes:"
	fi
	printf '%-14s %10s %8s %7s %7s %8s %8s  %s\n' "fuzz_$t" "${execs:-?}" "$eps" "${cov:-?}" "${ft:-?}" \
		"$(ls "$corpus" | wc -l)" "$n" "$what"
	for f in $new; do
		echo "$(classify "$bin" "$f" "$t")|$(basename "$f")"
	done | awk -F'|' '$1 != "" { if (!($1 in n)) { first[$1] = $2; order[k++] = $1 } n[$1]++ }
		END { for (i = 0; i < k; i++) printf "    %d x %s (e.g. %s)\n", n[order[i]], order[i], first[order[i]] }'
done
exit $rc
