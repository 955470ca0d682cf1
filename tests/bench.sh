#!/bin/bash
# kvmrace benchmarks: ratios against a baseline measured in the same run.
#  1. per-program BPF cost (the kernel's BPF run-time stats), ns per event
#  2. the load generator's ns per KVM_RUN, untraced vs traced (interleaved)
#  3. replay throughput of the engine on a >= 10 M-event recording, peak RSS,
#     and RSS at 1 M vs 10 M events (flat in trace length)
# Needs root and /dev/kvm for 1-2; 3 runs anywhere.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${KR_BUILD:-$TOP/build}
KT=$BUILD/kvmrace-trace KL=$BUILD/kvmrace-load SY=$BUILD/kvmrace-synth
W=$(mktemp -d /tmp/kvmrace-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
EXITS=${BENCH_EXITS:-200000}
ROUNDS=${BENCH_ROUNDS:-5}
EVENTS=${BENCH_EVENTS:-10000000}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
nsrun() { sed -n 's/.*ns_per_run=\([0-9]*\).*/\1/p' "$1"; }

echo "kvmrace bench on $(uname -r), $(nproc) CPUs"
if [ "$(id -u)" = 0 ] && [ -c /dev/kvm ]; then
	echo
	echo "1. BPF program cost (kernel BPF stats; signal+resched storm, then $EXITS I/O exits)"
	"$KT" -q --prog-stats -- "$KL" --signals 1000 --resched 1000 --period-us 200 > /dev/null 2> "$W/ps1"
	"$KT" -q --prog-stats -- "$KL" --exits "$EXITS" > /dev/null 2> "$W/ps2"
	grep -E "BPF PROGRAM" "$W/ps1"
	# merge the two runs per program
	awk 'FNR>1 && NF==4 && $1 != "BPF" {r[$1]+=$2; t[$1]+=$3} END {for (p in r) if (r[p]) printf "  %-32s %12d %14d %10.1f\n", p, r[p], t[p], t[p]/r[p]}' "$W/ps1" "$W/ps2" | sort

	echo
	echo "2. KVM_RUN round trip, $EXITS I/O exits per run, $ROUNDS interleaved rounds (median)"
	for r in $(seq "$ROUNDS"); do
		"$KL" --exits "$EXITS" > "$W/u$r"
		"$KT" -q -- "$KL" --exits "$EXITS" > "$W/t$r" 2>/dev/null
		"$KT" -q -o "$W/rec" -- "$KL" --exits "$EXITS" > "$W/o$r" 2>/dev/null
		"$KT" -q --backend ftrace -- "$KL" --exits "$EXITS" > "$W/f$r" 2>/dev/null
	done
	u=$(for r in $(seq "$ROUNDS"); do nsrun "$W/u$r"; done | median)
	t=$(for r in $(seq "$ROUNDS"); do nsrun "$W/t$r"; done | median)
	o=$(for r in $(seq "$ROUNDS"); do nsrun "$W/o$r"; done | median)
	fb=$(for r in $(seq "$ROUNDS"); do nsrun "$W/f$r"; done | median)
	awk -v u="$u" -v t="$t" -v o="$o" -v fb="$fb" 'BEGIN {
		printf "  untraced                 %8d ns/KVM_RUN\n", u
		printf "  traced (summary mode)    %8d ns/KVM_RUN   ratio %.3f  (%+.1f%%; target <= +10%%)\n", t, t/u, (t/u-1)*100
		printf "  traced, recording (-o)   %8d ns/KVM_RUN   ratio %.3f  (%+.1f%%)\n", o, o/u, (o/u-1)*100
		printf "  traced, --backend ftrace %8d ns/KVM_RUN   ratio %.3f  (%+.1f%%)\n", fb, fb/u, (fb/u-1)*100 }'
else
	echo "1-2. skipped: need root and /dev/kvm"
fi

