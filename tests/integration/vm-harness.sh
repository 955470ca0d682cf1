#!/bin/bash
# The emulated hosts' harness, tried on this host: bounded (scripts/vm-init.sh,
# under busybox sh as in the VMs), and vm_extract, vm_report_hangs and
# vm_boot (scripts/vm-lib.sh) on synthetic consoles and a fake qemu.  A run
# that hangs in a VM must fail alone, with a report, and a VM that stops
# must be said so; these cases prove the machinery that says it.
. "$(dirname "$0")/../lib.sh"
BB=$(command -v busybox)
if [ -z "$BB" ]; then
	skip "vm harness" "no busybox (make deps installs it)"
	exit 0
fi

# bb_bounded LIMIT CMD...: bounded under busybox sh with the VM's helpers,
# the console and reports in $WORK; prints "rc=N secs=N".
bb_bounded() {
	CONSOLE=$WORK/console VMTMP=$WORK SYSRQ=/dev/null GRACE=2 "$BB" sh -c '
		. "$0"
		[ -n "${UNKILLABLE:-}" ] && kill() { [ "$1" = -KILL ] || command kill "$@"; }
		emit() { echo "@@@FILE $1"; cat "$2"; echo "@@@END"; }
		read -r a _ < /proc/uptime
		bounded "$@" > /dev/null 2>&1
		rc=$?
		read -r b _ < /proc/uptime
		echo "rc=$rc secs=$(( ${b%.*} - ${a%.*} ))"' "$TOP/scripts/vm-init.sh" "$@"
}

: > "$WORK/console"
out=$(bb_bounded 20 sh -c 'exit 3')
if [ "${out%% *}" = rc=3 ] && [ "${out##*=}" -le 2 ] && [ ! -s "$WORK/console" ]; then
	pass "vm harness: bounded passes a command's exit status through, at once, no report ($out)"
else
	fail "vm harness: bounded, a command that ends" "$out; console: $(head -c 200 "$WORK/console")"
fi

: > "$WORK/console"
out=$(bb_bounded 1 sleep 30)
if [ "${out%% *}" = rc=143 ] && [ "${out##*=}" -le 4 ] && grep -q '^@@@FILE hang.1$' "$WORK/console" &&
	grep -q '^sleep 30 ran past 1 s$' "$WORK/console" && grep -q '^--- [0-9]* sleep 30 | state S' "$WORK/console"; then
	pass "vm harness: a command past its bound is reported (process list) and ended by SIGTERM ($out)"
else
	fail "vm harness: bounded, past its bound" "$out; console: $(head -c 300 "$WORK/console")"
fi

# A command that ignores SIGTERM: SIGKILL, to it and its children, GRACE s on.
: > "$WORK/console"
out=$(bb_bounded 1 "$BB" sh -c 'trap "" TERM; sleep 40 & wait')
sleepers=$(pgrep -f '^sleep 40$' | wc -l)
if [ "${out%% *}" = rc=137 ] && [ "${out##*=}" -ge 2 ] && [ "${out##*=}" -le 5 ] && [ "$sleepers" = 0 ]; then
	pass "vm harness: a command that ignores SIGTERM is killed with its children GRACE s later ($out)"
else
	fail "vm harness: bounded, SIGTERM ignored" "$out, $sleepers of its children left"
	pkill -f '^sleep 40$'
fi

# A command SIGKILL does not end (stuck in the kernel; here SIGKILL is not
# sent): a second report, and the shell goes on without it.
: > "$WORK/console"
out=$(UNKILLABLE=1 bb_bounded 1 "$BB" sh -c "echo \$\$ > $WORK/stuck.pid; trap '' TERM; sleep 41")
if [ "${out%% *}" = rc=124 ] && [ "${out##*=}" -ge 4 ] && [ "${out##*=}" -le 8 ] && grep -q '^@@@FILE hang.1.b$' "$WORK/console" &&
	grep -q 'still there 2 s after SIGKILL$' "$WORK/console"; then
	pass "vm harness: a command that will not end is reported twice and left behind (exit 124, $out)"
else
	fail "vm harness: bounded, a command that will not end" "$out; console: $(grep -c . "$WORK/console") lines"
fi
stuck=$(cat "$WORK/stuck.pid")
pkill -KILL -P "$stuck"
kill -KILL "$stuck"

