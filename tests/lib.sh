# Shared helpers for the shell tests (sourced).  Each test file calls
# pass/fail/skip once per case; tests/run.sh adds the counts up.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${KR_BUILD:-$TOP/build}
KT=$BUILD/kvmrace-trace
KL=$BUILD/kvmrace-load
RESULTS=${KR_RESULTS:-/dev/null}
WORK=$(mktemp -d /tmp/kvmrace-it.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

pass() { echo "ok - $1"; echo "pass $1" >> "$RESULTS"; }
fail() { echo "not ok - $1${2:+: $2}"; echo "fail $1" >> "$RESULTS"; }
skip() { echo "ok - $1 # SKIP $2"; echo "skip $1" >> "$RESULTS"; }

# check NAME COMMAND...: pass if COMMAND succeeds.
check() {
	local name=$1; shift
	if "$@"; then pass "$name"; else fail "$name"; fi
}

# jq -e wrapper on a JSON file
jqe() { jq -e "$1" "$2" >/dev/null; }

# Where a test file's live cases (real guests traced) run.  The one place
# that decides; prints one of
#   here  in this process: root, /dev/kvm, and `kvmrace-trace check` passes
#         (a KVM host, as today where /dev/kvm exists, or the emulated x86
#         host itself: KR_IN_VM=1);
#   vm    in the emulated x86 KVM host (scripts/x86/live.sh): root on an
#         x86_64 build host without /dev/kvm (most CI runners, cloud VMs);
#   or why they cannot run anywhere here (the skip reason).
# KVMRACE_LIVE_VM=0 keeps them out of the emulated host (they skip).
live_where() {
	[ "$(id -u)" = 0 ] || { echo "not root"; return; }
	if [ -c /dev/kvm ]; then
		"$KT" check >/dev/null 2>&1 || { echo "kvmrace-trace check fails: $("$KT" check 2>&1 | tail -1)"; return; }
		echo here
		return
	fi
	[ -z "${KR_IN_VM:-}" ] || { echo "no /dev/kvm in the emulated x86 host (kvm-amd did not load)"; return; }
	[ "$(uname -m)" = x86_64 ] || { echo "no /dev/kvm (and the emulated KVM host for live cases needs an x86_64 build host)"; return; }
	[ "${KVMRACE_LIVE_VM:-1}" != 0 ] || { echo "no /dev/kvm, and KVMRACE_LIVE_VM=0 (not in the emulated x86 host)"; return; }
	echo vm
}

# Why live cases cannot run in this process ("" if they can).
live_missing() {
	local w
	w=$(live_where)
	case $w in
	here) echo "" ;;
	vm) echo "no /dev/kvm here (only the cases behind live_gate run in the emulated x86 host)" ;;
	*) echo "$w" ;;
	esac
}

# Number of loaded BPF programs of ours (tpbtf__/raw__/tp__ prefixes).
our_progs() {
	bpftool prog show 2>/dev/null | grep -cE ' name (tpbtf__|raw__|tp__)[a-z_]+ |seed_running_vc' || true
}

# Our programs left after the tracer exited: the kernel frees them after an
# RCU grace period, so give it up to 3 s before counting.
progs_left() {
	local i n
	for i in $(seq 30); do
		n=$(our_progs)
		[ "$n" = 0 ] && break
		sleep 0.1
	done
	echo "$n"
}

# one_line_error NAME RC_EXPECTED STDERR_FILE RC: exactly one stderr line, no crash
one_line_error() {
	local name=$1 want=$2 errf=$3 rc=$4 lines
	lines=$(wc -l < "$errf")
	if [ "$rc" = "$want" ] && [ "$lines" = 1 ] && grep -q '^kvmrace-trace: ' "$errf"; then
		pass "$name"
	else
		fail "$name" "rc=$rc (want $want), $lines stderr lines: $(head -c 300 "$errf")"
	fi
}

