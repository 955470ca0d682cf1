#!/bin/bash
# The seed inputs the committed corpora (tests/fuzz/corpus/TARGET) grew from:
#   make-seeds.sh OUTDIR     writes OUTDIR/{text,record,engine,tracedat}/
# from the project's fixtures (tests/fixtures, /work/shared/fixtures if
# present), small recordings of build/kvmrace-synth, trace.dat files of
# build/kvmrace-mkdat (and trace-cmd's version 7 conversions of them), and
# kvmrace's own exports.  Needs `make all build/kvmrace-synth build/kvmrace-mkdat`.
# The corpus is then a campaign from these, minimised:
#   make-seeds.sh build/fuzz/seeds && for t in text record engine tracedat; do
#     cp build/fuzz/seeds/$t/* build/fuzz/corpus/$t/; done && make fuzz FUZZ_SECONDS=600 && make fuzz-merge
set -eu
TOP=$(cd "$(dirname "$0")/../.." && pwd)
B=${KR_BUILD:-$TOP/build}
OUT=${1:?usage: make-seeds.sh OUTDIR}
SHARED=/work/shared/fixtures
mkdir -p "$OUT"/{text,record,engine,tracedat}
W=$(mktemp -d /tmp/kvmrace-seeds.XXXXXX)
trap 'rm -rf "$W"' EXIT

