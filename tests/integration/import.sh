#!/bin/bash
# Import of ftrace text: real traces from the emulated POWER9/POWER8 hosts
# (with ground-truth kick markers), their variants, merges and bad input.
# The imports of live runs (text against BPF, trace.dat and trace-cmd report,
# perf script) are in import-live.sh.
. "$(dirname "$0")/../lib.sh"
FX=$TOP/tests/fixtures/power/ftrace

summary() { jq -c '{verdict, runs, requests, violations, findings_total, powerpc_entry_path}' "$1"; }

for t in p9-signal p9-resched p8-signal p8-resched; do
	f=$FX/$t.trace.txt
	kicks=$(grep -c 'kvmsig: kick i=' "$f")
	path=$([ "${t%%-*}" = p8 ] && echo vcore || echo p9)
	"$KT" report -q -t 2ms --json "$WORK/$t.json" "$f" 2> "$WORK/$t.err"
	rc=$?
	if [ "${t#*-}" = signal ]; then
		cond=".requests.signal == $kicks"
	else
		cond=".requests.resched >= $kicks and .requests.resched <= $((kicks + kicks / 5 + 2))"
	fi
	if [ $rc = 0 ] && jqe ".verdict == \"pass\" and $cond and .powerpc_entry_path == \"$path\" and .runs > 0" "$WORK/$t.json"; then
		pass "import_ftrace_$t ($kicks kicks: $(summary "$WORK/$t.json"))"
	else
		fail "import_ftrace_$t" "rc=$rc kicks=$kicks $(summary "$WORK/$t.json" 2>&1) $(head -c 200 "$WORK/$t.err")"
	fi
done

# arm64: the kernel's own trace from the emulated arm64 KVM host (kvm_entry
# and kvm_exit without a vcpu, exits as type + ESR class), ground truth from
# the load generator's own count.
f=$TOP/tests/fixtures/arm64/kvm-signal-resched.trace.txt
ns=$(sed -n 's/^kvmrace-load: sent .*signal=\([0-9]*\).*/\1/p' "${f%.trace.txt}.load")
nr=$(sed -n 's/^kvmrace-load: sent .*resched=\([0-9]*\).*/\1/p' "${f%.trace.txt}.load")
"$KT" report -q --json "$WORK/arm64.json" --perfetto "$WORK/arm64.pf" "$f" 2> "$WORK/arm64.err"
rc=$?
exits=$(jq -c '[.traceEvents[] | select(.name == "guest") | .args.exit] | unique' "$WORK/arm64.pf" 2> /dev/null)
if [ $rc = 0 ] && jqe ".arch == \"arm64\" and .verdict == \"pass\" and .requests.signal == $ns and .requests.resched >= $nr and .requests.resched <= $((nr + nr / 5 + 2)) and .runs > 100 and (.vcpus | length) == 1" "$WORK/arm64.json" &&
	echo "$exits" | jq -e 'length > 1 and all(test("^(IRQ|TRAP [A-Z0-9_]+ \\(EC 0x[0-9a-f]{2}\\))$"))' > /dev/null; then
	pass "import_ftrace_arm64 ($ns signals, $nr wake-ups sent: $(summary "$WORK/arm64.json"); exits $exits)"
else
	fail "import_ftrace_arm64" "rc=$rc $(summary "$WORK/arm64.json" 2>&1) exits=$exits $(head -c 200 "$WORK/arm64.err")"
fi

