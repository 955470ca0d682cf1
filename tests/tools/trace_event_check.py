#!/usr/bin/env python3
"""Strict check of kvmrace's --perfetto output against the Trace Event Format
(the JSON object form: {"traceEvents": [...]}) and against what Perfetto's JSON
importer (trace_processor, src/trace_processor/importers/json/) accepts, with
the run's JSON summary for the counts and names:

  trace_event_check.py TRACE.json SUMMARY.json

Format: strict UTF-8, strict JSON (no raw control characters in strings, no
NaN), no raw control byte or DEL anywhere (Perfetto's tokenizer stops on
them); a top-level object whose keys are Trace Event Format keys, without
displayTimeUnit (Perfetto versions differ on whether "ns" there changes the
unit of ts); every event an object with only known keys of the right types:
"X" complete events (name, cat, ts, dur >= 0, pid, tid, optional args), "i"
instant events (scope "t", "p" or "g"), "M" metadata (process_name or
thread_name with args.name a non-empty string); ts and dur in microseconds
with at most 3 decimals (the nanosecond); pid and tid integers that fit 32
bits; no array inside an event (Perfetto's tokenizer rejects them there).

Content: every thread with events has exactly one thread_name and every
process one process_name; a vCPU thread's name is its comm (as the summary
has it, U+FFFD where the comm is not UTF-8); findings tracks are named "COMM
CAUSE findings"; complete slices nest per thread; instants = requests;
finding slices = findings, each on its cause's findings track of its vCPU.

Prints one line; exit 0 if everything holds, 1 if not (the line says what).
"""
import collections
import json
import re
import sys

KEYS = {"X": {"ph", "name", "cat", "ts", "dur", "pid", "tid", "args"},
        "i": {"ph", "name", "cat", "ts", "pid", "tid", "s", "args"},
        "M": {"ph", "name", "pid", "tid", "args", "cat", "ts"}}
TOP = {"traceEvents", "otherData", "metadata", "systemTraceEvents", "stackFrames", "samples"}
FINDINGS_TID_BASE = 1000000000
KINDS = ("late_exit", "entered_pending")


def fail(msg):
    print("# trace-event check: " + msg)
    sys.exit(1)


def number(v, what):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        fail("%s is not a number: %r" % (what, v))


def u32(v, what):
    if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2 ** 32:
        fail("%s is not a 32-bit unsigned integer: %r" % (what, v))


