#!/bin/bash
# trace.dat through the reader process (user/tracedat.c) end to end:
# report on a synthetic KVM trace.dat (versions 6 and 7) gives the run's
# counts; the damaged files (tests/fixtures/bad-inputs/dat-*, tests/fuzz/
# regress/tracedat/*) give one line and exit 1, built plain and with ASan+UBSan; real kernel ring-buffer pages (a
# tracefs instance of our own, read raw) pass the structure check, which
# counts exactly the records libtracecmd gives, and the reader process gives
# the same lines as libtracecmd in-process.
. "$(dirname "$0")/../lib.sh"
MK=$BUILD/kvmrace-mkdat
DB=$BUILD/kvmrace-datbench
for b in "$MK" "$DB"; do
	[ -x "$b" ] || make -C "$TOP" --no-print-directory BUILD="$BUILD" "$b" > /dev/null 2>&1
done
if ! [ -x "$MK" ] || ! [ -x "$DB" ]; then
	fail "tracedat_tools" "$MK or $DB missing (make $MK $DB)"
	exit 0
fi
if ! "$KT" --help 2>&1 | grep -q trace.dat || ! pkg-config --exists libtracecmd 2> /dev/null; then
	skip "tracedat" "built without libtracecmd"
	exit 0
fi

# A synthetic run: 7000 records, 1000 KVM_RUN cycles with a signal each,
# every 100th exit 3 ms late: 10 violations at 1 ms.
"$MK" -o "$WORK/run.dat" -n 7000 --cpus 2 --vcpus 3 --late-every 100 > "$WORK/mk.out"
files=run.dat
if command -v trace-cmd > /dev/null; then
	for c in zstd none; do
		trace-cmd convert -i "$WORK/run.dat" -o "$WORK/run-v7$c.dat" --file-version 7 --compression $c > /dev/null 2>&1 &&
			files="$files run-v7$c.dat"
	done
fi
for f in $files; do
	"$KT" report -q -t 1ms --json "$WORK/$f.json" "$WORK/$f" > /dev/null 2> "$WORK/$f.err"
	rc=$?
	if [ $rc = 2 ] && jqe '.requests.signal == 1000 and .violations == 10 and .runs == 1000' "$WORK/$f.json"; then
		pass "tracedat_report_$f (exit 2: $(jq -c '{requests, violations, runs}' "$WORK/$f.json"))"
	else
		fail "tracedat_report_$f" "rc=$rc $(jq -c '{requests, violations, runs}' "$WORK/$f.json" 2>&1) $(head -c 300 "$WORK/$f.err")"
	fi
done

# The damaged files (every regression input of fuzz_tracedat, the bad-input
# reproducers among them): `report FILE` as a user runs it, and built with
# ASan+UBSan: one line naming the file, exit 1, nothing on stdout, no
# sanitizer report, bounded.
A=$BUILD/asan-trace/kvmrace-trace
export ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$TOP/tests/lsan.supp UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for f in "$TOP"/tests/fixtures/bad-inputs/dat-*.dat "$TOP"/tests/fuzz/regress/tracedat/*; do
	n=$(basename "$f")
	n=${n%.dat}
	[ -e "$WORK/$n.err" ] && continue	# a bad-input reproducer, also linked from regress/
	for b in "$KT" "$A"; do
		[ -x "$b" ] || { fail "tracedat_damaged_${n}_asan" "$A missing (make $A)"; continue; }
		tag=$([ "$b" = "$A" ] && echo _asan)
		timeout 120 "$b" report "$f" > "$WORK/$n$tag.out" 2> "$WORK/$n$tag.err"
		rc=$?
		if [ $rc = 1 ] && [ "$(wc -l < "$WORK/$n$tag.err")" = 1 ] && grep -qF "$f: damaged trace.dat" "$WORK/$n$tag.err" &&
			! [ -s "$WORK/$n$tag.out" ] && ! grep -qE "Sanitizer|runtime error" "$WORK/$n$tag.err"; then
			pass "tracedat_damaged_$n$tag (exit 1: $(cut -c1-160 "$WORK/$n$tag.err"))"
		else
			fail "tracedat_damaged_$n$tag" "rc=$rc $(head -c 400 "$WORK/$n$tag.err")"
		fi
	done
done
unset ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS

# Real pages: scheduler and signal events of this host in an instance of our
# own, stopped, every page read raw (the partial ones and, where the small
# ring wrapped, those with lost-event marks too).
T=/sys/kernel/tracing
if [ "$(id -u)" != 0 ] || ! [ -d $T/instances ]; then
	skip "tracedat_real_pages" "needs root and tracefs"
	exit 0
fi
I=$T/instances/kvmrace-tracedat-$$
ev=sched/sched_switch,sched/sched_wakeup,sched/sched_waking,signal/signal_generate,signal/signal_deliver
if mkdir "$I" 2> /dev/null; then
	echo 64 > "$I/buffer_size_kb"
	for e in ${ev//,/ }; do echo 1 > "$I/events/$e/enable"; done
	bash -c 'trap : USR1; for i in $(seq 300); do sleep 0.005; done' &
	p=$!
	for i in $(seq 100); do kill -USR1 $p 2> /dev/null; sleep 0.003; done
	wait $p
	echo 0 > "$I/tracing_on"
	"$MK" --raw "$I" --events "$ev" -o "$WORK/real.dat" > "$WORK/real.mk" 2>&1
	rmdir "$I"
	"$DB" "$WORK/real.dat" 1 > "$WORK/real.db" 2>&1
	rc=$?
	lines=$(sed -n 's/.*; \([0-9]*\) identical lines$/\1/p' "$WORK/real.db")
	most=$(sed -n 's/^check: .* at most \([0-9]*\) records$/\1/p' "$WORK/real.db")
	tc=$(command -v trace-cmd > /dev/null && trace-cmd report -i "$WORK/real.dat" 2> /dev/null | grep -c '^ ' || echo "$lines")
	if [ $rc = 0 ] && [ -n "$lines" ] && [ "$lines" -gt 0 ] && [ "$lines" = "$most" ] && [ "$lines" = "$tc" ]; then
		pass "tracedat_real_pages ($(sed -n 's/^records=.* pages=//p' "$WORK/real.mk") kernel pages: the check counts $most records, libtracecmd gives $lines in-process and through the reader, the same lines; trace-cmd report $tc)"
	else
		fail "tracedat_real_pages" "rc=$rc lines=$lines check=$most trace-cmd=$tc $(tail -3 "$WORK/real.db") $(cat "$WORK/real.mk")"
	fi
else
	skip "tracedat_real_pages" "cannot create a tracefs instance"
fi
