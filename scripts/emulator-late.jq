# A jq condition on a kvmrace-trace JSON summary (kvmrace/1) of a run in an
# emulated KVM host (QEMU TCG), where a loaded build host stretches time: a
# kick IPI, or the guest exit after it, came 20-200 ms late there (measured
# on the 2-CPU build host under load).  True if every violation is a late
# exit whose lateness the trace pins on the emulated CPU, not on the kernel:
# the vCPU's task took the kick (kick_received), or its CPU ran host code
# after the request while the guest entry/exit events still said "guest"
# (host_ran_in_guest_ns: the exit event came late).  An entry with the
# request pending (the 2017 race), or a late exit with neither, is never the
# emulator's.  The emulated POWER hosts' clean check has the same rule
# (scripts/power/assert.sh).  Used by tests/lib.sh and scripts/vm-lib.sh.
all(.findings[] | select(.violation);
	.kind == "late_exit" and (.kick_received.seen == true or .host_ran_in_guest_ns != null))