# vm_extract: CRs and kernel messages are not file content.
VM_NAME=test
. "$TOP/scripts/vm-lib.sh"
mkdir -p "$WORK/x"
printf '%s\r\n' 'boot noise' '@@@FILE a.json' '{"a": [' '[   12.345678] rcu: INFO: rcu_sched self-detected stall on CPU' \
	'  1]}' '@@@END' '@@@FILE b.txt' 'line' '@@@END' > "$WORK/c1"
vm_extract "$WORK/c1" "$WORK/x" p-
if [ "$(jq -c . "$WORK/x/p-a.json" 2>&1)" = '{"a":[1]}' ] && [ "$(cat "$WORK/x/p-b.txt")" = line ]; then
	pass "vm harness: vm_extract takes the files out of a console, without CRs or kernel messages"
else
	fail "vm harness: vm_extract" "$(cat "$WORK/x/p-a.json" 2>&1 | head -c 200)"
fi

# vm_report_hangs: reason, processes, kernel warnings and the sysrq dumps, not
# the kernel's informational noise.
mkdir -p "$WORK/h"
printf '%s\n' '/bin/kvmrace-trace -q ran past 150 s' '--- 61 /bin/kvmrace-trace -q | state D 1 61' \
	'    wchan synchronize_rcu' '--- dmesg' '<6>[    0.9] pci 0000:00:00.0: noise' \
	'<3>[  170.0] INFO: task kvmrace-trace:61 blocked for more than 120 seconds.' \
	'<6>[  171.0] sysrq: Show Blocked State' '<6>[  171.1] task:kvmrace-trace   state:D' > "$WORK/h/hang.1"
rep=$(vm_report_hangs "$WORK/h")
if grep -q '^# hang.1: /bin/kvmrace-trace -q ran past 150 s$' <<< "$rep" && grep -q 'state D' <<< "$rep" &&
	grep -q 'kernel: \[  170.0\] INFO: task kvmrace-trace:61 blocked' <<< "$rep" &&
	grep -q 'kernel: \[  171.1\] task:kvmrace-trace' <<< "$rep" && ! grep -q noise <<< "$rep" &&
	[ "$(grep -vc '^#' <<< "$rep")" = 0 ]; then
	pass "vm harness: vm_report_hangs gives reason, processes, kernel warnings and sysrq dumps as # lines"
else
	fail "vm harness: vm_report_hangs" "$(head -c 400 <<< "$rep")"
fi

# vm_boot: a fake qemu that stops before its end marker on its first boot.
cat > "$WORK/qemu" <<EOF
#!/bin/sh
n=\$(cat "$WORK/boots" 2> /dev/null || echo 0); n=\$((n + 1)); echo \$n > "$WORK/boots"
echo "boot \$n"
[ \$n -ge \${1:-2} ] && { echo "@@@FILE r.json"; echo '{}'; echo "@@@END"; echo "@@@DONE"; exit 0; }
echo "[   99.000000] watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [kvmrace-load:70]"
exit 124
EOF
chmod +x "$WORK/qemu"
rm -f "$WORK/boots"
out=$(vm_boot "$WORK/con" "$WORK/qemu" 2)
rc=$?
if [ $rc = 0 ] && [ "$(cat "$WORK/boots")" = 2 ] && grep -q '^@@@DONE' "$WORK/con" && grep -q 'soft lockup' "$WORK/con.1" &&
	grep -q '^# test: the emulated host stopped before its end.*qemu exit 124' <<< "$out" &&
	grep -q '^#   \[   99.000000\] watchdog: BUG: soft lockup' <<< "$out" && [ "$(grep -vc '^#' <<< "$out")" = 0 ]; then
	pass "vm harness: vm_boot reports a boot that stopped (# lines, console kept) and boots once more"
else
	fail "vm harness: vm_boot, one stopped boot" "rc=$rc boots=$(cat "$WORK/boots") $(head -c 300 <<< "$out")"
fi
rm -f "$WORK/boots"
out=$(vm_boot "$WORK/con" "$WORK/qemu" 3)
rc=$?
if [ $rc = 1 ] && [ "$(cat "$WORK/boots")" = 2 ] && ! grep -q '^@@@DONE' "$WORK/con"; then
	pass "vm harness: vm_boot fails after a second stopped boot, not more"
else
	fail "vm harness: vm_boot, two stopped boots" "rc=$rc boots=$(cat "$WORK/boots")"
fi