# run_stage NAME SCRIPT SKIPVAR: an emulated-host stage (root: it installs
# packages and boots qemu); its ok/not ok lines are shown, one result counted.
run_stage() {
	local name=$1 script=$2 skipvar=$3 start rc log
	if [ "${!skipvar:-0}" = 1 ]; then
		skip "$name" "$skipvar=1"
		return
	fi
	if [ "$(id -u)" != 0 ]; then
		skip "$name" "not root (the runner installs packages and boots qemu)"
		return
	fi
	log=$WORK/$name.log
	start=$(date +%s)
	"$script" > "$log" 2>&1
	rc=$?
	grep -E '^(ok|not ok|#)' "$log" | sed 's/^/    /'
	if [ $rc = 0 ]; then
		pass "$name ($(tail -1 "$log"); $(( $(date +%s) - start )) s with downloads)"
	else
		fail "$name" "$(grep -E '^(not ok|[a-z0-9]+: )' "$log" | tail -5)"
	fi
}

# wait_for FILE REGEX: until a line of FILE (a process's own output) matches
# REGEX: readiness from what the process says, not a sleep.  Bounded
# (KR_WAIT_S, default 300 s: a process that never says it is a failure
# of the case that waits, not a hang of the suite); 1 then, with a line
# on stderr.
wait_for() {
	local i n=$(( ${KR_WAIT_S:-300} * 10 ))
	for ((i = 0; i < n; i++)); do
		grep -qE "$2" "$1" 2> /dev/null && return 0
		sleep 0.1
	done
	echo "wait_for: no line matching '$2' in $1 after ${KR_WAIT_S:-300} s" >&2
	return 1
}

# live_gate CASE...: whether this file's live cases run in this process (0).
# If not (1), either they ran in the emulated x86 host, whose lines are
# printed here and counted (live_in_vm), or each CASE is skipped with the
# reason (in the emulated host itself: fails).  The file then goes on with
# what is not live, or ends.  What the live cases need built is built
# before (the emulated host builds nothing), and nothing is counted before
# (with KR_PREPARE=1 the file ends here).
live_gate() {
	local w c
	# tests/run.sh, before it boots the emulated host for every file: the
	# file has built what its live cases need, and ends here.
	[ -z "${KR_PREPARE:-}" ] || exit 0
	w=$(live_where)
	case $w in
	here) return 0 ;;
	vm) live_in_vm "$@"; return 1 ;;
	esac
	for c; do
		if [ -n "${KR_IN_VM:-}" ]; then fail "$c" "$w"; else skip "$c" "$w"; fi
	done
	return 1
}

# offline_here: whether this file's cases that need no guest run in this
# process: not in the emulated host, where only the live cases run.
offline_here() { [ -z "${KR_IN_VM:-}" ]; }

# emulated: this is the emulated x86 host (QEMU TCG).  Its time is
# stretched, and a loaded build host stretches it more: a kick IPI, or the
# guest exit after it, can come 20-90 ms late (measured).  Tests that claim
# timing judge there by counts and pairings instead (EMULATOR_LATE).
emulated() { [ -n "${KR_IN_VM:-}" ]; }

# A jq condition on a run's JSON: every violation is one the emulator made
# late: class kick_late, or a late exit with the kick received or the CPU
# seen in host code while the events said guest (scripts/emulator-late.jq).
EMULATOR_LATE=$(grep -v '^#' "$TOP/scripts/emulator-late.jq")

# judged RC JSON: the verdict a live run must have: pass (exit 0), or in the
# emulated host a violation (exit 2) that is all EMULATOR_LATE.
judged() {
	[ "$1" = 0 ] && jqe '.verdict == "pass"' "$2" && return 0
	emulated && [ "$1" = 2 ] && jqe ".verdict == \"violation\" and ($EMULATOR_LATE)" "$2"
}

