# A jq condition on a kvmrace-trace JSON summary (kvmrace/1) of a run in an
# emulated KVM host (QEMU TCG), where a loaded build host stretches time: a
# kick IPI, or the guest exit after it, came 20-200 ms late there (measured
# on the 2-CPU build host under load).  True if every violation is one the
# emulator made late: kvmrace classifies it as a kick delivered late (class
# kick_late: the rule of vm_assert_run in scripts/vm-lib.sh and of the
# emulated POWER hosts' clean check), or it is a late exit whose lateness the
# trace pins on the emulated CPU: the vCPU's task took the kick
# (kick_received), or its CPU ran host code while the entry/exit events
# still said "guest" (host_ran_in_guest_ns: the exit event came late).
# Measured in a suite run under load 10: late exits of 27-45 ms with the
# kick received but not classed kick_late.  An entry with the request
# pending (the 2017 race), or a late exit with no such evidence, is never
# the emulator's; every violation must be among the findings listed.  Used
# by tests/lib.sh (judged).
.violations == .violations_by_class.kick_late or
([.findings[] | select(.violation)] | length) == .violations and
all(.findings[] | select(.violation);
	.class == "kick_late" or
	(.kind == "late_exit" and (.kick_received.seen == true or .host_ran_in_guest_ns != null)))
