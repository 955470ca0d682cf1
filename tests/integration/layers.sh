#!/bin/bash
# The layering the design promises, checked on the build: the engine (engine,
# event, tidmap) needs nothing but memory from libc and nothing else of
# kvmrace; the import side never includes the outputs or libbpf; the outputs
# never include capture.
. "$(dirname "$0")/../lib.sh"
ENGINE="engine tidmap"
objs=""
for o in $ENGINE; do objs="$objs $BUILD/$o.o"; done
allowed="calloc free malloc memcpy memmove memset qsort realloc __stack_chk_fail memcmp"
need=$(nm -u $objs 2> /dev/null | awk '$1 == "U" {print $2}' | sort -u)
bad=""
for s in $need; do
	case " $allowed " in *" $s "*) continue ;; esac
	case $s in kr_tidmap_*) continue ;; esac
	bad="$bad $s"
done
check "layers_engine_pure (its objects need only libc's memory functions and each other${bad:+; also:$bad})" \
	test -n "$need" -a -z "$bad"

# includes: FILE -> headers it must not include
includes() { grep -h '^#include "' "$TOP/user/$1" | sed 's/#include "\(.*\)"/\1/'; }
forbid() {	# forbid NAME FILES... -- HEADERS...
	local name=$1 files="" hdrs="" f h hit=""
	shift
	while [ "$1" != -- ]; do files="$files $1"; shift; done
	shift
	hdrs="$*"
	for f in $files; do
		for h in $(includes "$f"); do
			case " $hdrs " in *" $h "*) hit="$hit $f:$h" ;; esac
		done
	done
	check "layers_$name${hit:+ (violations:$hit)}" test -z "$hit"
}
forbid engine_headers engine.c tidmap.c event.h -- export.h summary.h json.h capture.h import.h convert.h record.h input.h util.h
forbid import_no_outputs ftline.c convert.c import.c input.c source.c tracedat.c -- export.h summary.h json.h capture.h capture_ftrace.h
forbid outputs_no_capture summary.c export.c json.c decode.c -- capture.h capture_ftrace.h probe.h btf.h import.h
# Function bodies of user/ fit a screen (about 80 lines).
long=$(awk 'FNR == 1 { start = 0 } /^[a-z].*\)$/ { name = $0; line = FNR } /^\{$/ { start = FNR } /^\}$/ && start { if (FNR - start > 80) print FILENAME ":" line " " FNR - start " lines"; start = 0 }' "$TOP"/user/*.c)
check "layers_functions_fit_a_screen${long:+ ($long)}" test -z "$long"
