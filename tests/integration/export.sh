#!/bin/bash
# Exports: perf script (round trip through report, stackcollapse shape),
# Perfetto JSON (nesting, counts), JUnit and TAP (agree with the exit status).
. "$(dirname "$0")/../lib.sh"

# A recording with violations (synthetic) and, where live tracing works here,
# a live one.
"$BUILD/kvmrace-synth" -n 60000 -o "$WORK/syn.rec" > /dev/null
recs="syn"
if [ -z "$(live_missing)" ]; then
	"$KT" -q -o "$WORK/live.rec" --json "$WORK/live.json" --perf-script "$WORK/live.perf" \
		-- "$KL" --signals 100 --resched 100 --period-us 1000 > /dev/null 2>&1
	recs="syn live"
else
	skip "export_live_round_trip" "$(live_missing)"
fi

for r in $recs; do
	"$KT" report -q --json "$WORK/$r.a.json" --perf-script "$WORK/$r.perf" --perfetto "$WORK/$r.pf.json" \
		--junit "$WORK/$r.junit.xml" "$WORK/$r.rec" > /dev/null 2>&1
	rc=$?
	# round trip: report on the perf-script export gives the same result
	"$KT" report -q --json "$WORK/$r.b.json" "$WORK/$r.perf" > /dev/null 2>&1
	rc2=$?
	if [ $rc = $rc2 ] && [ "$(jq -S -c . "$WORK/$r.a.json")" = "$(jq -S -c . "$WORK/$r.b.json")" ]; then
		pass "export_perf_script_round_trip_$r (exit $rc, identical JSON: $(jq -c '{verdict, requests, violations}' "$WORK/$r.b.json"))"
	else
		fail "export_perf_script_round_trip_$r" "rc=$rc/$rc2 $(diff <(jq -S . "$WORK/$r.a.json") <(jq -S . "$WORK/$r.b.json") | head -5)"
	fi
	# stackcollapse-perf.pl shape: every record = header, >= 1 frame, blank line
	bad=$(awk '
		/^[^\t#]/ && !/^$/ { if (inrec && !frames) bad++; inrec = 1; frames = 0; next }
		/^\t/ { if (inrec) frames++; next }
		/^$/ { if (inrec && !frames) bad++; inrec = 0; n++ }
		END { if (inrec) bad++; print bad + 0, n + 0 }' "$WORK/$r.perf")
	set -- $bad
	nev=$(jq '.events + .findings_total.late_exit + .findings_total.entered_pending' "$WORK/$r.a.json")
	if [ "$1" = 0 ] && [ "$2" = "$nev" ]; then
		pass "export_perf_script_records_$r ($2 records, each with a frame and a blank line)"
	else
		fail "export_perf_script_records_$r" "bad=$1 records=$2 want $nev"
	fi
	# Perfetto: slices nest per thread; instants = requests; finding slices = findings
	if python3 - "$WORK/$r.pf.json" "$WORK/$r.a.json" <<'PY'
import json, sys, collections
t = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2]))
ev = t["traceEvents"]
slices = collections.defaultdict(list)
for e in ev:
    if e["ph"] == "X":
        slices[(e["pid"], e["tid"])].append((float(e["ts"]), float(e["ts"]) + float(e["dur"]), e["name"]))
bad = 0
for k, l in slices.items():
    l.sort(key=lambda x: (x[0], -x[1]))
    stack = []
    for a, b, n in l:
        while stack and stack[-1] <= a + 1e-9:
            stack.pop()
        if stack and b > stack[-1] + 1e-9:
            bad += 1
        stack.append(b)
inst = sum(1 for e in ev if e["ph"] == "i")
fnd = sum(1 for e in ev if e["ph"] == "X" and e["name"] in ("late_exit", "entered_pending"))
names = sum(1 for e in ev if e["ph"] == "M" and e["name"] == "thread_name")
want_inst = s["requests"]["signal"] + s["requests"]["resched"]
want_fnd = s["findings_total"]["late_exit"] + s["findings_total"]["entered_pending"]
ok = bad == 0 and inst == want_inst and fnd == want_fnd and names >= 3 * len(s["vcpus"])
print("# perfetto: %d events, %d improperly nested, %d instants (want %d), %d finding slices (want %d)" % (len(ev), bad, inst, want_inst, fnd, want_fnd))
sys.exit(0 if ok else 1)
PY
	then pass "export_perfetto_$r (nested per thread; instants = requests; finding slices = findings)"
	else fail "export_perfetto_$r"; fi
	# JUnit agrees with the exit status
	fails=$(sed -n 's/.*<testsuites [^>]*failures="\([0-9]*\)".*/\1/p' "$WORK/$r.junit.xml")
	viol=$(grep -c 'type="violation"' "$WORK/$r.junit.xml")
	case $rc in
	0) agree=$([ "$fails" = 0 ] && echo y) ;;
	2) agree=$([ "$viol" -ge 1 ] && echo y) ;;
	*) agree=$([ "$fails" -ge 1 ] && [ "$viol" = 0 ] && echo y) ;;
	esac
	if python3 -c "import xml.etree.ElementTree as E; E.parse('$WORK/$r.junit.xml')" && [ "$agree" = y ]; then
		pass "export_junit_$r (well-formed, $fails failures for exit $rc)"
	else
		fail "export_junit_$r" "rc=$rc failures=$fails"
	fi
	# TAP 14 agrees too
	"$KT" report --tap "$WORK/$r.rec" > "$WORK/$r.tap" 2> /dev/null
	trc=$?
	nok=$(grep -c '^not ok' "$WORK/$r.tap")
	case $rc in
	0) agree=$([ "$nok" = 0 ] && echo y) ;;
	*) agree=$([ "$nok" -ge 1 ] && echo y) ;;
	esac
	# Its YAML diagnostics are YAML: a mapping per failed case, each finding
	# one mapping in a list (with kind, cause, past_ns).
	yaml_ok=$(python3 - "$WORK/$r.tap" << 'PY'
import sys, yaml
blocks, cur = [], None
for line in open(sys.argv[1]):
    if line.rstrip() == "  ---":
        cur = []
    elif line.rstrip() == "  ..." and cur is not None:
        blocks.append(yaml.safe_load("".join(l[2:] for l in cur))); cur = None
    elif cur is not None:
        cur.append(line)
ok = all(isinstance(b, dict) and all(isinstance(f, dict) and {"kind", "cause", "past_ns"} <= set(f)
                                     for f in b.get("findings", [])) for b in blocks)
print("y" if ok and cur is None else "n", sum(len(b.get("findings", [])) for b in blocks))
PY
)
	if head -1 "$WORK/$r.tap" | grep -qx 'TAP version 14' && grep -qx '1\.\.4' "$WORK/$r.tap" && [ $trc = $rc ] && [ "$agree" = y ] && [ "${yaml_ok%% *}" = y ]; then
		pass "export_tap_$r (exit $trc, $nok not ok, YAML diagnostics with ${yaml_ok#* } findings)"
	else
		fail "export_tap_$r" "rc=$trc nok=$nok yaml=$yaml_ok"
	fi
done
[ "$(jq .verdict "$WORK/syn.a.json")" = '"violation"' ] || fail "export_synthetic_has_violations" "the synthetic recording should violate"