# Without the latency flags column (trace-cmd report style, with its header):
# same verdict and counts.
f=$FX/p9-signal.trace.txt
{ echo "cpus=2"; grep -v '^#' "$f" | sed -E 's/^(.*\[[0-9]+\]) [^ ]+ +([0-9]+\.[0-9]+:)/\1 \2/'; } > "$WORK/nolat.txt"
"$KT" report -q -t 2ms --json "$WORK/nolat.json" "$WORK/nolat.txt" 2> /dev/null
rc=$?
if [ $rc = 0 ] && [ "$(jq -c '{verdict, requests, runs}' "$WORK/nolat.json")" = "$(jq -c '{verdict, requests, runs}' "$WORK/p9-signal.json")" ] && ! grep -qE '\] [dDnN.]{4,5} ' "$WORK/nolat.txt" &&
	jqe '.state_known.irqs_off == 0 and .state_known.need_resched == 0 and .state_known.tif == 0 and .state_known.events > 0' "$WORK/nolat.json" &&
	jqe '.state_known.irqs_off > 0 and .state_known.need_resched > 0 and .state_known.tif == 0' "$WORK/p9-signal.json"; then
	pass "import_ftrace_no_latency_flags (same verdict, requests and runs; state known: with flags $(jq -c .state_known "$WORK/p9-signal.json"), without $(jq -c .state_known "$WORK/nolat.json"))"
else
	fail "import_ftrace_no_latency_flags" "rc=$rc $(summary "$WORK/nolat.json" 2>&1)"
fi

# Host interrupt evidence (ipi/irq events): the 2017 race's signature is a
# kick taken in the host (doorbell_entry on the vCPU's CPU) after the signal
# and before the entry, then the guest running a tick with it pending.
cat > "$WORK/race.txt" <<'TRACE'
 CPU 0/KVM-10 [001] .....  1.000000: kvmppc_run_vcpu_enter: VCPU 0: tgid=9
 CPU 0/KVM-10 [001] d....  1.000100: kvm_guest_enter: VCPU 0: pc=0x0 pexcp=0x0 ceded=0
 CPU 0/KVM-10 [001] d....  1.000200: kvm_guest_exit: VCPU 0: trap=HV_DECREMENTER pc=0x0 msr=0x0, ceded=0
 other-11     [000] d....  1.000300: signal_generate: sig=10 errno=0 code=-6 comm=vcpu pid=10 grp=0 res=0
 CPU 0/KVM-10 [001] d.h..  1.000310: doorbell_entry: pt_regs=0x0
 CPU 0/KVM-10 [001] d.h..  1.000320: doorbell_exit: pt_regs=0x0
 other-11     [000] d.h..  1.000330: irq_handler_entry: irq=30 name=eth0
 CPU 0/KVM-10 [001] d....  1.000400: kvm_guest_enter: VCPU 0: pc=0x0 pexcp=0x0 ceded=0
 CPU 0/KVM-10 [001] d....  1.004400: kvm_guest_exit: VCPU 0: trap=HV_DECREMENTER pc=0x0 msr=0x0, ceded=0
 CPU 0/KVM-10 [001] .....  1.004500: kvmppc_run_vcpu_exit: VCPU 0: exit=0, ret=-4
TRACE
"$KT" report --json "$WORK/race.json" "$WORK/race.txt" > "$WORK/race.out" 2>&1
rc=$?
if [ $rc = 2 ] && jqe '.host_irq_events == 2 and .violations == 1 and .findings[0].kind == "entered_pending" and .findings[0].host_irq_before_entry == {"seen": true, "ns": 1000310000, "kind": "doorbell"}' "$WORK/race.json" &&
	grep -q "host doorbell interrupt on CPU 1 at 1000310000, after the request and before the entry: the kick was consumed in the host" "$WORK/race.out"; then
	pass "import_host_irq_before_entry (the kick consumed in the host, named in JSON and summary)"
else
	fail "import_host_irq_before_entry" "rc=$rc $(jq -c '{host_irq_events, violations, f: .findings[0].host_irq_before_entry}' "$WORK/race.json" 2>&1)"
fi
# Without interrupt events in the input the evidence is unknown (null), not "no".
grep -v -e doorbell -e irq_handler "$WORK/race.txt" > "$WORK/race-noirq.txt"
"$KT" report -q --json "$WORK/race-noirq.json" "$WORK/race-noirq.txt" 2> /dev/null
if jqe '.host_irq_events == 0 and .violations == 1 and .findings[0].host_irq_before_entry == null' "$WORK/race-noirq.json"; then
	pass "import_host_irq_unknown (no interrupt events: null)"