# ---- text: pieces of the real traces, each a few KB ----
n=0
for f in "$TOP"/tests/fixtures/power/ftrace/*.trace.txt "$TOP"/tests/fixtures/arm64/*.trace.txt; do
	lines=$(wc -l < "$f")
	for start in 1 $((lines / 4)) $((lines / 2)) $((lines * 3 / 4)) $((lines - 60)); do
		[ "$start" -ge 1 ] || start=1
		tail -n +"$start" "$f" | head -60 | head -c 7000 > "$OUT/text/$(basename "$f" .trace.txt)-$start.txt"
		n=$((n + 1))
	done
done
# trace-cmd report (plugin formats, -l latency layout), kvmrace's perf-script export
"$B/kvmrace-mkdat" -o "$W/s.dat" -n 70 --vcpus 2 --late-every 3 > /dev/null
if command -v trace-cmd > /dev/null; then
	trace-cmd report -i "$W/s.dat" 2> /dev/null | head -c 7000 > "$OUT/text/trace-cmd-report.txt"
	trace-cmd report -l -i "$W/s.dat" 2> /dev/null | head -c 7000 > "$OUT/text/trace-cmd-report-l.txt"
fi
"$B/kvmrace-synth" -n 60 -v 2 --late-every 2 -o "$W/s.kvmrace" > /dev/null
"$B/kvmrace-trace" report -q --perf-script "$W/ps.txt" "$W/s.kvmrace" > /dev/null 2>&1 || true
head -c 7000 "$W/ps.txt" > "$OUT/text/kvmrace-perf-script.txt"
# the shapes the importer knows, one small trace each
cat > "$OUT/text/power-race.txt" <<'T'
 CPU 0/KVM-10 [001] .....  1.000000: kvmppc_run_vcpu_enter: VCPU 0: tgid=9
 CPU 0/KVM-10 [001] d....  1.000100: kvm_guest_enter: VCPU 0: pc=0x0 pexcp=0x0 ceded=0
 CPU 0/KVM-10 [001] d....  1.000200: kvm_guest_exit: VCPU 0: trap=HV_DECREMENTER pc=0x0 msr=0x0, ceded=0
 other-11     [000] d....  1.000300: signal_generate: sig=10 errno=0 code=-6 comm=vcpu pid=10 grp=0 res=0
 CPU 0/KVM-10 [001] d.h..  1.000310: doorbell_entry: pt_regs=0x0
 other-11     [000] d.h..  1.000330: irq_handler_entry: irq=30 name=eth0
 CPU 0/KVM-10 [001] d....  1.000400: kvm_guest_enter: VCPU 0: pc=0x0 pexcp=0x0 ceded=0
 CPU 0/KVM-10 [001] d....  1.004400: kvm_guest_exit: VCPU 0: trap=0 pc=0x0 msr=0x0, ceded=0
 CPU 0/KVM-10 [001] .....  1.004450: kvmppc_run_core: Exit, runnable=1
 CPU 0/KVM-10 [001] .....  1.004500: kvmppc_run_vcpu_exit: VCPU 0: exit=0, ret=-4
T
cat > "$OUT/text/x86-kicks.txt" <<'T'
# tracer: nop
cpus=2
   qemu-system-x86-500   [001] d..1.     2.000000: kvm_fpu: load
   qemu-system-x86-500   [001] d..1.     2.000010: kvm_entry: vcpu 0, rip 0xfff0
         sender-700      [000] d..1.     2.000100: signal_generate: sig=10 errno=0 code=-6 comm=qemu-system-x86 pid=500 grp=0 res=0
         sender-700      [000] d..1.     2.000105: ipi_send_cpu: cpu=1 callsite=native_smp_send_reschedule+0x0 callback=0x0
         sender-700      [000] d..1.     2.000106: ipi_send_cpumask: cpumask=0-1,3 callsite=x callback=0x0
   qemu-system-x86-500   [001] d.h1.     2.000200: reschedule_entry: vector=253
   qemu-system-x86-500   [001] d..1.     2.003000: kvm_exit: vcpu 0 reason EXTERNAL_INTERRUPT rip 0xfff0 info1 0x0 info2 0x0 intr_info 0x0 error_code 0x0
          <idle>-0       [000] dNh2.     2.003100: sched_wakeup: comm=hog pid=701 prio=10 target_cpu=001
   qemu-system-x86-500   [001] d..2.     2.003200: sched_switch: prev_comm=qemu-system-x86 prev_pid=500 prev_prio=120 prev_state=R+ ==> next_comm=hog next_pid=701 next_prio=10
   qemu-system-x86-500   [001] d..1.     2.003300: kvm_fpu: unload
   qemu-system-x86-500   [001] d..1.     2.003400: kvm_userspace_exit: reason KVM_EXIT_INTR (10)
   qemu-system-x86-500   [001] d..1.     2.003500: signal_deliver: sig=10 errno=0 code=-6 sa_handler=401000 sa_flags=0
CPU:1 [LOST 5 EVENTS]
T
cat > "$OUT/text/arm64.txt" <<'T'
 kvmrace-load-300   (    299) [002] d..1.   10.000000: kvm_entry: PC: 0x0000000000001000
     sender-301     (    299) [001] d..1.   10.000100: signal_generate: sig=10 errno=0 code=-6 comm=kvmrace-load pid=300 grp=0 res=0
     sender-301     (    299) [001] d..1.   10.000101: ipi_raise: target_mask=00000000,00000004 (Rescheduling interrupts)
 kvmrace-load-300   (    299) [002] d.h1.   10.000200: ipi_entry: (Rescheduling interrupts)
 kvmrace-load-300   (    299) [002] ...1.   10.000300: kvm_exit: IRQ: HSR_EC: 0x0000 (UNKNOWN), PC: 0x0000000000001000
 kvmrace-load-300   (    299) [002] ...1.   10.000400: kvm_exit: TRAP: ESR_EC: 0x0024 (DABT_LOW), PC: 0x0000000000001004
T
cat > "$OUT/text/perf-script.txt" <<'T'
       CPU 0/KVM  4243/4244  [001]  5.000000100: kvm:kvm_fpu: load
       CPU 0/KVM  4243/4244  [001]  5.000000200: kvm:kvm_entry: vcpu 0, rip 0x0
          sender  4300/4301  [000]  5.000000300: signal:signal_generate: sig=10 errno=0 code=-6 comm=CPU 0/KVM pid=4244 grp=0 res=0
       CPU 0/KVM  4243/4244  [001]  5.000900000: kvm:kvm_exit: vcpu 0 reason HLT rip 0x0 info1 0x0 info2 0x0
	ffffffff81000000 kvm_exit+0x0 ([kernel.kallsyms])

T
cat > "$OUT/text/trace-cmd-l.txt" <<'T'
version = 6
CPU 0 is empty
cpus=2
 CPU 0/K-5000    0d..1  1.000000: kvm_fpu:              load
 CPU 0/K-5000    0d..1  1.000001: kvm_entry:            vcpu 0 rip 0xfff0
  sender-6000    1d..1  1.000002: signal_generate:      sig=10 errno=0 code=0 comm=CPU 0/KVM pid=5000 grp=0 res=0
 CPU 0/K-5000    0d..2  1.000003: sched_switch:         CPU 0/KVM:5000 [120] R ==> hog:5001 [10]
  <idle>-0       1dN.2  1.000004: sched_wakeup:         hog:5002 [10] CPU:000
T
printf '# kvmrace: arch=powerpc kernel=6.1 host=h clock=CLOCK_MONOTONIC hooks=kvm_guest_enter:raw_tp,doorbell_entry:raw_tp,ipi_send_cpu:raw_tp\n# kvmrace-end: duration_ns=100 lost=1 untracked=0 complete=1 command_status=3\n' > "$OUT/text/kvmrace-meta.txt"

# ---- record: small recordings ----
for spec in "6 1 1" "30 2 2" "120 3 5" "200 4 1000"; do
	set -- $spec
	"$B/kvmrace-synth" -n "$1" -v "$2" --late-every "$3" -o "$OUT/record/synth-$1-$2-$3.kvmrace" > /dev/null
done
for f in "$TOP"/tests/fixtures/power/*.kvmrace; do
	# the header and the first 100 records: no end marker (a killed tracer)
	hl=$(od -An -tu4 -j12 -N4 "$f" | tr -d ' ')
	head -c $((16 + hl + 64 * 100)) "$f" > "$OUT/record/$(basename "$f" .kvmrace)-head.kvmrace"
done

# ---- engine: 16 option bytes, then the events of those recordings ----
opts=('\x00\x00\x00\x40\x42\x0f\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'
	'\x19\x01\x05\x00\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02'
	'\x7e\x02\x00\x00\x00\x01\x00\x00\x00\x00\x00\x05\x00\x00\x00\x03')
k=0
for f in "$OUT"/record/*.kvmrace; do
	hl=$(od -An -tu4 -j12 -N4 "$f" | tr -d ' ')
	{ printf "${opts[$((k % 3))]}"; tail -c +$((17 + hl)) "$f" | head -c $((64 * 64)); } > "$OUT/engine/$(basename "$f" .kvmrace).bin"
	k=$((k + 1))
done

# ---- tracedat: small trace.dat files, versions 6 and 7 ----
"$B/kvmrace-mkdat" -o "$OUT/tracedat/v6-2cpu.dat" -n 14 --cpus 2 --vcpus 2 --late-every 2 --page-size 1024 > /dev/null
"$B/kvmrace-mkdat" -o "$OUT/tracedat/v6-1cpu.dat" -n 40 --cpus 1 --vcpus 1 --page-size 512 > /dev/null
if command -v trace-cmd > /dev/null; then
	for c in zstd none; do
		trace-cmd convert -i "$OUT/tracedat/v6-2cpu.dat" -o "$OUT/tracedat/v7-$c.dat" --file-version 7 \
			--compression "$c" > /dev/null 2>&1 || rm -f "$OUT/tracedat/v7-$c.dat"
	done
fi
[ -d "$SHARED/bad-inputs" ] && cp "$SHARED"/bad-inputs/dat-*.dat "$OUT/tracedat/" 2> /dev/null && chmod u+w "$OUT"/tracedat/*
for t in text record engine tracedat; do
	echo "$t: $(ls "$OUT/$t" | wc -l) seeds, $(du -sk "$OUT/$t" | cut -f1) KB"
done
