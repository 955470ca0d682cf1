#!/bin/bash
# The command line as perf and trace-cmd users expect it: options anywhere,
# a threshold with its unit, several pids, a command that cannot run is an
# error, any input a pipe or a FIFO, a status line only on a terminal.
. "$(dirname "$0")/../lib.sh"
F=$TOP/tests/fixtures/power/p9-clean.kvmrace
T=$TOP/tests/fixtures/power/ftrace/p9-signal.trace.txt

run_err() {	# run_err NAME PATTERN CMD...: exit 1, one stderr line matching PATTERN
	local name=$1 pat=$2 rc
	shift 2
	"$@" > "$WORK/out" 2> "$WORK/err"
	rc=$?
	grep -q -- "$pat" "$WORK/err" || rc="$rc (no '$pat')"
	one_line_error "$name" 1 "$WORK/err" "$rc"
}

# Options after the files, as before them: the same JSON.
"$KT" report -q -t 2ms --json "$WORK/a.json" "$F"
"$KT" report "$F" -q --json "$WORK/b.json" -t 2ms
rc=$?
check "cli_options_after_files (report FILE --json X -t 2ms: exit $rc, same JSON)" cmp -s "$WORK/a.json" "$WORK/b.json"

run_err "cli_threshold_needs_unit" "needs a unit: ns, us, ms or s" "$KT" report -t 2 "$F"
"$KT" report -q -t 0 "$F" > /dev/null 2>&1
rc=$?
check "cli_threshold_zero_without_unit (exit $rc)" test $rc = 2 -o $rc = 0
run_err "cli_pid_list_bad" "not a process id: 'abc'" "$KT" report -p 1,abc "$F"
pid=$(jq '.vcpus[0].pid' "$WORK/a.json")
"$KT" report -q -t 2ms -p "999999,$pid" --json "$WORK/p.json" "$F"
check "cli_pid_list (report -p 999999,$pid: the vCPU of $pid kept)" jqe ".runs > 0 and (.vcpus | length) == 1" "$WORK/p.json"
"$KT" report -q -t 2ms -p 999999 --json "$WORK/p0.json" "$F"
check "cli_pid_list_none (report -p 999999: nothing of another process)" jqe ".runs == 0" "$WORK/p0.json"
run_err "cli_option_for_another_command" "is for live tracing" "$KT" report -d 1 "$F"
# kvmrace-load's bad options: one line of its own, exit 1, before any VM.
for a in "--timer-signals --tick-align:--timer-signals: the timer picks the time" "--period-us x:--period-us: not a non-negative number" \
	"--bogus:unknown option or missing value: '--bogus'" "--signals:unknown option or missing value: '--signals'" \
	"--wake-elsewhere 3 --tick-align:--wake-elsewhere: not with --tick-align" \
	"--wake-elsewhere 3 --cpu 0 --storm-cpu 0:--wake-elsewhere needs the storm on another CPU"; do
	# shellcheck disable=SC2086
	"$KL" ${a%%:*} > /dev/null 2> "$WORK/lerr"
	rc=$?
	if [ $rc = 1 ] && [ "$(wc -l < "$WORK/lerr")" = 1 ] && grep -qF "kvmrace-load: ${a#*:}" "$WORK/lerr"; then
		pass "cli_load_bad_option (${a%%:*}: $(cat "$WORK/lerr"))"
	else
		fail "cli_load_bad_option (${a%%:*})" "rc=$rc: $(head -c 300 "$WORK/lerr")"
	fi
done
"$KT" --version > "$WORK/v" 2>&1
check "cli_version ($(cat "$WORK/v"))" grep -q "^kvmrace-trace [0-9]" "$WORK/v"

# Inputs read once: a FIFO, a pipe.
mkfifo "$WORK/fifo"
cat "$T" > "$WORK/fifo" &
"$KT" report -q -t 2ms --json "$WORK/fifo.json" "$WORK/fifo"
rc=$?
wait
"$KT" report -q -t 2ms --json "$WORK/file.json" "$T"
check "cli_fifo_input (exit $rc, as the file)" cmp -s "$WORK/fifo.json" "$WORK/file.json"
"$KT" report -q -t 2ms --json "$WORK/pipe.json" /dev/stdin < "$F"
check "cli_recording_from_a_pipe" cmp -s "$WORK/pipe.json" "$WORK/a.json"

# Live (root, BPF; no guest is needed): a command that cannot run, pids.
if [ "$(id -u)" != 0 ]; then
	skip "cli_command_cannot_run" "not root"
	skip "cli_status_line" "not root"
	exit 0
fi
run_err "cli_command_cannot_run" "cannot run '/nonexistent'" "$KT" -q -- /nonexistent
"$KT" -q -p "$$,1" -d 0.2 > /dev/null 2> "$WORK/p.err"
rc=$?
check "cli_live_pid_list (-p \$\$,1: exit $rc, no error)" test $rc != 1
# The reader of the output gone (| head, | true): the run ends as on
# SIGINT, and leaves nothing behind (the ftrace backend's tracefs instance
# stayed when SIGPIPE killed the run).
for b in bpf ftrace; do
	"$KT" --backend $b -v -d 30 2>&1 | true
	rc=${PIPESTATUS[0]}
	n=$(ls /sys/kernel/tracing/instances 2>/dev/null | grep -c '^kvmrace-')
	check "cli_closed_pipe_$b (exit $rc, not killed; $n tracefs instances and $(progs_left) BPF programs left)" test "$rc" -lt 128 -a "$n" = 0 -a "$(progs_left)" = 0
done
# The status line: once a second on a terminal (script gives one), never
# into a file or a pipe.
if command -v script > /dev/null; then
	script -qec "$KT -d 3.5 --json $WORK/tty.json" /dev/null > "$WORK/tty.out" 2>&1
	n=$(tr '\r' '\n' < "$WORK/tty.out" | grep -c "events .* lost .* vCPUs .* findings")
	"$KT" -d 1.5 > "$WORK/notty.out" 2> "$WORK/notty.err"
	m=$(grep -c "events .* vCPUs" "$WORK/notty.err")
	check "cli_status_line (on a terminal: $n lines in 3.5 s; to a file: $m)" test "$n" -ge 2 -a "$m" = 0
else
	skip "cli_status_line" "no script(1)"
fi
