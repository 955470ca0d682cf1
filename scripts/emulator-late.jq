# A jq condition on a kvmrace-trace JSON summary (kvmrace/1) of a run in an
# emulated KVM host (QEMU TCG), where a loaded build host stretches time: a
# kick IPI, or the guest exit after it, came 20-200 ms late there (measured
# on the 2-CPU build host under load).  True if every violation is one
# kvmrace itself classifies as a kick delivered late (class kick_late: raised
# on another CPU, and an IPI-like interrupt reached the vCPU's task after
# it), the rule of vm_assert_run (scripts/vm-lib.sh) and of the emulated
# POWER hosts' clean check (scripts/power/assert.sh).  An entry with the
# request pending after a kick (kick_consumed_in_host: the 2017 race), a
# request never kicked, or one of unknown class is never the emulator's.
# Used by tests/lib.sh (judged).
.violations == .violations_by_class.kick_late
