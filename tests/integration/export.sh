#!/bin/bash
# Exports, each loaded by the tools that read it:
#  --perf-script: FlameGraph's stackcollapse-perf.pl and flamegraph.pl (the
#    copy in shared/tools/flamegraph), speedscope's Linux perf importer (npm
#    package, make deps), and kvmrace report itself (identical JSON);
#  --perfetto: a strict trace-event format check (Perfetto's trace_processor
#    is neither in Debian nor on npm) and speedscope's trace-event importer;
#  --junit: xmllint against the Jenkins xunit JUnit schema;
#  --tap: Debian's prove (TAP::Parser, its YAMLish reader) and python3-yaml.
# Inputs: synthetic recordings, the emulated POWER9 recordings, the arm64
# ftrace text, recordings whose thread names are UTF-8, not UTF-8, or full of
# characters that break lines and parsers; a live run where the host has
# one.  Then errors: one line, exit 1, no file left behind.
. "$(dirname "$0")/../lib.sh"
FX=$TOP/tests/fixtures
# the test consumers beside the project (../shared/tools), else where this
# machine keeps them (a clone made elsewhere, e.g. CI's)
SHARED=${KR_SHARED:-$TOP/../shared}
[ -d "$SHARED/tools" ] || [ -n "${KR_SHARED:-}" ] || SHARED=/work/shared
FG=$SHARED/tools/flamegraph
XSD=$SHARED/tools/junit/junit-10.xsd
SS=$(ls "$TOP"/build/node/node_modules/speedscope/dist/release/speedscope-*.js 2> /dev/null | head -1)
SSI=$TOP/tests/tools/speedscope-import.mjs
TEC=$TOP/tests/tools/trace_event_check.py

# Why a consumer cannot run here ("" if it can).
no_flamegraph() { [ -x "$FG/stackcollapse-perf.pl" ] && [ -x "$FG/flamegraph.pl" ] || echo "no FlameGraph scripts at $FG (shared/tools/flamegraph)"; }
no_speedscope() {
	command -v node > /dev/null || { echo "node not installed (make deps)"; return; }
	[ -n "$SS" ] || echo "speedscope not installed in build/node (make deps: npm install speedscope)"
}
no_xmllint() { command -v xmllint > /dev/null || { echo "xmllint not installed (libxml2-utils, make deps)"; return; }; [ -r "$XSD" ] || echo "no JUnit schema at $XSD"; }
no_prove() { command -v prove > /dev/null || echo "prove not installed (perl)"; }

# ---- inputs ----
"$KT" --version > /dev/null || { fail export_binary "no $KT"; exit 0; }
"$BUILD/kvmrace-synth" -n 60000 -o "$WORK/syn.rec" > /dev/null
cp "$FX/power/p9-clean.kvmrace" "$WORK/p9clean.rec"
cp "$FX/power/p9-injected.kvmrace" "$WORK/p9inj.rec"
cp "$FX/arm64/kvm-signal-resched.trace.txt" "$WORK/arm64.rec"
# Thread names patched into a synthetic recording (the comm field of each
# 64-byte record, docs/recording-format.md); the findings are on tid 5003.
"$BUILD/kvmrace-synth" -n 6000 --late-every 7 -o "$WORK/small.rec" > /dev/null
patch_comms() {
	python3 - "$WORK/small.rec" "$WORK/$1.rec" "$2" "$3" << 'PY'
import ast, struct, sys
src, dst, names, pid = sys.argv[1], sys.argv[2], ast.literal_eval(sys.argv[3]), int(sys.argv[4])
d = bytearray(open(src, "rb").read())
off = 16 + struct.unpack_from("<I", d, 12)[0]
while off + 64 <= len(d):
    if d[off + 16] < 100:
        if pid:
            struct.pack_into("<I", d, off + 12, pid)
        if d[off + 48]:
            tid = struct.unpack_from("<I", d, off + 8)[0]
            d[off + 48:off + 64] = names[tid - 5000].ljust(16, b"\0")
    off += 64
open(dst, "wb").write(d)
PY
}
patch_comms utf8 '[b"CPU 0/KVM", b"x", b" lead", b"vcpu-\xc3\xa9-\xc3\xbc \xe6\x97\xa5"]' 0
# newline, quote, XML and JSON specials, backslash, a leading '#', a number
# word, one character, a 7-digit PID
patch_comms specials '[b"a\tb 1.5:", b"y", b"\xc2\x85x\xe2\x80\xa812 3", b"#\n\"<&>\\ \xe6\x97\xa5 7"]' 4194303
# not UTF-8: a name cut inside a character, Latin-1 bytes
patch_comms invalid '[b"CPU 0/KVM", b"\xe6\x97", b"z", b"bad-\xff\xfe-\xc3"]' 0
inputs="syn p9clean p9inj arm64 utf8 specials invalid"

