#!/bin/bash
# The ftrace backend on the same loads as BPF: the same verdict and request
# counts; -p; a killed run's instance removed by the next run; none left.
. "$(dirname "$0")/../lib.sh"
why=$(live_missing)
if [ -n "$why" ]; then
	for c in signal resched pid stale auto; do skip "ftrace_backend_$c" "$why"; done
	exit 0
fi
sent() { sed -n "s/^kvmrace-load: sent .*$1=\([0-9]*\).*/\1/p" "$2"; }
inst() { ls /sys/kernel/tracing/instances 2>/dev/null | grep -c '^kvmrace-' || true; }

for c in signal resched; do
	for b in bpf ftrace; do
		"$KT" -q -t 3ms --backend $b --json "$WORK/$c.$b.json" -- "$KL" --$c 150 --period-us 1500 > "$WORK/$c.$b.out" 2> "$WORK/$c.$b.err"
		echo $? > "$WORK/$c.$b.rc"
	done
	nb=$(jq ".requests.$c" "$WORK/$c.bpf.json" 2>/dev/null)
	nf=$(jq ".requests.$c" "$WORK/$c.ftrace.json" 2>/dev/null)
	n=$(sent $c "$WORK/$c.ftrace.out")
	if [ "$(cat "$WORK/$c.bpf.rc")" = 0 ] && [ "$(cat "$WORK/$c.ftrace.rc")" = 0 ] &&
	   jqe '.verdict == "pass" and ([.hooks[].method] | unique) == ["ftrace"] and .runs > 0' "$WORK/$c.ftrace.json" &&
	   [ "$(jq .verdict "$WORK/$c.bpf.json")" = "$(jq .verdict "$WORK/$c.ftrace.json")" ] &&
	   { [ $c = signal ] && [ "$nf" = "$n" ] && [ "$nb" = "$n" ] || [ $c = resched ] && [ "$nf" -ge $((n * 95 / 100)) ] && [ "$nf" -le $((n * 120 / 100 + 10)) ]; }; then
		pass "ftrace_backend_$c (sent $n: BPF $nb, ftrace $nf; both pass)"
	else
		fail "ftrace_backend_$c" "sent $n bpf=$nb ftrace=$nf rc=$(cat "$WORK/$c.bpf.rc")/$(cat "$WORK/$c.ftrace.rc") $(head -c 200 "$WORK/$c.ftrace.err")"
	fi
done

# -p: only that process's vCPUs
"$KL" --signals 40 --period-us 20000 > "$WORK/a.out" &
a=$!
"$KL" --signals 40 --period-us 20000 > "$WORK/b.out" &
b=$!
sleep 0.2
"$KT" -q --backend ftrace -p "$a" -d 0.5 --json "$WORK/pid.json" 2> "$WORK/pid.err"
wait $a $b
if jqe "(.vcpus | length) == 1 and .vcpus[0].pid == $a" "$WORK/pid.json"; then
	pass "ftrace_backend_pid (only pid $a)"
else
	fail "ftrace_backend_pid" "$(jq -c '[.vcpus[].pid]' "$WORK/pid.json" 2>&1) $(head -c 200 "$WORK/pid.err")"
fi

# kill -9 leaves the instance; the next run removes it
"$KT" -q --backend ftrace -d 30 > /dev/null 2>&1 &
t=$!
sleep 1
before=$(inst)
kill -9 $t; wait $t 2>/dev/null
left=$(inst)
"$KT" -q --backend ftrace -d 0.2 > /dev/null 2> "$WORK/stale.err"
after=$(inst)
if [ "$before" = 1 ] && [ "$left" = 1 ] && [ "$after" = 0 ] && grep -q "removed 1 tracefs instance" "$WORK/stale.err"; then
	pass "ftrace_backend_stale (a killed run's instance removed by the next run; none left)"
else
	fail "ftrace_backend_stale" "while=$before after-kill=$left after-next=$after $(cat "$WORK/stale.err")"
fi

# auto falls back with one line saying why.  BPF is made to fail by forcing
# a method this host lacks (fentry gets EPERM here); where every method
# works there is nothing to fall back from.
if "$KT" check | grep -E "^ +kvm_arch_vcpu_ioctl_run" | awk '{ exit ($5 != "no") }'; then
	"$KT" -q --attach fentry -d 0.2 > /dev/null 2> "$WORK/auto.err"
	rc=$?
	if grep -q "using the ftrace backend" "$WORK/auto.err" && [ "$(grep -c . "$WORK/auto.err")" = 1 ] && [ $rc = 3 ] && [ "$(inst)" = 0 ]; then
		pass "ftrace_backend_auto (BPF failed, one line saying why, ftrace used)"
	else
		fail "ftrace_backend_auto" "rc=$rc $(cat "$WORK/auto.err")"
	fi
else
	skip "ftrace_backend_auto" "every BPF method works on this host: nothing to fall back from"
fi