else
	fail "import_host_irq_unknown" "$(jq -c '{host_irq_events, f: .findings[0].host_irq_before_entry}' "$WORK/race-noirq.json" 2>&1)"
fi

# Per-CPU files merge by timestamp: the same result as the whole trace.
grep -E '\[000\]' "$f" > "$WORK/cpu0.txt"
grep -E '\[001\]' "$f" > "$WORK/cpu1.txt"
"$KT" report -q -t 2ms --json "$WORK/merged.json" "$WORK/cpu1.txt" "$WORK/cpu0.txt" 2> /dev/null
rc=$?
if [ $rc = 0 ] && [ "$(jq -c 'del(.duration_ns, .hooks)' "$WORK/merged.json")" = "$(jq -c 'del(.duration_ns, .hooks)' "$WORK/p9-signal.json")" ]; then
	pass "import_ftrace_multi_file_merge (2 per-CPU files = the whole trace)"
else
	fail "import_ftrace_multi_file_merge" "rc=$rc $(summary "$WORK/merged.json" 2>&1)"
fi

# Malformed input: file:line and exit 1; --lenient skips and counts.
{ head -100 "$f"; echo "this line is not a trace line"; tail -n +101 "$f"; } > "$WORK/bad.txt"
"$KT" report -q "$WORK/bad.txt" > /dev/null 2> "$WORK/bad.err"
one_line_error "import_ftrace_malformed_line" 1 "$WORK/bad.err" $?
grep -q "bad.txt:101: malformed trace line" "$WORK/bad.err" || fail "import_ftrace_malformed_names_file_line" "$(cat "$WORK/bad.err")"
"$KT" report -t 2ms --lenient --json "$WORK/len.json" "$WORK/bad.txt" > /dev/null 2> "$WORK/len.err"
rc=$?
if [ $rc = 0 ] && grep -q "1 malformed (skipped" "$WORK/len.err" && jqe '.verdict == "pass"' "$WORK/len.json"; then
	pass "import_ftrace_lenient (skipped and counted)"
else
	fail "import_ftrace_lenient" "rc=$rc $(cat "$WORK/len.err")"
fi
printf '# tracer: nop\n#\n' > "$WORK/empty.txt"
"$KT" report --format ftrace "$WORK/empty.txt" > /dev/null 2> "$WORK/empty.err"
one_line_error "import_ftrace_no_events" 1 "$WORK/empty.err" $?

