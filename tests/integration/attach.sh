#!/bin/bash
# Every attach method this host offers, forced, on the same load: same verdict
# and signal counts.
. "$(dirname "$0")/../lib.sh"

why=$(live_missing)
for m in tp_btf raw_tp tracepoint; do
	if [ -n "$why" ]; then skip "attach_$m" "$why"; continue; fi
	if ! "$KT" check | grep -E "^ +signal_generate" | awk -v m=$m 'BEGIN{c["tp_btf"]=2;c["raw_tp"]=3;c["tracepoint"]=4} {exit $c[m] != "yes"}'; then
		"$KT" -q --attach "$m" -d 0.1 > /dev/null 2> "$WORK/err"
		rc=$?
		if [ $rc = 1 ] && grep -q "$m" "$WORK/err"; then pass "attach_$m (unavailable here; clear error)"; else fail "attach_$m" "rc=$rc"; fi
		continue
	fi
	# -t 20ms: the methods and counts are compared; timing is live.sh's
	"$KT" -q -t 20ms --attach "$m" --json "$WORK/$m.json" -- "$KL" --signals 100 --resched 100 --period-us 1500 > "$WORK/$m.out" 2> "$WORK/$m.err"
	rc=$?
	# Host interrupts: traced with tp_btf/raw_tp, whatever the method (no
	# classic program for them: under a forced tracepoint they ride along).
	irqs='.host_irq_events > 0 and ([.hooks[].event] | index("reschedule_entry")) != null and all(.findings[]; .host_irq_before_entry != null)'
	methods="([.hooks[] | select(.method != \"$m\") | .event] - [\"irq_handler_entry\", \"reschedule_entry\", \"call_function_entry\", \"call_function_single_entry\", \"ipi_send_cpu\"]) == []"
	[ $m = tracepoint ] || methods="([.hooks[].method] | unique) == [\"$m\"]"
	if [ $rc = 0 ] && jqe ".verdict == \"pass\" and .requests.signal == 100 and .requests.resched >= 95 and .runs > 0 and $methods and $irqs" "$WORK/$m.json"; then
		pass "attach_$m (signal $(jq .requests.signal "$WORK/$m.json"), resched $(jq .requests.resched "$WORK/$m.json"), host interrupts $(jq .host_irq_events "$WORK/$m.json"))"
	else
		fail "attach_$m" "rc=$rc $(jq -c '{verdict,requests,runs,hooks,host_irq_events}' "$WORK/$m.json" 2>&1) $(head -c 300 "$WORK/$m.err")"
	fi
done

# Function methods: where this host lacks one, forcing it fails with one
# line naming the method and the reason (fentry: EPERM here; no kprobes).
for m in fentry kprobe; do
	if [ -n "$why" ]; then skip "attach_$m" "$why"; continue; fi
	if "$KT" check | grep -E "^ +kvm_arch_vcpu_ioctl_run" | awk -v m=$m '{ exit ($(m == "fentry" ? 5 : 6) != "yes") }'; then
		"$KT" -q --backend bpf --attach $m --json "$WORK/$m.json" -- "$KL" --signals 50 > /dev/null 2>&1
		rc=$?
		[ $rc = 0 ] && jqe '.requests.signal == 50 and .kvm_run_calls > 0' "$WORK/$m.json" && pass "attach_$m (works here)" || fail "attach_$m" "rc=$rc"
	else
		"$KT" -q --backend bpf --attach $m -d 0.1 > /dev/null 2> "$WORK/$m.err"
		rc=$?
		one_line_error "attach_${m}_unavailable_here (exit 1, one line naming the method and the reason)" 1 "$WORK/$m.err" $rc
		grep -q "attach $m is not available on this host: .* via $m: " "$WORK/$m.err" || fail "attach_${m}_reason" "$(cat "$WORK/$m.err")"
	fi
done
