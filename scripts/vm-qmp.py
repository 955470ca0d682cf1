#!/usr/bin/env python3
"""vm-qmp.py SOCKET COMMAND...: run each HMP command line (e.g. "info cpus";
"@1 x/16xb 0xffffffff81000000": as vCPU 1 sees it) in the QEMU listening on
the QMP unix SOCKET (human-monitor-command) and print "(qemu) COMMAND" and
its output.  Used by vm_boot's console-silence
watchdog (scripts/vm-lib.sh) to dump a silent guest's CPU state.

Every step waits at most TIMEOUT seconds (default 10, env VM_QMP_TIMEOUT): a
QEMU whose main loop is stuck does not answer, and that is said on stdout,
itself a finding.  Exit status: 0, 1 on bad usage, 2 if QEMU did not answer
or refused the connection."""
import json
import os
import socket
import sys


def main():
    if len(sys.argv) < 3:
        print("usage: vm-qmp.py SOCKET COMMAND...", file=sys.stderr)
        return 1
    path, cmds = sys.argv[1], sys.argv[2:]
    timeout = float(os.environ.get("VM_QMP_TIMEOUT", "10"))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
    except OSError as e:
        print(f"vm-qmp: cannot connect to QEMU's monitor {path}: {e}")
        return 2
    f = s.makefile("rwb")

    def recv():
        # The next reply, skipping asynchronous events.
        while True:
            line = f.readline()
            if not line:
                raise EOFError("QEMU closed the monitor")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def send(obj):
        f.write(json.dumps(obj).encode() + b"\n")
        f.flush()

    step = "the greeting"
    try:
        recv()
        step = "qmp_capabilities"
        send({"execute": "qmp_capabilities"})
        recv()
        for c in cmds:
            step = c
            print(f"(qemu) {c}", flush=True)
            args = {"command-line": c}
            if c.startswith("@"):  # "@N command": as seen from vCPU N
                n, c = c[1:].split(" ", 1)
                args = {"command-line": c, "cpu-index": int(n)}
            send({"execute": "human-monitor-command", "arguments": args})
            r = recv()
            if "return" in r:
                sys.stdout.write(r["return"])
            else:
                print(f"vm-qmp: error: {r.get('error')}")
            sys.stdout.flush()
    except (OSError, EOFError, ValueError) as e:
        what = "no answer within %g s (QEMU's main loop is stuck)" % timeout if isinstance(e, socket.timeout) else str(e)
        print(f"vm-qmp: {step}: {what}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