# ---- each input through every export and its consumers ----
# export_input NAME: $WORK/NAME.rec through every export and its consumers.
export_input() {
	local r=$1
	local in=$WORK/$r.rec
	"$KT" report -q --json "$WORK/$r.json" --perf-script "$WORK/$r.perf" --perfetto "$WORK/$r.pf.json" \
		--junit "$WORK/$r.junit.xml" "$in" > /dev/null 2> "$WORK/$r.err"
	rc=$?
	if ! { [ $rc = 0 ] || [ $rc = 2 ] || [ $rc = 3 ]; } || [ ! -s "$WORK/$r.json" ]; then
		fail "export_$r" "rc=$rc $(head -c 300 "$WORK/$r.err")"
		return
	fi
	nev=$(jq .events "$WORK/$r.json")
	nfind=$(jq '.findings_total.late_exit + .findings_total.entered_pending' "$WORK/$r.json")
	nvc=$(jq '.vcpus | length' "$WORK/$r.json")

	# perf script: kvmrace reads it back to the same JSON
	"$KT" report -q --json "$WORK/$r.b.json" "$WORK/$r.perf" > /dev/null 2>&1
	rc2=$?
	if [ $rc = $rc2 ] && cmp -s "$WORK/$r.json" "$WORK/$r.b.json"; then
		pass "export_perf_script_round_trip_$r (exit $rc, byte-identical JSON: $(jq -c '{verdict, events, violations}' "$WORK/$r.b.json"))"
	else
		fail "export_perf_script_round_trip_$r" "rc=$rc/$rc2 $(diff <(jq -S . "$WORK/$r.json") <(jq -S . "$WORK/$r.b.json") | head -5)"
	fi
	# its shape as perf script -g: the command at column 0, one frame and a
	# blank line per record, records in time order, one per event and finding
	if out=$(python3 - "$WORK/$r.perf" "$nev" "$nfind" << 'PY'
import re, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
head = re.compile(rb"^\S.*? +\d+/\d+ +\[\d+\] +(\d+)\.(\d{9}): kvmrace:([a-z_]+): ")
recs = bad = 0
last = -1
kinds = {b"late_exit": 0, b"entered_pending": 0}
# the run's header first, its trailer last, no other comment line
if not lines[0].startswith(b"# kvmrace: ") or lines[-1] != b"" or not lines[-2].startswith(b"# kvmrace-end: "):
    print("no header or trailer")
    sys.exit(1)
lines = lines[1:-2]
i = 0
while i < len(lines):
    l = lines[i]
    if l == b"":
        i += 1
        continue
    m = head.match(l)
    if not m or i + 2 >= len(lines) or not lines[i + 1].startswith(b"\t") or lines[i + 2] != b"":
        bad += 1
        print("bad record at line %d: %r" % (i + 1, l[:80]))
        break
    ts = int(m.group(1)) * 10**9 + int(m.group(2))
    if ts < last:
        bad += 1
        print("out of time order at line %d" % (i + 1))
        break
    last = ts
    kinds[m.group(3)] = kinds.get(m.group(3), 0) + 1
    recs += 1
    i += 3
want = int(sys.argv[2]) + int(sys.argv[3])
print("%d records (want %d), %d findings" % (recs, want, kinds[b"late_exit"] + kinds[b"entered_pending"]))
sys.exit(0 if not bad and recs == want and kinds[b"late_exit"] + kinds[b"entered_pending"] == int(sys.argv[3]) else 1)
PY
); then
		pass "export_perf_script_records_$r ($out, one frame each, in time order)"
	else
		fail "export_perf_script_records_$r" "$out"
	fi

	# FlameGraph: folded without a warning, every record counted, a stack
	# per vCPU thread, the findings' frames; drawn as well-formed SVG
	why=$(no_flamegraph)
	if [ -n "$why" ]; then
		skip "export_flamegraph_$r" "$why"
	else
		"$FG/stackcollapse-perf.pl" "$WORK/$r.perf" > "$WORK/$r.folded" 2> "$WORK/$r.sc.err"
		src=$?
		folded=$(awk '{ n += $NF; if ($1 ~ /;kvmrace_(late_exit|entered_pending)$/) f += $NF; split($1, a, ";"); p[a[1]] = 1 }
			END { printf "%d %d %d", n, f, length(p) }' "$WORK/$r.folded")
		set -- $folded
		want_p=$(jq '[.vcpus[].comm] | unique | length' "$WORK/$r.json")
		"$FG/flamegraph.pl" --title "kvmrace $r" "$WORK/$r.folded" > "$WORK/$r.svg" 2> "$WORK/$r.fg.err"
		frc=$?
		svg_ok=y
		xmllint --noout "$WORK/$r.svg" 2> /dev/null || svg_ok=n
		[ "$nfind" = 0 ] || grep -qE 'kvmrace_(late_exit|entered_pending)' "$WORK/$r.svg" || svg_ok=n
		if [ $src = 0 ] && [ ! -s "$WORK/$r.sc.err" ] && [ "$1" = $((nev + nfind)) ] && [ "$2" = "$nfind" ] &&
			[ "$3" = "$want_p" ] && [ $frc = 0 ] && [ $svg_ok = y ]; then
			pass "export_flamegraph_$r ($1 samples folded, $2 in finding frames, $3 vCPU stacks; SVG drawn)"
		else
			fail "export_flamegraph_$r" "rc=$src/$frc folded=$folded want $((nev + nfind)) $nfind $want_p svg=$svg_ok $(head -c 200 "$WORK/$r.sc.err")"
		fi
	fi

	# speedscope: its Linux perf importer, no warning, a profile per vCPU
	# thread with its pid/tid, the findings' frames on the vCPUs that had them
	why=$(no_speedscope)
	if [ -n "$why" ]; then
		skip "export_speedscope_perf_$r" "$why"
		skip "export_speedscope_trace_events_$r" "$why"
	else
		node "$SSI" "$SS" "$WORK/$r.perf" > "$WORK/$r.ss.json" 2> "$WORK/$r.ss.err"
		src=$?
		if [ $src = 0 ] && jq -e --argjson s "$(cat "$WORK/$r.json")" '. as $o |
			(.logs | map(.text)) == ["Importing from linux perf script output"] and
			(.profiles | length) == ($s.vcpus | length) and
			([.profiles[].name | capture("pid: (?<p>[0-9]+) tid: (?<t>[0-9]+)$") | "\(.p)/\(.t)"] | sort) ==
				([$s.vcpus[] | "\(.pid)/\(.tid)"] | sort) and
			all($s.vcpus[]; . as $v | ($v.findings == 0) or
				any($o.profiles[]; (.name | endswith("tid: \($v.tid)")) and
					any(.frames[]; . == "kvmrace_late_exit" or . == "kvmrace_entered_pending")))' "$WORK/$r.ss.json" > /dev/null; then
			pass "export_speedscope_perf_$r (imported without warnings: $(jq -c '[.profiles[] | .name]' "$WORK/$r.ss.json"))"
		else
			fail "export_speedscope_perf_$r" "rc=$src $(head -c 300 "$WORK/$r.ss.json") $(head -c 200 "$WORK/$r.ss.err")"
		fi
		node "$SSI" "$SS" "$WORK/$r.pf.json" > "$WORK/$r.sst.json" 2> "$WORK/$r.sst.err"
		src=$?
		if [ $src = 0 ] && jq -e --argjson s "$(cat "$WORK/$r.json")" '. as $o |
			(.logs | map(.text)) == ["Importing as Trace Event Format profile"] and
			all($s.vcpus[]; . as $v | any($o.profiles[]; .name | endswith(", \($v.comm) (tid \($v.tid))")))' "$WORK/$r.sst.json" > /dev/null; then
			pass "export_speedscope_trace_events_$r (imported without warnings, $(jq '.profiles | length' "$WORK/$r.sst.json") named threads)"
		else
			fail "export_speedscope_trace_events_$r" "rc=$src $(head -c 300 "$WORK/$r.sst.json") $(head -c 200 "$WORK/$r.sst.err")"
		fi
	fi

	# Perfetto: the trace-event format, strictly, with names and counts
	if out=$(python3 "$TEC" "$WORK/$r.pf.json" "$WORK/$r.json"); then
		pass "export_perfetto_$r (${out#\# trace-event check: })"
	else
		fail "export_perfetto_$r" "$out"
	fi

	# JUnit: valid against the schema, failures agree with the exit status,
	# the findings in a failure are YAML whose comm is the thread's name
	why=$(no_xmllint)
	if [ -n "$why" ]; then
		skip "export_junit_$r" "$why"
	else
		xmllint --noout --schema "$XSD" "$WORK/$r.junit.xml" > /dev/null 2> "$WORK/$r.xsd.err"
		xrc=$?
		if out=$(python3 - "$WORK/$r.junit.xml" "$WORK/$r.json" "$rc" << 'PY'
import json, sys, yaml
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
s = json.load(open(sys.argv[2], "rb"))
rc = int(sys.argv[3])
comm = {v["tid"]: v["comm"] for v in s["vcpus"]}
fails = root.findall(".//failure")
types = sorted(f.get("type") for f in fails)
bad = []
if int(root.get("failures")) != len(fails):
    bad.append("failures=%s but %d <failure>" % (root.get("failures"), len(fails)))
if rc == 0 and fails or rc == 2 and "violation" not in types or rc == 3 and (not fails or "violation" in types):
    bad.append("exit %d with failures %s" % (rc, types))
props = {p.get("name"): p.get("value") for p in root.iter("property")}
if props.get("arch") != s["arch"] or props.get("verdict") != s["verdict"] or props.get("exit_status") != str(rc):
    bad.append("properties %s" % props)
shown = 0
for f in fails:
    items = yaml.safe_load(f.text or "") or []
    for it in items:
        shown += 1
        if it["comm"] != comm.get(it["tid"]):
            bad.append("finding comm %r, thread %d is %r" % (it["comm"], it["tid"], comm.get(it["tid"])))
print("; ".join(bad) if bad else "%d failures %s, %d findings with their thread names" % (len(fails), types, shown))
sys.exit(1 if bad else 0)
PY
		) && [ $xrc = 0 ]; then
			pass "export_junit_$r (valid against junit-10.xsd; $out; exit $rc)"
		else
			fail "export_junit_$r" "xmllint rc=$xrc $(head -c 200 "$WORK/$r.xsd.err") $out"
		fi
	fi

	# TAP 13: prove passes exactly the runs that pass; TAP::Parser reads every
	# YAML block; python3-yaml too, with the findings' thread names
	"$KT" report --tap "$in" > "$WORK/$r.tap" 2> /dev/null
	trc=$?
	why=$(no_prove)
	if [ -n "$why" ]; then
		skip "export_tap_prove_$r" "$why"
	else
		prove -e "$KT report -q --tap" "$in" > "$WORK/$r.prove" 2>&1
		prc=$?
		yamlish=$(perl -MTAP::Parser -e '
			local $/; open my $fh, "<", $ARGV[0] or die; my $p = TAP::Parser->new({ tap => scalar <$fh> });
			my ($y, $n) = (0, 0);
			while (my $t = $p->next) { next unless $t->is_yaml; $y++; $n += @{ $t->data->{findings} || [] } }
			printf "%d %d %d %d\n", $p->version, scalar($p->parse_errors), $y, $n' "$WORK/$r.tap" 2>&1)
		set -- $yamlish
		nok=$(grep -c '^not ok' "$WORK/$r.tap")
		if [ $trc = $rc ] && { { [ $rc = 0 ] && [ $prc = 0 ] && grep -q '^Result: PASS' "$WORK/$r.prove"; } ||
			{ [ $rc != 0 ] && [ $prc != 0 ] && grep -q '^Result: FAIL' "$WORK/$r.prove"; }; } &&
			! grep -q 'Parse errors' "$WORK/$r.prove" && [ "$1" = 13 ] && [ "$2" = 0 ] && [ "$3" = "$nok" ]; then
			pass "export_tap_prove_$r (exit $rc: prove $(grep '^Result:' "$WORK/$r.prove"), TAP version $1, $3 YAML blocks, $4 findings)"
		else
			fail "export_tap_prove_$r" "rc=$rc tap=$trc prove=$prc yamlish=[$yamlish] nok=$nok $(grep -E 'Parse errors|TAP|Result' "$WORK/$r.prove" | head -3)"
		fi
	fi
	if out=$(python3 - "$WORK/$r.tap" "$WORK/$r.json" "$rc" << 'PY'
import json, sys, yaml
s = json.load(open(sys.argv[2], "rb"))
rc = int(sys.argv[3])
comm = {v["tid"]: v["comm"] for v in s["vcpus"]}
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
bad, blocks, cur, nok = [], [], None, 0
if lines[0] != "TAP version 13" or lines[1] != "1..4":
    bad.append("header %r" % lines[:2])
for line in lines:
    if line.startswith("not ok"):
        nok += 1
    if line == "  ---":
        cur = []
    elif line == "  ..." and cur is not None:
        blocks.append(yaml.safe_load("".join(l[2:] + "\n" for l in cur)))
        cur = None
    elif cur is not None:
        cur.append(line)
n = 0
for b in blocks:
    if not isinstance(b, dict) or not isinstance(b.get("message"), str):
        bad.append("block %r" % b)
        continue
    for f in b.get("findings", []):
        n += 1
        if not {"kind", "cause", "past_ns", "comm"} <= set(f) or f["comm"] != comm.get(f["tid"]):
            bad.append("finding %r" % f)
if len(blocks) != nok or (rc == 0) != (nok == 0):
    bad.append("%d not ok, %d YAML blocks, exit %d" % (nok, len(blocks), rc))
print("; ".join(bad[:3]) if bad else "%d YAML blocks, %d findings with their thread names" % (len(blocks), n))
sys.exit(1 if bad else 0)
PY
	); then
		pass "export_tap_yaml_$r ($out)"
	else
		fail "export_tap_yaml_$r" "$out"
	fi
	# every finding's class (#9) as the JSON gives it, in each export that
	# carries findings: Perfetto's args, perf script's payload, TAP's YAML
	if out=$(python3 - "$WORK/$r.json" "$WORK/$r.pf.json" "$WORK/$r.perf" "$WORK/$r.tap" << 'PY'
import json, re, sys, yaml
js = json.load(open(sys.argv[1]))
want = {}
for f in js["findings"]:
    want.setdefault((f["kind"], f["past_ns"], f["tid"]), set()).add(f["class"])
pf = json.load(open(sys.argv[2]))["traceEvents"]
got_pf = {}
for e in pf:
    if e.get("ph") == "X" and e["name"] in ("late_exit", "entered_pending"):
        got_pf.setdefault((e["name"], e["args"]["past_ns"]), set()).add(e["args"].get("class"))
got_ps = {}
for m in re.finditer(rb" +\d+/(\d+) .*?: kvmrace:(late_exit|entered_pending): .*?class=(\S+) violation=\d past_ns=(\d+)",
                     open(sys.argv[3], "rb").read()):
    got_ps.setdefault((m.group(2).decode(), int(m.group(4)), int(m.group(1))), set()).add(m.group(3).decode())
got_tap = {}
for b in re.findall(r"(?ms)^  ---\n(.*?)^  \.\.\.$", open(sys.argv[4]).read()):
    for f in (yaml.safe_load(b) or {}).get("findings", []):
        got_tap.setdefault((f["kind"], f["past_ns"], f["tid"]), set()).add(f.get("class"))
bad = []
for k, c in want.items():
    if not c <= got_pf.get(k[:2], set()):
        bad.append("perfetto %r: %r not %r" % (k, got_pf.get(k[:2]), c))
    if not c <= got_ps.get(k, set()):
        bad.append("perf script %r: %r not %r" % (k, got_ps.get(k), c))
for k, c in got_tap.items():
    if c != want.get(k):
        bad.append("tap %r: %r not %r" % (k, c, want.get(k)))
print("; ".join(bad[:3]) if bad else "%d findings, classes %s; %d in TAP" %
      (len(js["findings"]), sorted({c for v in want.values() for c in v}), len(got_tap)))
sys.exit(1 if bad or (js["findings"] and not want) else 0)
PY
	); then
		pass "export_finding_class_$r ($out)"
	else
		fail "export_finding_class_$r" "$out"
	fi
}

# A live run, where the host has a guest (in the emulated x86 KVM host where
# it has no /dev/kvm): recorded, then through every export and consumer.
if live_gate export_live; then
	per=$(emulated && echo 10000 || echo 1000)
	"$KT" -q -o "$WORK/live.rec" -- "$KL" --signals 100 --resched 100 --period-us $per > "$WORK/live.out" 2> "$WORK/live.err"
	rc=$?
	if [ -s "$WORK/live.rec" ] && { [ $rc = 0 ] || [ $rc = 2 ]; }; then
		pass "export_live (a live run recorded, exit $rc; its exports follow)"
		export_input live
	else
		fail "export_live" "rc=$rc $(head -c 200 "$WORK/live.err")"
	fi
fi
offline_here || exit 0
for r in $inputs; do export_input "$r"; done
[ "$(jq .verdict "$WORK/syn.json")" = '"violation"' ] || fail "export_synthetic_has_violations" "the synthetic recording should violate"
[ "$(jq .verdict "$WORK/p9clean.json")" = '"pass"' ] || fail "export_p9_clean_passes" "the clean POWER9 recording should pass"

# ---- UTF-8 names, byte for byte in every output ----
name=$(printf 'vcpu-\xc3\xa9-\xc3\xbc \xe6\x97\xa5')
miss=""
for f in utf8.json utf8.pf.json utf8.perf utf8.junit.xml utf8.tap utf8.folded utf8.svg; do
	[ -e "$WORK/$f" ] || continue
	case $f in
	*.folded | *.svg) n=${name// /_} ;;	# stackcollapse-perf.pl's own space -> '_'
	*) n=$name ;;
	esac
	grep -qF "$n" "$WORK/$f" || miss="$miss $f"
done
if [ -z "$miss" ] && ! grep -qF 'Ã' "$WORK/utf8.json" "$WORK/utf8.pf.json"; then
	pass "export_utf8_names (byte for byte in JSON, Perfetto, perf script, JUnit, TAP, folded stacks, SVG)"
else
	fail "export_utf8_names" "not found in:$miss $(grep -c 'Ã' "$WORK/utf8.json")"
fi
# not UTF-8: U+FFFD in JSON (one per maximal invalid subpart), the bytes as
# \xHH in perf script (and exact in its payload: the round trip above)
if jqe '[.vcpus[].comm] | sort == (["CPU 0/KVM", "\ufffd", "bad-\ufffd\ufffd-\ufffd", "z"] | sort)' "$WORK/invalid.json" &&
	grep -qF 'bad-\xff\xfe-\xc3 ' "$WORK/invalid.perf"; then
	pass "export_invalid_utf8_names (JSON: $(jq -c '[.vcpus[].comm]' "$WORK/invalid.json"); perf script: bad-\\xff\\xfe-\\xc3)"
else
	fail "export_invalid_utf8_names" "$(jq -c '[.vcpus[].comm]' "$WORK/invalid.json")"
fi

# ---- --perf-script -: standard output, into stackcollapse-perf.pl ----
why=$(no_flamegraph)
if [ -n "$why" ]; then
	skip "export_perf_script_stdout" "$why"
else
	"$KT" report --perf-script - "$WORK/p9inj.rec" 2> "$WORK/stdout.err" | "$FG/stackcollapse-perf.pl" > "$WORK/stdout.folded" 2>&1
	if cmp -s "$WORK/stdout.folded" "$WORK/p9inj.folded" && grep -q 'verdict' "$WORK/stdout.err" && [ ! -e ./- ]; then
		pass "export_perf_script_stdout (piped into stackcollapse-perf.pl: the same $(wc -l < "$WORK/stdout.folded") folded stacks; summary on stderr)"
	else
		fail "export_perf_script_stdout" "$(diff "$WORK/stdout.folded" "$WORK/p9inj.folded" | head -3)"
	fi
fi

# ---- records in time order when the input is not: a trace in reverse, big
# enough to be sorted in several runs (16384 records each) and merged ----
python3 - > "$WORK/rev.txt" << 'PY'
lines = []
for i in range(20000):
    t = 100.0 + i * 1e-5
    lines.append(" qemu-500 [002] d.... %.6f: kvm_fpu: %s" % (t, "load" if i % 2 == 0 else "unload"))
print("\n".join(reversed(lines)))
PY
"$KT" report -q --json "$WORK/rev.json" --perf-script "$WORK/rev.perf" "$WORK/rev.txt" > /dev/null 2>&1
n=$(grep -c ': kvmrace:' "$WORK/rev.perf")
sorted=$(grep ': kvmrace:' "$WORK/rev.perf" | awk '{ sub(":", "", $4); if ($4 + 0 < last) bad++; last = $4 + 0 } END { print bad + 0 }')
if [ "$n" = "$(jq '.events + .findings_total.late_exit + .findings_total.entered_pending' "$WORK/rev.json")" ] && [ "$n" -gt 16384 ] && [ "$sorted" = 0 ]; then
	pass "export_perf_script_sorted ($n records of a reversed trace, in time order)"
else
	fail "export_perf_script_sorted" "$n records, $sorted out of order"
fi

# ---- JUnit: an arch string with XML specials (shared bad-inputs) ----
f=$SHARED/fixtures/bad-inputs/junit-arch-injection.kvmrace
why=$(no_xmllint)
if [ -n "$why" ] || [ ! -r "$f" ]; then
	skip "export_junit_escaped" "${why:-no $f}"
else
	"$KT" report -q --junit "$WORK/inj.xml" "$f" > /dev/null 2>&1
	arch=$(python3 -c 'import sys, xml.etree.ElementTree as E
print([p.get("value") for p in E.parse(sys.argv[1]).iter("property") if p.get("name") == "arch"][0])' "$WORK/inj.xml" 2>&1)
	if xmllint --noout --schema "$XSD" "$WORK/inj.xml" 2> /dev/null && [ "$arch" = '"/><x a="&<' ]; then
		pass "export_junit_escaped (valid; arch reads back as $arch)"
	else
		fail "export_junit_escaped" "arch=$arch"
	fi
fi

# ---- errors: one line on stderr, exit 1, no file left behind ----
E=$WORK/err
in=$WORK/p9inj.rec
err_case() {	# NAME WANT_FILES_LEFT COMMAND...: runs in an empty $E
	local name=$1 want=$2 rc left
	shift 2
	rm -rf "$E"
	mkdir -p "$E"
	(cd "$E" && "$@") > "$WORK/err.out" 2> "$WORK/err.txt"
	rc=$?
	left=$(cd "$E" && ls -A | tr '\n' ' ')
	if [ "$rc" = 1 ] && [ "$(wc -l < "$WORK/err.txt")" = 1 ] && grep -q '^kvmrace-trace: ' "$WORK/err.txt" && [ "$left" = "$want" ]; then
		pass "export_error_$name ($(cat "$WORK/err.txt"))"
	else
		fail "export_error_$name" "rc=$rc, $(wc -l < "$WORK/err.txt") lines: $(head -c 300 "$WORK/err.txt"); left: '$left' want '$want'"
	fi
}
all="--perf-script a.perf --perfetto b.json --junit c.xml"
err_case json_dev_full "" "$KT" report -q --json /dev/full $all "$in"
err_case perfetto_dev_full "" "$KT" report -q --json j.json --perfetto /dev/full --perf-script a.perf "$in"
err_case perf_script_dev_full "" "$KT" report -q --json j.json --perf-script /dev/full --junit c.xml "$in"
err_case junit_dev_full "" "$KT" report -q --json j.json --perfetto b.json --junit /dev/full "$in"
for o in json perf-script perfetto junit; do
	# the other outputs, to files that could be written
	others=$(echo "--json j.json $all" | sed "s/--$o [^ ]*//")
	err_case "${o}_missing_dir" "" "$KT" report -q --$o nodir/x $others "$in"
done
# standard output is written after the files are complete: they stay
err_case tap_stdout_full "a.perf b.json c.xml " sh -c "\"$KT\" report -q --tap $all \"$in\" > /dev/full"
err_case json_stdout_full "a.perf b.json c.xml " sh -c "\"$KT\" report -q --json - $all \"$in\" > /dev/full"
err_case two_stdout "" "$KT" report -q --json - --perf-script - "$in"
# a write error on a regular file (RLIMIT_FSIZE, SIGXFSZ ignored: EFBIG),
# and an older file of that name kept as it was
err_case file_too_big "c.xml " sh -c "echo old > c.xml; trap '' XFSZ; ulimit -f 64; exec \"$KT\" report -q --json j.json $all \"$in\""
if [ "$(cat "$E/c.xml" 2> /dev/null)" = old ]; then
	pass "export_error_keeps_old_file (c.xml untouched by the failed run)"
else
	fail "export_error_keeps_old_file" "$(head -c 100 "$E/c.xml")"
fi
# an input error after the exports were opened: nothing left either
printf 'kvmrace-load-1 [000] d.... 1.000000: kvm_fpu: load\nkvmrace-load-1 [000] d.... 1.000001: garbage\n' > "$WORK/bad.txt"
err_case input_error "" "$KT" report -q $all --json j.json "$WORK/bad.txt"
# and a good run writes every file, with its usual permissions
rm -rf "$E" && mkdir -p "$E"
(cd "$E" && umask 022 && "$KT" report -q --json j.json $all "$in" > /dev/null 2>&1)
if [ "$(cd "$E" && ls -A | tr '\n' ' ')" = "a.perf b.json c.xml j.json " ] && [ "$(stat -c %a "$E/b.json")" = 644 ]; then
	pass "export_files_written (a.perf b.json c.xml j.json, mode 644 under umask 022)"
else
	fail "export_files_written" "$(ls -lA "$E")"
fi
