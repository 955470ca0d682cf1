#!/bin/bash
# make demo: kvmrace-trace doing its job on this machine.
#
# With a working /dev/kvm: a live trace of a real guest (kvmrace-load) under
# a signal and reschedule storm.  Without one (containers, most CI runners,
# cloud VMs without nested virtualization): the project's emulated POWER9
# KVM host (Debian's ppc64el kernel under QEMU TCG, scripts/power/run.sh),
# where kvmrace-trace runs live under the same storm twice: with the stock
# kvm-hv (the 2017 fix in) and with a kvm-hv built from Debian's source with
# the fix reverted.  The two results are shown side by side, then in full.
#
# Exit status: 0 when kvmrace-trace told the two kernels apart (the stock one
# without the 2017 signature, the pre-fix one with it); with /dev/kvm, the
# tracer's own exit status; 1 when the demo could not run.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=$TOP/build

kvm_usable() { [ -c /dev/kvm ] && : 2> /dev/null < /dev/kvm; }

if kvm_usable && [ "${DEMO_EMULATED:-0}" != 1 ]; then
	echo "demo: /dev/kvm is here: tracing a real guest under a signal and reschedule storm"
	exec "$B/kvmrace-trace" -- "$B/kvmrace-load" --signals 200 --resched 200
fi

echo "demo: no usable /dev/kvm on this machine; running kvmrace-trace in the project's emulated"
echo "demo: POWER9 KVM host instead (Debian's ppc64el kernel under QEMU TCG; the first run downloads"
echo "demo: about 200 MB of Debian packages into build/power; minutes). Log: build/demo.log"
t0=$(date +%s)
[ "${DEMO_REUSE:-0}" = 1 ] || POWER_CASES=stock,reverted "$TOP/scripts/power/run.sh" p9 > "$B/demo.log" 2>&1
PW=$B/power S=$PW/p9-stock R=$PW/p9-reverted
for f in "$S" "$R"; do
	if [ ! -s "$f.json" ] || [ ! -s "$f.summary" ]; then
		echo "demo: the emulated host gave no result for $(basename "$f") (see build/demo.log)" >&2
		exit 1
	fi
done

# One column per kernel, from kvmrace-trace's JSON.
line() { printf '  %-50s %-24s %s\n' "$@"; }
row() { line "$1" "$(jq -r "$2" "$S.json")" "$(jq -r "$2" "$R.json")"; }	# row LABEL JQ
ms='(. / 1e6 * 100 | round / 100 | tostring) + " ms"'
kernel='(.violations - .violations_by_class.kick_late) as $n | if $n == 0 then "PASS" else "FAIL (\($n))" end'
echo
line "kvmrace-trace -t 1ms, live, under the storm" "stock kvm-hv (fix in)" "kvm-hv, 2017 fix reverted"
row "verdict (exit status)" '"\(.verdict | ascii_upcase) (\(.exit_status))"'
row "guest runs" '.runs'
row "requests: signal / resched" '"\(.requests.signal) / \(.requests.resched)"'
row "entered the guest with a request pending" '.findings_total.entered_pending'
row "  after its IPI was consumed in the host" '.findings_by_class.kick_consumed_in_host'
row "violations (guest time past a request > 1 ms)" '.violations'
row "  the 2017 race (kick_consumed_in_host)" '.violations_by_class.kick_consumed_in_host'
row "  kick delivered late by QEMU (kick_late)" '.violations_by_class.kick_late'
row "  other (not_kicked, unknown)" '.violations_by_class.not_kicked + .violations_by_class.unknown'
row "longest guest time past a request" "[.findings[].past_ns] | max // 0 | $ms"
line "races the pre-fix module logged (its own count)" "-" "$(awk '$1 == "race"' "$R.window" 2> /dev/null | wc -l)"
row "the kernel's verdict (violations not kick_late)" "$kernel"
echo
echo "  kick_late: QEMU TCG held the kick (IPI/doorbell) for milliseconds on a busy host; kvmrace classifies"
echo "  it from its own evidence (the kick reached the vCPU, late), apart from the kernel's race."
for f in "$S" "$R"; do
	echo
	echo "=== $(basename "$f"): kvmrace-trace's summary (replayed from its recording in the emulated host)"
	cat "$f.summary"
done
echo
stock_bad=$(jq '.violations - .violations_by_class.kick_late' "$S.json")
race=$(jq '.violations_by_class.kick_consumed_in_host' "$R.json")
echo "demo: $(( $(date +%s) - t0 )) s"
if [ "$stock_bad" = 0 ] && [ "$race" -gt 0 ] && [ "$(cat "$R.rc")" = 2 ]; then
	echo "demo: the stock kernel shows no race; the pre-fix kernel fails with $race violations of the 2017 race (exit 2)"
	exit 0
fi
echo "demo: kvmrace-trace did not tell the kernels apart (stock: $stock_bad violations not kick_late; pre-fix: $race races); see build/demo.log" >&2
exit 1
