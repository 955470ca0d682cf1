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
# the console and reports in $WORK; prints "rc=N".  What the watchdog does
# is logged, in order, to $WORK/events: "emit NAME" for each report sent to
# the console, "kill ARGS" for each signal sent (UNKILLABLE=1: SIGKILL is
# logged but not sent, as if the process were stuck in the kernel).  The
# cases assert on that log and the exit status, never on how long it took:
# the hang report walks every process of this host, which takes seconds on a
# loaded one.
bb_bounded() {
	: > "$WORK/console"
	: > "$WORK/events"
	CONSOLE=$WORK/console VMTMP=$WORK SYSRQ=/dev/null GRACE=2 EV=$WORK/events "$BB" sh -c '
		. "$0"
		kill() {
			echo "kill $*" >> "$EV"
			[ -n "${UNKILLABLE:-}" ] && [ "$1" = -KILL ] && return 0
			command kill "$@"
		}
		emit() { echo "emit $1" >> "$EV"; echo "@@@FILE $1"; cat "$2"; echo "@@@END"; }
		bounded "$@" > /dev/null 2>&1
		echo "rc=$?"' "$TOP/scripts/vm-init.sh" "$@"
}
# events: the watchdog's log with PIDs named: P for the command (its PID in
# $WORK/cmd.pid), C for its child ($WORK/child.pid), S for the shell that
# ran bounded; other PIDs (the watchdog's own cleanup) as "n".
events() {
	local p c
	p=$(cat "$WORK/cmd.pid" 2> /dev/null) c=$(cat "$WORK/child.pid" 2> /dev/null)
	sed -E -e "s/ ${p:-X}( |$)/ P\1/g" -e "s/ ${c:-X}( |$)/ C\1/g" -e 's/ [0-9]+( |$)/ n\1/g' -e 's/ [0-9]+( |$)/ n\1/g' "$WORK/events" | tr '\n' ';'
}
# end: the same, with bounded's final cleanup of its watchdog ("kill n n" if
# the watchdog still sleeps, "kill n" if it has just ended: on a loaded host
# either) as "end".
end() { events | sed -E 's/kill n( n)?;$/end;/'; }
# gone PID: no such process, or only its zombie.
gone() { ! [ -e "/proc/$1" ] || [ "$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2> /dev/null)" = Z ]; }
# reap FILE CMDLINE: what a case left behind: SIGKILL to the PID in FILE if
# that process is still there and still runs CMDLINE (never by name).
reap() {
	local p
	p=$(cat "$1" 2> /dev/null) || return 0
	[ -n "$p" ] && ! gone "$p" && [ "$(tr '\0' ' ' < "/proc/$p/cmdline" 2> /dev/null)" = "$2 " ] && kill -KILL "$p"
	return 0
}
rm -f "$WORK/cmd.pid" "$WORK/child.pid"

# A command that ends: its status, no report, no signal but the end of the
# watchdog.
out=$(bb_bounded 20 sh -c 'exit 3')
ev=$(end)
if [ "$out" = rc=3 ] && [ ! -s "$WORK/console" ] && [ "$ev" = "end;" ]; then
	pass "vm harness: bounded passes a command's exit status through, no report, its watchdog ended ($out; $ev)"
else
	fail "vm harness: bounded, a command that ends" "$out; events: $ev; console: $(head -c 200 "$WORK/console")"
fi

# A command past its bound: the report first, then SIGTERM ends it (143).
out=$(bb_bounded 1 sh -c "echo \$\$ > $WORK/cmd.pid; exec sleep 30")
ev=$(end)
if [ "$out" = rc=143 ] && [ "$ev" = "emit hang.1;kill -TERM P;end;" ] && grep -q '^@@@FILE hang.1$' "$WORK/console" &&
	grep -q '^sh -c echo .* ran past 1 s$' "$WORK/console" && grep -q "^--- $(cat "$WORK/cmd.pid") sleep 30 | state S" "$WORK/console"; then
	pass "vm harness: a command past its bound is reported (process list), then ended by SIGTERM ($out; $ev)"
else
	fail "vm harness: bounded, past its bound" "$out; events: $ev; console: $(head -c 300 "$WORK/console")"
fi
reap "$WORK/cmd.pid" "sleep 30"

# A command that ignores SIGTERM (it logs it and waits on): SIGKILL to its
# child, then to it, after the report and the SIGTERM; no child left.
rm -f "$WORK/cmd.pid" "$WORK/child.pid"
out=$(bb_bounded 1 "$BB" sh -c "echo \$\$ > $WORK/cmd.pid; trap 'echo got TERM >> $WORK/events' TERM; sleep 40 & echo \$! > $WORK/child.pid; while :; do wait; done")
# (The command's own "got TERM" comes after the SIGTERM; where among the
# watchdog's later lines depends on scheduling, so it is checked apart.)
ev=$(end | sed 's/got TERM;//')
child=$(cat "$WORK/child.pid" 2> /dev/null)
if [ "$out" = rc=137 ] && [ "$ev" = "emit hang.1;kill -TERM P;kill -KILL C;kill -KILL P;end;" ] &&
	events | grep -q 'kill -TERM P;.*got TERM;' && [ -n "$child" ] && gone "$child"; then
	pass "vm harness: a command that ignores SIGTERM is killed after it, its child first, none left ($out; $ev)"
else
	fail "vm harness: bounded, SIGTERM ignored" "$out; events: $(events); child $child $(gone "${child:-0}" && echo gone || echo left)"
fi
reap "$WORK/child.pid" "sleep 40"

# A command SIGKILL does not end (stuck in the kernel; here SIGKILL is not
# sent): a second report, a USR1 that ends bounded's wait, and the shell
# goes on without it (124).
rm -f "$WORK/cmd.pid" "$WORK/child.pid"
out=$(UNKILLABLE=1 bb_bounded 1 "$BB" sh -c "echo \$\$ > $WORK/cmd.pid; trap '' TERM; sleep 41 & echo \$! > $WORK/child.pid; wait")
ev=$(end)
if [ "$out" = rc=124 ] && [ "$ev" = "emit hang.1;kill -TERM P;kill -KILL C;kill -KILL P;emit hang.1.b;kill -USR1 n;end;" ] &&
	grep -q '^@@@FILE hang.1.b$' "$WORK/console" && grep -q 'still there 2 s after SIGKILL$' "$WORK/console"; then
	pass "vm harness: a command that will not end is reported twice and left behind ($out; $ev)"
else
	fail "vm harness: bounded, a command that will not end" "$out; events: $ev; console: $(grep -c . "$WORK/console") lines"
fi
# What that case left behind, by PID.
reap "$WORK/child.pid" "sleep 41"
reap "$WORK/cmd.pid" "$BB sh -c echo \$\$ > $WORK/cmd.pid; trap '' TERM; sleep 41 & echo \$! > $WORK/child.pid; wait"

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
