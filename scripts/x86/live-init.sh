#!/bin/sh
# /init of the emulated x86 host that runs a test file's live cases
# (scripts/x86/live.sh builds it in): KVM (SVM) loaded, the build host's root
# file system (9p tag "hostroot", read-only) under a tmpfs overlay as the new
# root, the writable share "kvmrace-out" at /kvmrace-out in it; there
# /kvmrace-out/job runs once for each test file in /kvmrace-out/files, each
# bounded (kvmrace_limit= seconds on the kernel command line), their output
# on the console.
/bin/busybox --install -s /bin
. /lib/kvmrace-vm.sh
vm_start
for m in $(cat /lib/mods/order); do
	insmod "/lib/mods/$m" > /tmp/insmod.log 2>&1 || { echo "x86-live: insmod $m failed: $(cat /tmp/insmod.log)"; finish; }
done
N=/newroot
mkdir -p /lower /upper $N
mount -t 9p -o ro,trans=virtio,version=9p2000.L,cache=loose,msize=512000 hostroot /lower &&
	mount -t tmpfs -o mode=0755 tmpfs /upper && mkdir -p /upper/u /upper/w &&
	mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w overlay $N &&
	mkdir -p $N/kvmrace-out &&
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 kvmrace-out $N/kvmrace-out ||
	{ echo "x86-live: cannot mount the build host's root file system"; finish; }
mount -t proc proc $N/proc
mount -t sysfs sysfs $N/sys
mount -t devtmpfs devtmpfs $N/dev
mkdir -p $N/dev/shm $N/dev/pts
mount -t tmpfs tmpfs $N/dev/shm
mount -t devpts devpts $N/dev/pts
mount -t tracefs nodev $N/sys/kernel/tracing
mount -t debugfs nodev $N/sys/kernel/debug
mount -t bpf bpf $N/sys/fs/bpf
mount -t tmpfs tmpfs $N/run
# /tmp is the build host's, through the overlay (no tmpfs over it): a clone
# there, as CI makes one, is reachable; what the guest writes stays in it.
limit=$(sed -n 's/.*kvmrace_limit=\([0-9]*\).*/\1/p' /proc/cmdline)
# A heartbeat on the console every 60 s: a test case may run for minutes
# without a line, but a guest whose timers and userspace still run is not
# the stall vm_boot's console watchdog is for.
while :; do sleep 60; read -r up _ < /proc/uptime; echo "x86-live: alive at $up s"; done > /dev/console 2>&1 &
beat=$!
while read -r f; do
	echo "x86-live: $f"
	bounded "${limit:-1500}" chroot $N /bin/bash /kvmrace-out/job "/kvmrace-out/${f##*/}" "$f" > /dev/console 2>&1
done < $N/kvmrace-out/files
kill $beat
sync
finish