# The sending side: was a request raised in the guest kicked (an IPI sent to
# the vCPU's CPU: ipi_send_cpu, ipi_raise's bitmap), how soon, and how long the
# guest ran on after it.  The kernel sends the kick just before the request's
# own event (signal_generate after complete_signal): the first one is that.
# The second request got an IPI to another CPU only: a late exit, not kicked.
cat > "$WORK/kick.txt" <<'TRACE'
 CPU 0/KVM-10 [001] .....  1.000000: kvmppc_run_vcpu_enter: VCPU 0: tgid=9
 CPU 0/KVM-10 [001] d....  1.000100: kvm_guest_enter: VCPU 0: pc=0x0 pexcp=0x0 ceded=0
 other-11     [000] d....  1.000299: ipi_send_cpu: cpu=1 callsite=kick_process+0x60 callback=0x0
 other-11     [000] d....  1.000300: signal_generate: sig=10 errno=0 code=-6 comm=vcpu pid=10 grp=0 res=0
 CPU 0/KVM-10 [001] d....  1.000310: kvm_guest_exit: VCPU 0: trap=0xe80 pc=0x0 msr=0x0, ceded=0
 CPU 0/KVM-10 [001] .....  1.000400: kvmppc_run_vcpu_exit: VCPU 0: exit=0, ret=-4
 CPU 0/KVM-10 [001] .....  1.000500: signal_deliver: sig=10 errno=0 code=-6 sa_handler=1 sa_flags=0
 CPU 0/KVM-10 [001] .....  1.010000: kvmppc_run_vcpu_enter: VCPU 0: tgid=9
 CPU 0/KVM-10 [001] d....  1.010100: kvm_guest_enter: VCPU 0: pc=0x0 pexcp=0x0 ceded=0
 other-11     [000] d....  1.010200: signal_generate: sig=10 errno=0 code=-6 comm=vcpu pid=10 grp=0 res=0
 other-11     [000] d....  1.010203: ipi_raise: target_mask=00000000,00000001 (Function call interrupts)
 CPU 0/KVM-10 [001] d....  1.014200: kvm_guest_exit: VCPU 0: trap=HV_DECREMENTER pc=0x0 msr=0x0, ceded=0
 CPU 0/KVM-10 [001] .....  1.014300: kvmppc_run_vcpu_exit: VCPU 0: exit=0, ret=-4
 CPU 0/KVM-10 [001] .....  1.014400: signal_deliver: sig=10 errno=0 code=-6 sa_handler=1 sa_flags=0
 CPU 0/KVM-10 [001] .....  1.020000: kvmppc_run_vcpu_enter: VCPU 0: tgid=9
 CPU 0/KVM-10 [001] d....  1.020100: kvm_guest_enter: VCPU 0: pc=0x0 pexcp=0x0 ceded=0
 other-11     [000] d....  1.020200: signal_generate: sig=10 errno=0 code=-6 comm=vcpu pid=10 grp=0 res=0
 other-11     [000] d....  1.020203: ipi_raise: target_mask=00000000,00000002 (Rescheduling interrupts)
 CPU 0/KVM-10 [001] d....  1.020210: kvm_guest_exit: VCPU 0: trap=0x500 pc=0x0 msr=0x0, ceded=0
 CPU 0/KVM-10 [001] .....  1.020300: kvmppc_run_vcpu_exit: VCPU 0: exit=0, ret=-4
 CPU 0/KVM-10 [001] .....  1.020400: signal_deliver: sig=10 errno=0 code=-6 sa_handler=1 sa_flags=0
TRACE
"$KT" report -t 1ms --json "$WORK/kick.json" "$WORK/kick.txt" > "$WORK/kick.out" 2>&1
rc=$?
if [ $rc = 2 ] && jqe '.ipi_send_events == 3 and .kicks.signal == {"requests_in_guest": 3, "kicked": 2, "delay_mean_ns": 1500, "delay_max_ns": 3000, "delivery_mean_ns": 9000, "delivery_max_ns": 11000} and [.findings[] | {kind, kick}] == [{"kind": "late_exit", "kick": {"sent": false, "ns": null}}]' "$WORK/kick.json" &&
	grep -q "no IPI was sent to CPU 1 between the request and the exit: the vCPU was not kicked" "$WORK/kick.out" &&
	grep -q "signal  kicks   : 2 of 3 raised in the guest saw an IPI sent to its CPU" "$WORK/kick.out"; then
	pass "import_kicks (IPI sends: 2 of 3 requests kicked, the late exit not, in JSON and summary)"
else
	fail "import_kicks" "rc=$rc $(jq -c '{ipi_send_events, kicks: .kicks.signal, f: [.findings[] | .kick]}' "$WORK/kick.json" 2>&1)"
fi
# Without IPI send events the kicks are unknown: null, never "not kicked".
grep -v -e ipi_send_cpu -e ipi_raise "$WORK/kick.txt" > "$WORK/nokick.txt"
"$KT" report -q -t 1ms --json "$WORK/nokick.json" "$WORK/nokick.txt" 2> /dev/null
if jqe '.ipi_send_events == 0 and .kicks == null and .findings[0].kick == null' "$WORK/nokick.json"; then
	pass "import_kicks_unknown (no IPI send events: null)"
else
	fail "import_kicks_unknown" "$(jq -c '{ipi_send_events, kicks, f: .findings[0].kick}' "$WORK/nokick.json" 2>&1)"
fi
