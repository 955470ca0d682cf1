#!/bin/bash
# The cost of the harnesses' executions, for comparing builds and options
# (README.md: Cost per execution).
#
#   bench.sh [-b BINDIR] [-o ASAN_EXTRA] TARGET [RUNS]
#       libFuzzer in-process (no fork mode), seed 1, RUNS executions
#       (default 20000) from a copy of the committed corpus (the corpus's
#       own replay included), with campaign.sh's options: prints the CPU
#       (user+sys, the reader processes of fuzz_tracedat included) and the
#       page faults per execution, and the coverage reached.  The same
#       seed and corpus give the same inputs, so two builds or two option
#       sets compare on one workload; the machine's load does not change
#       CPU time much, but it does change it: compare runs made together.
#
# BINDIR: the fuzz binaries (default build/fuzz, make fuzz-build);
# ASAN_EXTRA: options appended to the campaign's (e.g. malloc_context_size=30).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SRC=$TOP/tests/fuzz
bindir=$TOP/build/fuzz
extra=
while getopts b:o: o; do
	case $o in
	b) bindir=$OPTARG ;;
	o) extra=:$OPTARG ;;
	*) exit 1 ;;
	esac
done
shift $((OPTIND - 1))
t=${1:?usage: bench.sh [-b BINDIR] [-o ASAN_EXTRA] TARGET [RUNS]}
runs=${2:-20000}
bin=$bindir/fuzz_$t
[ -x "$bin" ] || { echo "bench: $bin missing (make fuzz-build)" >&2; exit 1; }
[ -d "$SRC/corpus/$t" ] || { echo "bench: no corpus $SRC/corpus/$t" >&2; exit 1; }
command -v /usr/bin/time > /dev/null || [ -x /usr/bin/time ] || { echo "bench: /usr/bin/time missing (apt: time)" >&2; exit 1; }

# campaign.sh's options (max_len, dictionary, ASan, UBSan)
eval "$(sed -n '/^max_len()/,/^}/p; /^run_opts()/,/^}/p; /^target_flags()/,/^}/p' "$SRC/campaign.sh")"
w=$(mktemp -d /tmp/kvmrace-fuzzbench.XXXXXX)
trap 'rm -rf "$w"' EXIT
mkdir "$w/corpus"
cp "$SRC/corpus/$t"/* "$w/corpus"/
dict=()
[ -f "$SRC/$t.dict" ] && dict=("-dict=$SRC/$t.dict")
export ASAN_OPTIONS="quarantine_size_mb=32:clear_shadow_mmap_threshold=1000000000:detect_leaks=1$(run_opts "$t")$extra"
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd "$w" && /usr/bin/time -f '%U %S %R' -o "$w/time" "$bin" -seed=1 -runs="$runs" -max_len="$(max_len "$t")" \
	"${dict[@]}" $(target_flags "$t") -timeout=30 -rss_limit_mb=4096 -purge_allocator_interval=-1 corpus > "$w/log" 2>&1)
rc=$?
if [ $rc != 0 ] || ! grep -q DONE "$w/log"; then
	echo "bench: fuzz_$t failed (exit $rc):" >&2
	tail -5 "$w/log" >&2
	exit 1
fi
read -r u s flt < "$w/time"
awk -v t="$t" -v n="$runs" -v u="$u" -v s="$s" -v f="$flt" -v o="${ASAN_OPTIONS}" -v cov="$(grep DONE "$w/log" | sed 's/.*\(cov: [0-9]* ft: [0-9]*\).*/\1/')" \
	'BEGIN { printf "fuzz_%s: %d executions, CPU %.3f ms/execution (user %.1f s, sys %.1f s), %.0f page faults/execution, %s\n  ASAN_OPTIONS=%s\n", t, n, (u + s) * 1000 / n, u, s, f / n, cov, o }'