def main():
    raw = open(sys.argv[1], "rb").read()
    summary = json.load(open(sys.argv[2], "rb"))
    bad = re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", raw)
    if bad:
        fail("raw control byte 0x%02x at offset %d" % (raw[bad.start()], bad.start()))
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        fail("not UTF-8: %s" % e)
    for m in re.finditer(r'"(?:ts|dur)":(-?[0-9.eE+-]+)', text):
        if not re.fullmatch(r"[0-9]+(\.[0-9]{1,3})?", m.group(1)):
            fail("ts/dur not microseconds to the nanosecond: %s" % m.group(0))

    def no_const(c):
        fail("non-JSON constant %s" % c)
    top = json.loads(text, parse_constant=no_const)
    if not isinstance(top, dict) or not isinstance(top.get("traceEvents"), list):
        fail("top level is not {\"traceEvents\": [...]}")
    if set(top) - TOP:
        fail("unknown top-level keys %s" % sorted(set(top) - TOP))

    slices = collections.defaultdict(list)
    used = set()
    tnames, pnames = collections.defaultdict(list), collections.defaultdict(list)
    inst = collections.Counter()
    fnd = collections.Counter()
    fnd_tracks = collections.Counter()
    for n, e in enumerate(top["traceEvents"]):
        where = "event %d" % n
        if not isinstance(e, dict) or e.get("ph") not in KEYS:
            fail("%s: not an event of phase X, i or M: %r" % (where, e))
        ph = e["ph"]
        if set(e) - KEYS[ph]:
            fail("%s: keys %s not in a %s event" % (where, sorted(set(e) - KEYS[ph]), ph))
        for k, v in e.items():
            if isinstance(v, list) or (isinstance(v, dict) and any(isinstance(x, list) for x in v.values())):
                fail("%s: an array in the event (%s)" % (where, k))
        if not isinstance(e.get("name"), str) or not e["name"]:
            fail("%s: no name" % where)
        u32(e.get("pid"), where + " pid")
        u32(e.get("tid"), where + " tid")
        if "args" in e and not isinstance(e["args"], dict):
            fail("%s: args is not an object" % where)
        key = (e["pid"], e["tid"])
        if ph == "M":
            if e["name"] not in ("process_name", "thread_name"):
                fail("%s: metadata %r" % (where, e["name"]))
            nm = e.get("args", {}).get("name")
            if not isinstance(nm, str) or not nm:
                fail("%s: %s without args.name" % (where, e["name"]))
            (tnames[key] if e["name"] == "thread_name" else pnames[e["pid"]]).append(nm)
            continue
        if not isinstance(e.get("cat"), str):
            fail("%s: no cat" % where)
        number(e.get("ts"), where + " ts")
        if e["ts"] < 0:
            fail("%s: ts < 0" % where)
        used.add(key)
        if ph == "i":
            if e.get("s") not in ("t", "p", "g"):
                fail("%s: instant scope %r" % (where, e.get("s")))
            inst[e["name"]] += 1
            continue
        number(e.get("dur"), where + " dur")
        if e["dur"] < 0:
            fail("%s: dur < 0" % where)
        slices[key].append((e["ts"], e["ts"] + e["dur"], e["name"]))
        if e["name"] in KINDS:
            fnd[e["name"]] += 1
            cause = e.get("args", {}).get("cause")
            if e["tid"] < FINDINGS_TID_BASE or ("signal", "resched")[(e["tid"] - FINDINGS_TID_BASE) % 2] != cause:
                fail("%s: finding slice of cause %r on track %d" % (where, cause, e["tid"]))
            fnd_tracks[key] += 1

    # names
    for key in used:
        if len(tnames.get(key, [])) != 1:
            fail("thread %s has %d thread_name events" % (key, len(tnames.get(key, []))))
    for pid in {k[0] for k in used}:
        if len(pnames.get(pid, [])) != 1:
            fail("process %d has %d process_name events" % (pid, len(pnames.get(pid, []))))
    comm = {v["tid"]: v["comm"] for v in summary["vcpus"]}
    for (pid, tid), names in tnames.items():
        if tid >= FINDINGS_TID_BASE:
            vt = (tid - FINDINGS_TID_BASE) // 2
            cause = ("signal", "resched")[(tid - FINDINGS_TID_BASE) % 2]
            want = "%s %s findings" % (comm.get(vt) or "tid %d" % vt, cause)
        else:
            want = comm.get(tid) or "tid %d" % tid
        if names[0] != want:
            fail("thread %d is named %r, want %r" % (tid, names[0], want))
    # nesting per thread
    nested_bad = 0
    for key, lst in slices.items():
        lst.sort(key=lambda s: (s[0], -s[1]))
        stack = []
        for a, b, _ in lst:
            while stack and stack[-1] <= a + 1e-9:
                stack.pop()
            if stack and b > stack[-1] + 1e-9:
                nested_bad += 1
            stack.append(b)
    if nested_bad:
        fail("%d slices not nested in their thread" % nested_bad)
    want_inst = summary["requests"]["signal"] + summary["requests"]["resched"]
    if sum(inst.values()) != want_inst:
        fail("%d instants, want %d requests" % (sum(inst.values()), want_inst))
    for k in KINDS:
        if fnd[k] != summary["findings_total"][k]:
            fail("%d %s slices, want %d" % (fnd[k], k, summary["findings_total"][k]))
    print("# trace-event check: %d events, %d threads named, %d processes named, %d instants, %d finding slices "
          "on %d findings tracks; slices nested" % (len(top["traceEvents"]), len(tnames), len(pnames),
                                                    sum(inst.values()), sum(fnd.values()), len(fnd_tracks)))


main()