echo
echo "3. replay throughput (kvmrace-trace report on synthetic recordings)"
for n in 1000000 "$EVENTS"; do
	"$SY" -n "$n" -o "$W/s.rec" > /dev/null
	bytes=$(stat -c %s "$W/s.rec")
	cat "$W/s.rec" > /dev/null	# page cache: measure the engine, not the disk
	/usr/bin/time -f "%e %M" -o "$W/time" "$KT" report -q "$W/s.rec" > /dev/null 2>&1
	read -r secs rss < <(tail -1 "$W/time")
	awk -v n="$n" -v b="$bytes" -v s="$secs" -v r="$rss" 'BEGIN {
		if (s <= 0) s = 0.005
		printf "  %9d events  %7.1f MB  %6.2f s  %6.1f M events/s  %7.1f MB/s  peak RSS %d KB\n", n, b/1e6, s, n/s/1e6, b/1e6/s, r }'
	echo "$n $rss" >> "$W/rss"
	rm -f "$W/s.rec"
done
awk 'NR==1 {a=$2} NR==2 {printf "  RSS ratio 10x events: %.2f (flat in trace length: target ~1)\n", $2/a}' "$W/rss"
echo "  target: >= 20 M events/s"

echo
echo "4. import throughput (report on >= 1 M-event text), ratio to perf script on the same events"
if [ "$(id -u)" = 0 ] && [ -c /dev/kvm ] && command -v perf > /dev/null; then
	IMP_EXITS=${BENCH_IMPORT_EXITS:-350000}	# 3 events per KVM_RUN: >= 1 M events
	T=/sys/kernel/tracing
	I=$T/instances/kvmrace-bench-$$
	mkdir "$I" && echo 131072 > "$I/buffer_size_kb" && echo mono > "$I/trace_clock"
	for e in kvm/kvm_fpu kvm/kvm_userspace_exit; do echo 1 > "$I/events/$e/enable"; done
	"$KL" --exits "$IMP_EXITS" > /dev/null
	echo 0 > "$I/tracing_on"
	cat "$I/trace" > "$W/ft.txt"
	rmdir "$I"
	perf record -q -o "$W/perf.data" -m 4096 -e kvm:kvm_fpu -e kvm:kvm_userspace_exit -- "$KL" --exits "$IMP_EXITS" > /dev/null 2>&1
	# best of 3 for both sides (throughput: the least disturbed run)
	best=""
	for k in 1 2 3; do
		t0=$(date +%s.%N)
		perf script -i "$W/perf.data" > "$W/ps.txt" 2> /dev/null
		t1=$(date +%s.%N)
		d=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
		best=$(awk -v x="$best" -v d="$d" 'BEGIN { print (x == "" || d < x) ? d : x }')
	done
	nps=$(grep -c 'kvm:' "$W/ps.txt")
	psrate=$(awk -v n="$nps" -v d="$best" 'BEGIN { printf "%.0f", n / d }')
	printf "  perf script (baseline)  %9d events  %6.2f s  %6.2f M events/s (best of 3)\n" "$nps" "$best" "$(awk -v r="$psrate" 'BEGIN{print r/1e6}')"
	for f in ft.txt ps.txt; do
		n=$(grep -c 'kvm[:_]' "$W/$f")
		bytes=$(stat -c %s "$W/$f")
		cat "$W/$f" > /dev/null
		secs="" rss=0
		for k in 1 2 3; do
			s0=$(date +%s.%N)
			/usr/bin/time -f "%M" -o "$W/time" "$KT" report -q "$W/$f" > /dev/null 2>&1
			s1=$(date +%s.%N)
			d=$(awk -v a="$s0" -v b="$s1" 'BEGIN { print b - a }')
			secs=$(awk -v x="$secs" -v d="$d" 'BEGIN { print (x == "" || d < x) ? d : x }')
			rss=$(tail -1 "$W/time")
		done
		awk -v f="$f" -v n="$n" -v b="$bytes" -v s="$secs" -v p="$psrate" -v r="$rss" 'BEGIN {
			if (s <= 0) s = 0.005
			printf "  kvmrace report %-8s %9d events  %6.3f s  %6.2f M events/s  %6.1f MB/s  peak RSS %d KB  ratio to perf script %.1fx (target >= 10x, best of 3)\n",
				f, n, s, n/s/1e6, b/1e6/s, r, (n/s)/p }'
	done
else
	echo "  skipped: needs root, /dev/kvm and perf"
fi
