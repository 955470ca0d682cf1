#!/bin/bash
# Installing kvmrace: make install/uninstall (layout, PREFIX, DESTDIR, exact
# removal), the Debian package (built, installed, run, removed), the bash
# completion, the man pages and README against each binary's own --help, and
# every relative link in the Markdown.
. "$(dirname "$0")/../lib.sh"
VER=$("$KT" -V | awk '{print $2}')
MK=(make -C "$TOP" --no-print-directory BUILD="$BUILD")
APT_LOCK=/tmp/kvmrace-apt.lock

# ---- documentation against --help ----------------------------------------

# help_opts BIN: every option BIN --help lists (short and long), one a line.
help_opts() {
	"$1" --help | grep -oE '^ +(-[A-Za-z0-9], )?--[a-z0-9][a-z0-9-]*' | grep -oE -- '--?[A-Za-z0-9][a-z0-9-]*' | sort -u
}
# man_opts FILE: the options the man page's OPTIONS section has an entry for
# (the line after each .TP).
man_opts() {
	awk '/^\.SH /{o = ($2 == "OPTIONS"); next} o && p ~ /^\.TP/ {print} {p = $0}' "$1" |
		sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' | grep -oE -- '(^|[ "])--?[A-Za-z0-9][a-z0-9-]*' |
		sed 's/^[ "]*//' | sort -u
}

for bin in kvmrace-trace kvmrace-load; do
	exe=$BUILD/$bin
	man=$(ls "$TOP"/docs/"$bin".[18])
	help_opts "$exe" > "$WORK/help.$bin"
	man_opts "$man" > "$WORK/man.$bin"
	n=$(wc -l < "$WORK/help.$bin")
	missing=$(comm -23 "$WORK/help.$bin" "$WORK/man.$bin" | tr '\n' ' ')
	stale=$(comm -13 "$WORK/help.$bin" "$WORK/man.$bin" | tr '\n' ' ')
	if [ "$n" -ge 4 ] && [ -z "$missing$stale" ]; then
		pass "doc_${bin}_man_options ($n options of --help, each an entry in $(basename "$man"), none extra)"
	else
		fail "doc_${bin}_man_options" "$n in --help; not in the man page: ${missing:-none}; in the man page only: ${stale:-none}"
	fi
	missing=
	for o in $(grep -- '^--' "$WORK/help.$bin"); do
		grep -qE -- "(^|[^a-z0-9-])$o([^a-z0-9-]|$)" "$TOP/README.md" || missing+="$o "
	done
	if [ -z "$missing" ]; then
		pass "doc_${bin}_readme_options ($(grep -c -- '^--' "$WORK/help.$bin") long options of --help, each in README.md)"
	else
		fail "doc_${bin}_readme_options" "not in README.md: $missing"
	fi
	warn=$(groff -man -ww -z -Tutf8 "$man" 2>&1)
	name=$(MANWIDTH=200 man -l "$man" 2>/dev/null | grep -A1 '^NAME' | tail -1 | tr -s ' ')
	th=$(grep -m1 '^\.TH' "$man")
	if [ -z "$warn" ] && [[ $name == *"$bin - "* ]] && [[ $th == *"\"kvmrace $VER\""* ]]; then
		pass "doc_${bin}_man_renders (no groff warning; kvmrace $VER; NAME: ${name# *})"
	else
		fail "doc_${bin}_man_renders" "warnings: $warn; NAME line: $name; $th (binary: $VER)"
	fi
done

# ---- relative links in README.md, docs/**.md, tests/**/README.md ----------
# Markdown links (and their #anchors, as GitHub makes them from headings) and
# ./ ../ paths named in the text must resolve inside the repository.
cat > "$WORK/links.py" << 'EOF'
import os, re, sys
top = os.path.realpath(sys.argv[1])
files = [os.path.join(top, "README.md")]
for base in ("docs", "tests"):
    for d, _, fs in os.walk(os.path.join(top, base)):
        files += [os.path.join(d, f) for f in fs if f.endswith(".md") and (base == "docs" or f == "README.md")]

def slugs(path):
    out, seen, fence = set(), {}, False
    for line in open(path, encoding="utf-8"):
        if line.startswith("```"):
            fence = not fence
        if fence:
            continue
        m = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            s = re.sub(r"[^\w\- ]", "", m.group(1).lower()).replace(" ", "-")
            n = seen.get(s, 0)
            seen[s] = n + 1
            out.add(s if n == 0 else "%s-%d" % (s, n))
    return out

bad, nlinks = [], 0
for f in sorted(files):
    rel = os.path.relpath(f, top)
    fence = False
    for no, line in enumerate(open(f, encoding="utf-8"), 1):
        if line.startswith("```"):
            fence = not fence
            continue
        if fence:
            continue
        targets = re.findall(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)", re.sub(r"`[^`]*`", "", line))
        targets += re.findall(r"(?<![\w/.])(\.\.?/[\w./-]*[\w/])", line)
        for t in dict.fromkeys(targets):
            if re.match(r"[a-z]+:", t):
                continue
            nlinks += 1
            path, _, anchor = t.partition("#")
            dest = os.path.realpath(os.path.join(os.path.dirname(f), path)) if path else f
            where = "%s:%d: %s" % (rel, no, t)
            if not (dest == top or dest.startswith(top + os.sep)):
                bad.append(where + " (outside the repository)")
            elif not os.path.exists(dest):
                bad.append(where + " (no such file)")
            elif anchor and dest.endswith(".md") and anchor not in slugs(dest):
                bad.append(where + " (no such heading)")
print("%d files, %d relative links" % (len(files), nlinks))
for b in bad:
    print("dead: " + b)
sys.exit(1 if bad else 0)
EOF
if out=$(python3 "$WORK/links.py" "$TOP" 2>&1); then
	pass "doc_relative_links ($out)"
else
	fail "doc_relative_links" "$(echo "$out" | head -8 | tr '\n' ';')"
fi

# ---- bash completion ------------------------------------------------------
# comp FILE FUNC WORD...: the completions FUNC gives with the cursor on the
# last WORD (COMP_WORDS/COMP_CWORD set as bash sets them), sorted, one a line.
cat > "$WORK/comp.sh" << 'EOF'
src=$1 func=$2; shift 2
source "$src" || exit 1
COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
"$func" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}" | sort -u | sed '/^$/d'
EOF
CF=$TOP/scripts/bash-completion/kvmrace
comp() { PATH=$BUILD:$PATH bash --norc --noprofile "$WORK/comp.sh" "$@"; }
# expect NAME GOT WANT: the same words, whatever the order
expect() {
	local got want
	got=$(echo $2 | tr ' ' '\n' | sort -u | tr '\n' ' ')
	want=$(echo $3 | tr ' ' '\n' | sort -u | tr '\n' ' ')
	if [ "$got" = "$want" ]; then pass "$1 ($got)"; else fail "$1" "got '$got', want '$want'"; fi
}

reg=$(bash --norc --noprofile -c "source '$CF' && complete -p kvmrace-trace kvmrace-load" 2>&1)
if [[ $reg == *"-F _kvmrace_trace kvmrace-trace"* && $reg == *"-F _kvmrace_load kvmrace-load"* ]]; then
	pass "completion_registered (complete -p: $(echo "$reg" | tr '\n' ';'))"
else
	fail "completion_registered" "$reg"
fi
expect completion_commands "$(comp "$CF" _kvmrace_trace "$KT" '')" "trace report check"
expect completion_attach_methods "$(comp "$CF" _kvmrace_trace "$KT" --attach '')" \
	"tp_btf raw_tp tracepoint fentry kprobe auto"
expect completion_backends "$(comp "$CF" _kvmrace_trace "$KT" trace --backend '')" "auto bpf ftrace"
expect completion_report_formats "$(comp "$CF" _kvmrace_trace "$KT" report --format '')" \
	"kvmrace ftrace trace.dat perf"
expect completion_check_options "$(comp "$CF" _kvmrace_trace "$KT" check --)" "--btf --help"
# Options: every long option of --help (read here independently), live-only
# ones not offered to report, report-only ones not offered to trace.
rep_only=$("$KT" --help | sed -nE 's/^ +(-[A-Za-z], )?(--[a-z0-9-]+)( [^ ]+)? +report:.*/\2/p' | sort)
all_long=$(grep -- '^--' "$WORK/help.kvmrace-trace")
live_only="--duration --output --buffer-kb --backend --attach --btf --prog-stats"
expect completion_trace_options "$(comp "$CF" _kvmrace_trace "$KT" --)" \
	"-- $(comm -23 <(echo "$all_long") <(echo "$rep_only"))"
expect completion_report_options "$(comp "$CF" _kvmrace_trace "$KT" report --)" \
	"$(comm -23 <(echo "$all_long") <(echo "$live_only" | tr ' ' '\n' | sort))"
mkdir -p "$WORK/c"
touch "$WORK/c/run1.kvmrace" "$WORK/c/run2.kvmrace" "$WORK/c/trace.txt"
expect completion_report_files "$(comp "$CF" _kvmrace_trace "$KT" report -t 2ms "$WORK/c/run")" \
	"$WORK/c/run1.kvmrace $WORK/c/run2.kvmrace"
expect completion_output_file "$(comp "$CF" _kvmrace_trace "$KT" -o "$WORK/c/tr")" "$WORK/c/trace.txt"
expect completion_no_value_for_threshold "$(comp "$CF" _kvmrace_trace "$KT" -t '')" ""
expect completion_command_after_dashes "$(comp "$CF" _kvmrace_trace "$KT" -t 2ms -- kvmrace-lo)" "kvmrace-load"
expect completion_load_options "$(comp "$CF" _kvmrace_load "$KL" --)" "$(grep -- '^--' "$WORK/help.kvmrace-load")"
expect completion_load_cpus "$(comp "$CF" _kvmrace_load "$KL" --storm-cpu '')" "$(seq 0 $(($(getconf _NPROCESSORS_CONF) - 1)))"

# ---- make install / uninstall ---------------------------------------------
D=$WORK/dest
expected_layout() {	# expected_layout PREFIX: every path install lays, sorted
	local p=${1#/} f
	{
		echo "$p/sbin/kvmrace-trace"; echo "$p/bin/kvmrace-load"
		echo "$p/share/man/man8/kvmrace-trace.8"; echo "$p/share/man/man1/kvmrace-load.1"
		echo "$p/share/bash-completion/completions/kvmrace-trace"
		echo "$p/share/bash-completion/completions/kvmrace-load"
		echo "$p/share/doc/kvmrace/README.md"
		for f in "$TOP"/docs/*.md; do echo "$p/share/doc/kvmrace/docs/${f##*/}"; done
		for f in README.md p9-clean.kvmrace p9-injected.kvmrace p9-injected.injections p9-injected.log; do
			echo "$p/share/doc/kvmrace/examples/$f"
		done
	} | sort
}
laid() { (cd "$1" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort); }

"${MK[@]}" install DESTDIR="$D" > "$WORK/inst.log" 2>&1
rc=$?
P=$D/usr/local
diffs=$(diff <(expected_layout /usr/local) <(laid "$D") | grep '^[<>]' | tr '\n' ' ')
same=1
for pair in "sbin/kvmrace-trace:$BUILD/kvmrace-trace" "bin/kvmrace-load:$BUILD/kvmrace-load" \
	"share/man/man8/kvmrace-trace.8:$TOP/docs/kvmrace-trace.8" "share/man/man1/kvmrace-load.1:$TOP/docs/kvmrace-load.1" \
	"share/bash-completion/completions/kvmrace-load:$CF" "share/doc/kvmrace/examples/p9-clean.kvmrace:$TOP/tests/fixtures/power/p9-clean.kvmrace"; do
	cmp -s "$P/${pair%%:*}" "${pair#*:}" || { same=0; diffs+="${pair%%:*} differs "; }
done
[ -x "$P/sbin/kvmrace-trace" ] && [ -x "$P/bin/kvmrace-load" ] && [ "$(stat -c %a "$P/share/man/man8/kvmrace-trace.8")" = 644 ] || { same=0; diffs+="modes "; }
[ "$(readlink "$P/share/bash-completion/completions/kvmrace-load")" = kvmrace-trace ] || { same=0; diffs+="completion link "; }
if [ $rc = 0 ] && [ -z "$diffs" ] && [ $same = 1 ]; then
	pass "install_layout ($(laid "$D" | wc -l) files under DESTDIR/usr/local, each as built)"
else
	fail "install_layout" "rc=$rc $diffs $(tail -3 "$WORK/inst.log")"
fi
"$P/sbin/kvmrace-trace" report -q -t 2ms "$P/share/doc/kvmrace/examples/p9-clean.kvmrace"
rc1=$?
"$P/sbin/kvmrace-trace" report -q "$P/share/doc/kvmrace/examples/p9-injected.kvmrace"
rc2=$?
if [ $rc1 = 0 ] && [ $rc2 = 2 ]; then
	pass "install_runs (installed report: p9-clean exit 0, p9-injected exit 2)"
else
	fail "install_runs" "p9-clean exit $rc1 (want 0), p9-injected exit $rc2 (want 2)"
fi

# Uninstall removes exactly what install laid: files of others stay.
mkdir -p "$P/share/doc/other" && touch "$P/bin/other" "$P/share/doc/other/README" "$P/share/bash-completion/completions/other"
"${MK[@]}" uninstall DESTDIR="$D" > "$WORK/uninst.log" 2>&1
rc=$?
"${MK[@]}" uninstall DESTDIR="$D" > /dev/null 2>&1
rc_again=$?
left=$(laid "$D" | tr '\n' ' ')
ours=$(cd "$D" && find . -name '*kvmrace*' | tr '\n' ' ')
if [ $rc = 0 ] && [ $rc_again = 0 ] && [ "$left" = "usr/local/bin/other usr/local/share/bash-completion/completions/other usr/local/share/doc/other/README " ] && [ -z "$ours" ]; then
	pass "uninstall_exact (only the 3 files of others left, nothing named kvmrace; a second uninstall exits 0)"
else
	fail "uninstall_exact" "rc=$rc again=$rc_again left: $left; ours: $ours"
fi

# PREFIX and the directory variables move everything.
"${MK[@]}" install DESTDIR="$WORK/d2" PREFIX=/opt/kvmrace > /dev/null 2>&1
diffs=$(diff <(expected_layout /opt/kvmrace) <(laid "$WORK/d2") | grep '^[<>]' | tr '\n' ' ')
"${MK[@]}" uninstall DESTDIR="$WORK/d2" PREFIX=/opt/kvmrace > /dev/null 2>&1
if [ -z "$diffs" ] && [ -z "$(laid "$WORK/d2")" ]; then
	pass "install_prefix (PREFIX=/opt/kvmrace: the same layout there, and uninstall empties it)"
else
	fail "install_prefix" "$diffs; left: $(laid "$WORK/d2" | tr '\n' ' ')"
fi

# ---- the Debian package (KVMRACE_SKIP_DEB=1 skips it) ------------------------
ARCH_DEB=$(dpkg --print-architecture 2>/dev/null)
DEB=$TOP/build/deb/kvmrace_${VER}_$ARCH_DEB.deb
have_builddeps() { (cd "$TOP" && dpkg-checkbuilddeps > /dev/null 2>&1); }
if [ "${KVMRACE_SKIP_DEB:-0}" = 1 ]; then
	skip deb_build "KVMRACE_SKIP_DEB=1"
	exit 0
fi
if ! command -v dpkg-buildpackage > /dev/null; then
	skip deb_build "no dpkg-buildpackage"
	exit 0
fi
if ! have_builddeps && [ "$(id -u)" = 0 ]; then
	make -C "$TOP" --no-print-directory deb-deps > "$WORK/deps.log" 2>&1 || true
fi
if ! have_builddeps; then
	skip deb_build "build dependencies missing and not root to install them: $(cd "$TOP" && dpkg-checkbuilddeps 2>&1 | tail -1)"
	exit 0
fi
# With BUILD= on make's command line, as a caller may give it: the package's
# own make must neither take it nor clean it.
"${MK[@]}" deb > "$WORK/deb.log" 2>&1
rc=$?
strays=$(cd "$TOP" && ls -d ./*.deb ./*.changes ./*.buildinfo ./*.ddeb ./debian/kvmrace ./debian/files 2>/dev/null | tr '\n' ' ')
[ -x "$KT" ] && [ -x "$KL" ] || strays+="$BUILD/kvmrace-trace or kvmrace-load gone "
if [ $rc = 0 ] && [ -f "$DEB" ] && [ -z "$strays" ]; then
	pass "deb_build ($(basename "$DEB"), $(stat -c %s "$DEB") bytes, in build/deb/; nothing left in the tree, $BUILD intact)"
else
	fail "deb_build" "rc=$rc deb=$(ls "$TOP"/build/deb/ 2>&1 | tr '\n' ' ') strays: $strays; $(tail -5 "$WORK/deb.log" | tr '\n' ';')"
	exit 0
fi

dpkg-deb -c "$DEB" | awk '{print $6 ($7 == "->" ? " -> " $8 : "")}' | sed 's|^\./||' > "$WORK/deb.list"
want="usr/sbin/kvmrace-trace usr/bin/kvmrace-load usr/share/man/man8/kvmrace-trace.8.gz usr/share/man/man1/kvmrace-load.1.gz
usr/share/bash-completion/completions/kvmrace-trace usr/share/doc/kvmrace/copyright usr/share/doc/kvmrace/examples/p9-clean.kvmrace
usr/share/doc/kvmrace/examples/p9-injected.kvmrace"
missing=
for f in $want; do grep -qx "$f" "$WORK/deb.list" || missing+="$f "; done
grep -qx 'usr/share/bash-completion/completions/kvmrace-load -> kvmrace-trace' "$WORK/deb.list" || missing+="completion link "
dep=$(dpkg-deb -f "$DEB" Depends)
ver=$(dpkg-deb -f "$DEB" Version)
if [ -z "$missing" ] && [[ $dep == *"libbpf1 (>="* && $dep == *"libc6 (>="* && $dep != *'${'* ]] && [ "$ver" = "$VER" ]; then
	pass "deb_contents ($(grep -vc '/$' "$WORK/deb.list") files; Version $ver; Depends: $dep)"
else
	fail "deb_contents" "missing: ${missing:-none}; Version $ver (binary says $VER); Depends: $dep"
fi

if [ "$(id -u)" != 0 ]; then
	skip deb_install "not root"
	exit 0
fi
if dpkg -s kvmrace 2>/dev/null | grep -q '^Status: install'; then
	skip deb_install "a kvmrace package is installed already: not touching it"
	exit 0
fi
purge_ours() { flock "$APT_LOCK" dpkg -P kvmrace > /dev/null 2>&1; }
trap 'purge_ours; rm -rf "$WORK"' EXIT
flock "$APT_LOCK" apt-get install -y -qq --no-install-recommends "$DEB" > "$WORK/apt.log" 2>&1
rc=$?
if [ $rc = 0 ] && dpkg -s kvmrace | grep -q '^Status: install ok installed'; then
	pass "deb_install (apt-get install $(basename "$DEB"))"
else
	fail "deb_install" "rc=$rc $(tail -3 "$WORK/apt.log" | tr '\n' ';')"
	exit 0
fi

v=$(/usr/sbin/kvmrace-trace -V)
lh=$(/usr/bin/kvmrace-load --help | head -1)
if [ "$v" = "kvmrace-trace $VER (schema kvmrace/1)" ] && [ "$lh" = "Usage: kvmrace-load [OPTIONS]" ] &&
   dpkg -L kvmrace | grep -qx /usr/sbin/kvmrace-trace; then
	pass "deb_version ($v; kvmrace-load --help runs)"
else
	fail "deb_version" "-V: '$v'; kvmrace-load: '$lh'"
fi

# check: its output lines, not the verdict this host can give.
/usr/sbin/kvmrace-trace check > "$WORK/check.out" 2>&1
rc=$?
missing=
grep -qx "kvmrace-trace $VER check" "$WORK/check.out" || missing+="header "
for k in arch kernel 'kernel BTF' 'CO-RE types' /dev/kvm privileges ftrace hooks 'entry path' verdict; do
	grep -qE "^  $k +: " "$WORK/check.out" || missing+="'$k' "
done
for h in kvm_fpu kvm_userspace_exit signal_generate sched_switch sched_wakeup; do
	grep -qE "^ +$h +" "$WORK/check.out" || missing+="hook $h "
done
"$KT" check > "$WORK/check.build" 2>&1
if { [ $rc = 0 ] || [ $rc = 1 ]; } && [ -z "$missing" ] && cmp -s "$WORK/check.out" "$WORK/check.build"; then
	pass "deb_check (exit $rc, every line there and as the build tree's: $(grep 'verdict' "$WORK/check.out" | sed 's/^ *//'))"
else
	fail "deb_check" "rc=$rc missing: ${missing:-none}; $(diff "$WORK/check.build" "$WORK/check.out" | head -4 | tr '\n' ';')"
fi

EX=/usr/share/doc/kvmrace/examples
/usr/sbin/kvmrace-trace report -q -t 2ms --json "$WORK/clean.json" "$EX/p9-clean.kvmrace"
rc1=$?
"$KT" report -q -t 2ms --json "$WORK/clean.build.json" "$TOP/tests/fixtures/power/p9-clean.kvmrace"
/usr/sbin/kvmrace-trace report -q --json "$WORK/inj.json" "$EX/p9-injected.kvmrace"
rc2=$?
inj=$(awk '{n += $2} END {print n}' "$EX/p9-injected.injections")
if [ $rc1 = 0 ] && jqe '.verdict == "pass" and .runs > 0' "$WORK/clean.json" && cmp -s "$WORK/clean.json" "$WORK/clean.build.json" &&
   [ $rc2 = 2 ] && jqe ".verdict == \"violation\" and .findings_total.entered_pending == $inj" "$WORK/inj.json"; then
	pass "deb_report (examples: p9-clean pass, JSON as the build tree's; p9-injected exit 2, $inj injections = $inj entered_pending)"
else
	fail "deb_report" "clean exit $rc1 $(jq -c '{verdict, runs}' "$WORK/clean.json" 2>&1); injected exit $rc2 $(jq -c '{verdict, findings_total}' "$WORK/inj.json" 2>&1), $inj injections"
fi

m8=$(man -w kvmrace-trace 2>&1)
m1=$(man -w 1 kvmrace-load 2>&1)
if [ "$m8" = /usr/share/man/man8/kvmrace-trace.8.gz ] && [ "$m1" = /usr/share/man/man1/kvmrace-load.1.gz ] &&
   MANWIDTH=100 man kvmrace-load 2>/dev/null | grep -q -- '--storm-cpu'; then
	pass "deb_man (man finds kvmrace-trace(8) and kvmrace-load(1))"
else
	fail "deb_man" "kvmrace-trace: $m8; kvmrace-load: $m1"
fi

reg=$(bash --norc --noprofile -c 'source /usr/share/bash-completion/completions/kvmrace-load && complete -p kvmrace-trace kvmrace-load' 2>&1)
BC=/usr/share/bash-completion/bash_completion
if [ -f $BC ]; then	# bash-completion's own loader finds the file by command name
	reg2=$(bash --norc --noprofile -c ". $BC; __load_completion kvmrace-load; complete -p kvmrace-load" 2>&1)
else
	reg2="-F _kvmrace_load kvmrace-load (bash-completion not installed: loader not tried)"
fi
if [[ $reg == *"-F _kvmrace_trace kvmrace-trace"* && $reg == *"-F _kvmrace_load kvmrace-load"* && $reg2 == *"-F _kvmrace_load kvmrace-load"* ]]; then
	pass "deb_completion (${reg2##*kvmrace-load})"
else
	fail "deb_completion" "$reg; loader: $reg2"
fi

flock "$APT_LOCK" dpkg -r kvmrace > "$WORK/rm.log" 2>&1
rc1=$?
gone=1
for f in /usr/sbin/kvmrace-trace /usr/bin/kvmrace-load /usr/share/man/man8/kvmrace-trace.8.gz \
	/usr/share/bash-completion/completions/kvmrace-trace /usr/share/bash-completion/completions/kvmrace-load $EX; do
	[ -e "$f" ] || [ -L "$f" ] && gone=0
done
flock "$APT_LOCK" dpkg -P kvmrace >> "$WORK/rm.log" 2>&1
rc2=$?
if [ $rc1 = 0 ] && [ $rc2 = 0 ] && [ $gone = 1 ] && ! dpkg -s kvmrace > /dev/null 2>&1 && [ ! -e /usr/share/doc/kvmrace ]; then
	pass "deb_remove (dpkg -r: every file gone; dpkg -P: no trace of the package)"
else
	fail "deb_remove" "dpkg -r exit $rc1, -P exit $rc2, files gone: $gone; $(tail -3 "$WORK/rm.log" | tr '\n' ';')"
fi
