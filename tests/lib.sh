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

# Why live tests cannot run here ("" if they can).
live_missing() {
	[ "$(id -u)" = 0 ] || { echo "not root"; return; }
	[ -c /dev/kvm ] || { echo "no /dev/kvm"; return; }
	"$KT" check >/dev/null 2>&1 || { echo "kvmrace-trace check fails: $("$KT" check 2>&1 | tail -1)"; return; }
	echo ""
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
