#!/bin/bash
# Assert on what the emulated POWER runner left in build/power/ (anyone can
# re-run this on those files without re-running the emulation).
#   scripts/power/assert.sh [p9] [p8]
# Prints ok/not ok lines and "N passed, N failed"; exit 1 on a failure.
set -u
. "$(dirname "$0")/env.sh"
machines=${*:-p9 p8}
P=0 F=0
ok() { echo "ok - $1"; P=$((P + 1)); }
nok() { echo "not ok - $1${2:+: $2}"; F=$((F + 1)); }
t() { local name=$1; shift; if "$@"; then ok "$name"; else nok "$name" "${DETAIL:-}"; fi; DETAIL=; }
jqt() { jq -e "$1" "$2" > /dev/null 2>&1; }
sent() { sed -n "s/^kvmrace-load: sent .*$1=\([0-9]*\).*/\1/p" "$2"; }

for m in $machines; do
	f=$PW/$m
	if [ ! -s "$f-clean.json" ]; then
		nok "$m: the emulated host produced results" "see $f.console"
		continue
	fi
	# ---- clean run: a fixed kernel keeps the promise ----
	rc=$(cat "$f-clean.rc"); ns=$(sent signal "$f-clean.load"); nr=$(sent resched "$f-clean.load")
	DETAIL="rc=$rc $(jq -c '{verdict,violations,findings_total,lost_events}' "$f-clean.json")"
	t "$m clean: exit 0, verdict pass" jqt '.verdict == "pass" and .exit_status == 0' "$f-clean.json"
	[ "$rc" = 0 ] || nok "$m clean: exit status" "rc=$rc"
	DETAIL="runs=$(jq .runs "$f-clean.json")"
	t "$m clean: guest runs observed" jqt '.runs > 0 and (.vcpus | length) == 1' "$f-clean.json"
	DETAIL="sent $ns, counted $(jq .requests.signal "$f-clean.json")"
	t "$m clean: signal requests == signals sent ($ns)" jqt ".requests.signal == ${ns:--1}" "$f-clean.json"
	got=$(jq .requests.resched "$f-clean.json")
	DETAIL="sent $nr, counted $got"
	t "$m clean: resched requests within [95%, 120%+10] of wake-ups sent ($nr; counted $got)" \
		test "$got" -ge $((nr * 95 / 100)) -a "$got" -le $((nr * 120 / 100 + 10))
	DETAIL="$(jq -c '[.hooks[] | .event + ":" + .method]' "$f-clean.json")"
	t "$m clean: kvm_hv hooks attached (raw_tp, CO-RE through the embedded BTF, no --btf)" jqt \
		'[.hooks[] | select(.event == "kvm_guest_enter" or .event == "kvm_guest_exit" or .event == "kvmppc_run_vcpu_enter") | .method] == ["raw_tp","raw_tp","raw_tp"]' "$f-clean.json"
	want=$([ "$m" = p8 ] && echo vcore || echo p9)
	DETAIL="$(jq -c '{powerpc_entry_path, vcore: .events_by_type.vcore}' "$f-clean.json")"
	t "$m clean: entry path $want reported" jqt ".powerpc_entry_path == \"$want\"" "$f-clean.json"
	grep -q "entry path" "$f-check.txt" 2>/dev/null && grep -q "rc=0" "$f-check.txt" && grep -q "embedded minimal BTF" "$f-check.txt" && ok "$m: check reports hooks, entry path and the embedded BTF, exit 0" || nok "$m: check" "$(tail -3 "$f-check.txt" 2>/dev/null)"
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
	if [ ! -s "$f-injected.json" ]; then nok "$m injected: results" "missing"; continue; fi
	is=$(awk '$1 == "signal" {print $2}' "$f-injected.injections")
	ir=$(awk '$1 == "resched" {print $2}' "$f-injected.injections")
	rc=$(cat "$f-injected.rc")
	DETAIL="rc=$rc injections signal=$is resched=$ir $(jq -c '{verdict,violations_by_cause,findings_total}' "$f-injected.json")"
	t "$m injected: exit 2, verdict violation" test "$rc" = 2
	t "$m injected: injections happened (signal $is, resched $ir)" test "${is:-0}" -gt 0 -a "${ir:-0}" -gt 0
	# One for one: pair each finding with the injection made at its guest
	# entry (same cause and vCPU, injected at most 10 ms before entry_ns: the
	# injector logs CLOCK_MONOTONIC like the tracer, but under TCG the emulated
	# CPU was seen to stall 7 ms between the two; injections are ~190 ms apart).  Every injection must
	# be paired, or have been caught by the kernel's trap-0 abort.
	fs=$(jq '[.findings[] | select(.cause == "signal")] | length' "$f-injected.json")
	fr=$(jq '[.findings[] | select(.cause == "resched")] | length' "$f-injected.json")
	cs=$(jq .requests_caught_by_aborted_entry.signal "$f-injected.json")
	cr=$(jq .requests_caught_by_aborted_entry.resched "$f-injected.json")
	jq -r '.findings[] | "\(.cause) \(.entry_ns) \(.vcpu)"' "$f-injected.json" > "$f-injected.findings"
	read -r paired unpaired_f unpaired_is unpaired_ir < <(awk '
		FNR == NR { ic[++ni] = $1; it[ni] = $2; iv[ni] = $3; next }
		{ best = 0
		  for (i = 1; i <= ni; i++)
			if (!used[i] && ic[i] == $1 && iv[i] == $3 && it[i] <= $2 && $2 - it[i] <= 10000000 &&
			    (!best || it[i] > it[best])) best = i
		  if (best) { used[best] = 1; p++ } else uf++ }
		END { for (i = 1; i <= ni; i++) if (!used[i]) { if (ic[i] == "signal") us++; else ur++ }
		      print p + 0, uf + 0, us + 0, ur + 0 }' "$f-injected.log" "$f-injected.findings")
	DETAIL="paired $paired; findings without an injection $unpaired_f; injections without a finding: signal $unpaired_is (caught by abort $cs), resched $unpaired_ir (caught by abort $cr)"
	t "$m injected: each finding paired with its injection (same cause, vCPU, guest entry): $paired of $((fs + fr)) findings, $((is + ir)) injections" \
		test "$unpaired_f" = 0
	t "$m injected: recall 100%: every injection found, or caught by a trap-0 abort (signal $unpaired_is <= $cs, resched $unpaired_ir <= $cr)" \
		test "$unpaired_is" -le "$cs" -a "$unpaired_ir" -le "$cr" -a $((paired + unpaired_is + unpaired_ir)) = $((is + ir))
	DETAIL="$(jq -c '{findings_total, findings_retained}' "$f-injected.json")"
	t "$m injected: no finding without an injection (entered_pending only)" jqt \
		".findings_total.entered_pending == $((fs + fr)) and .findings_total.late_exit == 0 and .findings_retained == $((fs + fr))" "$f-injected.json"
	DETAIL="$(jq -c '[.findings[] | {vcpu, past_ns, exit: .exit.name}] | .[0:3]' "$f-injected.json")"
	t "$m injected: every finding on vCPU 0, guest time past <= 12 ms" jqt \
		'all(.findings[]; .vcpu == 0 and .kind == "entered_pending" and .past_ns <= 12000000)' "$f-injected.json"
	med=$(jq '[.findings[].past_ns] | sort | .[length/2|floor]' "$f-injected.json")
	DETAIL="median $med ns"
	t "$m injected: guest time past around the host tick (median $med ns, in 2..6 ms)" \
		test "${med:-0}" -ge 2000000 -a "${med:-0}" -le 6000000
	# An injection at an entry that follows the host tick's exit runs to the
	# next tick (~4 ms: a violation at 3 ms); one at an entry after another
	# exit lands at a random phase of the tick and ends sooner.  Unloaded runs
	# gave 87-94% violations, a loaded CI run 75% (27 of 36; the other nine
	# 1.6 us .. 2.2 ms, HV_DECREMENTER or H_VIRT): a majority is the claim.
	nv=$(jq .violations "$f-injected.json")
	DETAIL="$nv violations of $((fs + fr)) findings"
	t "$m injected: most findings are violations ($nv of $((fs + fr)); the rest cut short by an unrelated exit)" \
		test $((nv * 2)) -gt $((fs + fr))
	DETAIL="$(jq -c '[.findings[].exit.name] | group_by(.) | map({(.[0]): length}) | add' "$f-injected.json")"
	t "$m injected: ended by a natural exit (guest exit, no interrupt kick 0x500/0xe80/0xa00)" jqt \
		'all(.findings[]; .exit.kind == "guest_exit" and ([.exit.number] | inside([1280, 3712, 2560]) | not))' "$f-injected.json"
	echo "# $m injected: exits $(jq -c '[.findings[].exit.name] | group_by(.) | map({(.[0]): length}) | add' "$f-injected.json"), past median $(jq '[.findings[].past_ns] | sort | .[length/2|floor]' "$f-injected.json") ns"
done
echo "$P passed, $F failed"
[ "$F" = 0 ]
