#!/bin/bash
# Assert on what the emulated POWER runner left in build/power/ (anyone can
# re-run this on those files without re-running the emulation).
#   scripts/power/assert.sh [p9] [p8]
# Prints ok/not ok lines and "N passed, N failed"; exit 1 on a failure.
set -u
. "$(dirname "$0")/env.sh"
machines=${*:-p9 p8}
VM_NAME=power
. "$TOP/scripts/vm-lib.sh"	# ok, nok, vm_finished, vm_report_hangs
. "$TOP/scripts/inject-lib.sh"	# t, jqt, assert_injected
sent() { sed -n "s/^kvmrace-load: sent .*$1=\([0-9]*\).*/\1/p" "$2"; }

for m in $machines; do
	f=$PW/$m
	vm_finished "$f.console" "$m"
	vm_report_hangs "$PW" "$m-"
	if [ ! -s "$f-clean.json" ]; then
		nok "$m: the emulated host produced results" "see $f.console"
		continue
	fi
	# ---- clean run: a fixed kernel keeps the promise ----
	rc=$(cat "$f-clean.rc"); ns=$(sent signal "$f-clean.load"); nr=$(sent resched "$f-clean.load")
	DETAIL="rc=$rc $(jq -c '{verdict,violations,findings_total,lost_events}' "$f-clean.json")"
	# A fixed kernel passes.  QEMU TCG has delivered the kick IPI late (2.16
	# and 5.4 ms on loaded CI hosts): such a late exit ends on the kick itself
	# (EXTERNAL 0x500, H_DOORBELL 0xe80, DOORBELL 0xa00), so the kernel did
	# kick.  Likewise an entry with the request pending that the kick then
	# ended (the fix: hard-disabled into the guest, the pending IPI forces
	# the exit; 3.1 ms late once on P8), if that kick was not taken in the
	# host before the entry (which would be the race itself).  And late
	# exits whose guest demonstrably stopped before the exit event
	# (host_ran_in_guest_ns: the vCPU's task took an interrupt, or a request
	# was raised on its CPU, after the request): kvm_guest_exit fired 0.7, 5
	# and 7 ms after such host work on P8 and P9 (fresh-clone runs), the exit
	# recorded as HV_DECREMENTER.  At most two such findings.
	kicked='def on_kick: [.exit.number] | inside([1280, 3712, 2560]); [.findings[] | select(.violation)] | length <= 2 and all((.kind == "late_exit" and (on_kick or .host_ran_in_guest_ns != null)) or (.kind == "entered_pending" and on_kick and .host_irq_before_entry.seen == false))'
	if [ "$rc" = 0 ] && jqt '.verdict == "pass" and .exit_status == 0' "$f-clean.json"; then
		ok "$m clean: exit 0, verdict pass"
	elif [ "$rc" = 2 ] && jqt "$kicked" "$f-clean.json"; then
		ok "$m clean: no violation of the kernel's: late kicks by the emulator, or an exit event after the guest had stopped ($(jq -c '[.findings[] | select(.violation) | {kind, past_ns, exit: .exit.name, host_ran_in_guest_ns}]' "$f-clean.json"))"
	else
		nok "$m clean: exit 0, verdict pass" "$DETAIL"
	fi
	DETAIL="runs=$(jq .runs "$f-clean.json")"
	t "$m clean: guest runs observed" jqt '.runs > 0 and (.vcpus | length) == 1' "$f-clean.json"
	DETAIL="sent $ns, counted $(jq .requests.signal "$f-clean.json")"
	t "$m clean: signal requests == signals sent ($ns)" jqt ".requests.signal == ${ns:--1}" "$f-clean.json"
	got=$(jq .requests.resched "$f-clean.json")
	DETAIL="sent $nr, counted $got"
	t "$m clean: resched requests within [95%, 120%+10] of wake-ups sent ($nr; counted $got)" \
		test "$got" -ge $((nr * 95 / 100)) -a "$got" -le $((nr * 120 / 100 + 10))
	DETAIL="$(jq -c '[.hooks[] | .event + ":" + .method]' "$f-clean.json")"
	DETAIL="$(jq -c '{hooks: [.hooks[] | "\(.event):\(.method)"], host_irq_events}' "$f-clean.json")"
	t "$m clean: kvm_hv and host interrupt hooks attached (raw_tp, CO-RE through the embedded BTF, no --btf), interrupts seen" jqt \
		'[.hooks[] | select(.event == "kvm_guest_enter" or .event == "kvm_guest_exit" or .event == "kvmppc_run_vcpu_enter") | .method] == ["raw_tp","raw_tp","raw_tp"] and ([.hooks[] | select(.event == "doorbell_entry" or .event == "irq_entry") | .method] == ["raw_tp","raw_tp"]) and .host_irq_events > 0' "$f-clean.json"
	want=$([ "$m" = p8 ] && echo vcore || echo p9)
	DETAIL="$(jq -c '{powerpc_entry_path, vcore: .events_by_type.vcore}' "$f-clean.json")"
	t "$m clean: entry path $want reported" jqt ".powerpc_entry_path == \"$want\"" "$f-clean.json"
	grep -q "entry path" "$f-check.txt" 2>/dev/null && grep -q "rc=0" "$f-check.txt" && grep -q "embedded minimal BTF" "$f-check.txt" && ok "$m: check reports hooks, entry path and the embedded BTF, exit 0" || nok "$m: check" "$(tail -3 "$f-check.txt" 2>/dev/null)"
	# The clean load again through the ftrace backend: the same verdict and
	# signal count; TIF and PACA unknown there, kvm_hv events and the
	# interrupts (doorbell, irq_entry) read from the raw per-CPU buffers.
	ns=$(sent signal "$f-ftrace.load")
	DETAIL="rc=$(cat "$f-ftrace.rc" 2>&1) sent $ns $(jq -c '{verdict, runs, requests, state_known, host_irq_events}' "$f-ftrace.json" 2>&1) $(head -c 200 "$f-ftrace.err" 2>&1)"
	t "$m clean, --backend ftrace: pass, signal requests == sent ($ns), kvm_hv events, TIF unknown" jqt \
		".verdict == \"pass\" and .requests.signal == ${ns:--1} and .runs > 0 and ([.hooks[].method] | unique) == [\"ftrace\"] and ([.hooks[].event] | index(\"kvm_guest_enter\")) != null and .state_known.tif == 0 and .host_irq_events > 0 and .powerpc_entry_path == \"$want\"" "$f-ftrace.json"
	DETAIL="$(jq -c .guest_entry_irq_state "$f-clean.json")"
	if [ "$m" = p8 ]; then
		t "$m clean: kvmppc_run_core entries seen" jqt '.events_by_type.vcore > 0' "$f-clean.json"
		t "$m clean: every entry soft-masked (3) with HARD_DIS (post-fix vcore path)" jqt \
			'.guest_entry_irq_state.known > 0 and .guest_entry_irq_state.soft_masked_all == .guest_entry_irq_state.known and .guest_entry_irq_state.hard_disabled == .guest_entry_irq_state.known' "$f-clean.json"
	else
		t "$m clean: PACA state read at every entry, never soft-enabled" jqt \
			'.guest_entry_irq_state.known >= .runs and .runs > 0 and .guest_entry_irq_state.soft_enabled == 0' "$f-clean.json"
	fi

	# ---- injected run: every injection found, nothing else ----
	assert_injected "$m injected" "$f-injected" "[1280, 3712, 2560]" "0x500/0xe80/0xa00"
done
echo "$P passed, $F failed"
[ "$F" = 0 ]
