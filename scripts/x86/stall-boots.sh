#!/bin/bash
# scripts/x86/stall-boots.sh N [HOGS] [OUT]: the emulated x86 host's stall
# hunt (not part of make check): N runs of the whole x86 stage
# (scripts/x86/run.sh: every attach method traced, then the race injector),
# each in its own work directory under OUT (default build/x86-boots); with
# HOGS=1 two CPU hogs (sh -c 'while :; do :; done', started and ended by PID)
# beside every second run, the tracer pinned to CPU 0 in two runs of four.
# X86_ACCEL is passed on (default: scripts/x86/kernel.sh's).
# One line per run in OUT/boots.txt:
#   run N hogs H accel A secs S qemu Q stalled K (124/125 per stalled boot)
#   lockup L int3 I result P/F
# where Q counts qemu boots (vm_boot boots once more after a stall), K those
# ended by vm_boot's watchdog, L those whose kernel reported a soft lockup or
# an RCU stall, I those whose stall dump or console shows CPUs looping on an
# int3 (asm_exc_int3 / the text_poke_bp site).  Each run's consoles and stall
# dumps stay in OUT/run.N/.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
N=${1:?usage: stall-boots.sh N [HOGS] [OUT]}
HOGS=${2:-0}
OUT=${3:-$TOP/build/x86-boots}
mkdir -p "$OUT"
B=$TOP/build/x86	# the kernel, its headers and busybox, unpacked once
ls "$B"/.unpacked-* > /dev/null 2>&1 || "$TOP/scripts/x86/run.sh" > /dev/null 2>&1
hogs=()
end_hogs() { [ ${#hogs[@]} = 0 ] || kill "${hogs[@]}" 2> /dev/null; wait "${hogs[@]}" 2> /dev/null; hogs=(); }
trap 'end_hogs' EXIT
for i in $(seq "$N"); do
	w=$OUT/run.$i
	rm -rf "$w" && mkdir -p "$w"
	for f in cache kernel headers bb "$(cd "$B" && ls -d .unpacked-* | tail -1)"; do ln -s "$B/$f" "$w/$f"; done
	h=0
	if [ "$HOGS" = 1 ] && [ $((i % 2)) = 0 ]; then
		h=2
		for _ in 1 2; do sh -c 'while :; do :; done' & hogs+=($!); done
	fi
	# The tracer on CPU 0 (run.sh's default) in two runs of four, on any CPU
	# in the others (X86_TRACER_CPU=""), so both are seen with and without
	# the hogs.
	pin=0
	[ $(((i - 1) % 4)) -ge 2 ] && pin=
	t0=$SECONDS
	X86W=$w X86_TRACER_CPU=$pin "$TOP/scripts/x86/run.sh" > "$w/stage.log" 2>&1
	secs=$((SECONDS - t0))
	end_hogs
	q=1 k="" l=0 n=0
	[ -f "$w/console.1" ] && q=2
	for c in "$w/console.1" "$w/console"; do
		[ -f "$c" ] || continue
		tr -d '\r' < "$c" | grep -qE 'soft lockup|rcu_preempt detected stalls|rcu_preempt self-detected' && l=$((l + 1))
		if grep -qE 'asm_exc_int3|RIP: 0010:.*int3' "$c" "$c.stall" 2> /dev/null; then n=$((n + 1)); fi
	done
	k=$(grep -oE 'qemu ran past its limit|console was silent' "$w/stage.log" | sed -e 's/qemu ran past its limit/124/' -e 's/console was silent/125/' | tr '\n' ',' | sed 's/,$//')
	res=$(tail -1 "$w/stage.log" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1\/\2/p')
	echo "run $i hogs $h accel ${X86_ACCEL:-default} tracer_cpu ${pin:-any} secs $secs qemu $q stalled ${k:-0} lockup $l int3 $n result ${res:-none}" | tee -a "$OUT/boots.txt"
done