# late_note JSON: in the emulated host, the violations judged by
# EMULATOR_LATE, for a pass line ("" if none).
late_note() {
	emulated || return 0
	jq -r 'if .violations > 0 then "; late by the emulator: \([.findings[] | select(.violation) | "\(.kind) \(.cause) \(.past_ns / 1e6 | floor) ms"] | join(", "))" else "" end' "$1" 2>/dev/null
}

# violations JSON: a run's violations with their evidence, for a failure's
# detail.
violations() {
	jq -c '[.findings[] | select(.violation) | {kind, cause, past_ns, exit: .exit.name, kick_received: .kick_received.seen, host_ran_in_guest_ns, host_irq_before_entry: .host_irq_before_entry.seen}] | .[:6]' "$1" 2>/dev/null | head -c 600
}

# live_in_vm CASE...: this test file's live cases, run in the emulated x86
# host: by tests/run.sh for the whole suite in one boot before the files
# (KR_VM_LIVE: its scripts/x86/live.sh output; a file it gave nothing for
# fails, it is not booted again), else now, for this file alone.  What they printed there is printed here and their results
# counted.  A CASE the emulated host gave no result for fails, and so does
# a run there that did not reach its end.
live_in_vm() {
	local f b d o c why
	f=$(realpath "$0")
	b=$(basename "$f")
	echo "# $b: no /dev/kvm here; its live cases run in the emulated x86 KVM host (scripts/x86/live.sh: this host's root file system and build over virtio-9p)"
	if [ -n "${KR_VM_LIVE:-}" ]; then
		d=$KR_VM_LIVE	# whatever that boot gave (no second boot per file)
	else
		d=$WORK/vm
		"$TOP/scripts/x86/live.sh" "$d" "$f" > "$d.log" 2>&1
		echo "scripts/x86/live.sh exit $?" >> "$d.log"
		grep '^#' "$d.log"
	fi
	o=$d/share/$b
	[ -f "$o/tap" ] && cat "$o/tap"
	[ -f "$o/results" ] && cat "$o/results" >> "$RESULTS"
	# How long each case took there (guest clock: the host's real time).
	[ -s "$o/timing" ] && awk 'NR == 1 { s = p = $1; next } $2 == "ok" || $2 == "not" {
			n = ($2 == "ok") ? $4 : $5; sub(/[: ].*/, "", n); c = c sprintf(" %s %d,", n, $1 - p); p = $1 }
		{ e = $1 } END { sub(/,$/, "", c); printf "# %s in the emulated x86 host: from %d s after its boot, its cases took %d s:%s\n", f, s, e - s, c }' \
		f="$b" "$o/timing"
	why="no result from the emulated x86 host ($(grep -v '^#' "$d.log" 2>/dev/null | tail -2 | tr '\n' ' ')console: $(tr -d '\r' < "$d/console" 2>/dev/null | grep -v '^@@@' | tail -3 | tr '\n' ' '))"
	for c; do
		grep -qE "^(pass|fail|skip) $c( |\$)" "$o/results" 2>/dev/null || fail "$c" "$why"
	done
	if [ "$(cat "$o/rc" 2>/dev/null)" != 0 ]; then
		fail "$b: its run in the emulated x86 host reached its end" "exit status $(cat "$o/rc" 2>&1); $why"
	fi
}

# live_files: the shell tests with live cases (those that name live_gate).
live_files() { grep -l 'live_gate' "$TOP"/tests/integration/*.sh; }

# host_files: the shell tests that need neither the emulated x86 host's live
# run nor an emulated host of their own (run_stage): tests/run.sh runs them
# while the emulated host runs the live cases.
host_files() { grep -L -e 'live_gate' -e '^run_stage ' "$TOP"/tests/integration/*.sh; }

# preempted FILE: the reschedule requests kvmrace-load's wake-ups made for its
# vCPU thread (fifo_preempted in its output FILE: the FIFO thread slept and,
# woken, took the CPU from it), the ground truth of a resched count; 0 if none.
preempted() { sed -n 's/^kvmrace-load: .*fifo_preempted=\([0-9]*\).*/\1/p' "$1" | grep . || echo 0; }
