/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared parts of the fuzz harnesses (tests/fuzz/fuzz_*.c): inputs and
 * outputs in memory (memfds with /proc/self/fd paths), every output writer
 * of one engine run, and strict checkers of what they wrote (JSON, XML, TAP,
 * perf script).  A checker failure aborts: an output bug is a crash.
 *
 * Each harness is built twice: with clang -fsanitize=fuzzer (libFuzzer's
 * main) and with gcc plus replay.c's main, which runs
 * LLVMFuzzerTestOneInput over files and directories (the regression inputs
 * and the corpus, in the unit tests).
 */
#ifndef KR_FUZZ_H
#define KR_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "engine.h"
#include "run.h"
#include "summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A file in memory: a memfd that other code opens by path. */
struct fz_file {
	int fd;
	char path[48];
};

void fz_file_init(struct fz_file *f, const char *name);
void fz_file_set(struct fz_file *f, const void *data, size_t n);
/* The file's content, malloc'd and NUL-terminated (*n without the NUL). */
char *fz_file_get(const struct fz_file *f, size_t *n);
void fz_file_clear(struct fz_file *f);

/* What the engine's sink gave, in order: the perf-script export must give
 * it back. */
struct fz_rec {
	uint64_t ts, seq;
	uint32_t pid, tid;
	uint16_t cpu;
	bool finding;
	struct kr_event ev;	/* an event: its payload fields */
	uint8_t kind;		/* a finding: enum kr_kind */
};

/* Every output writer of one engine run: the human summary (kr_print_summary)
 * and the exports (kr_export_*): JSON, perf script, Perfetto, JUnit, TAP. */
struct fz_run {
	struct kr_export *x;
	bool perfetto;
	uint64_t events, findings;	/* seen by the engine's sink */
	struct fz_rec *rec;
	size_t nrec, caprec;
};

/* Opens the exports (aborts if it cannot: memfds do not fail).  Perfetto
 * only if perfetto: its close reads the exporter's whole 4096-track table,
 * ~50 page faults per run, which on this VM halve the executions/s; the
 * harnesses enable it for half their inputs. */
void fz_run_open(struct fz_run *o, const struct kr_run_info *ri, bool perfetto);
/* The engine's sink: counts, then the exports. */
void fz_run_sink(void *ctx, const struct kr_event *ev, const struct kr_finding *f);
/* Writes every output of the finished engine's result and checks each;
 * aborts naming the output, the offset and the rule it broke. */
void fz_run_close(struct fz_run *o, const struct kr_result *r, const struct kr_run_info *ri);

/* Checkers: NULL if the text is fine, else what is wrong (static), with
 * the offset in *at. */
const char *fz_check_json(const char *s, size_t n, size_t *at);
const char *fz_check_xml(const char *s, size_t n, size_t *at);
const char *fz_check_tap(const char *s, size_t n, size_t *at);
/* kvmrace's perf-script export: every record parses back (the importer's
 * line parser and kr_perf_kvmrace_event) to what the engine gave: one per
 * event and finding, in time order (recs sorted so), with its time, pid,
 * tid, CPU, name and, for events, every payload field and the comm. */
const char *fz_check_perf_script(const char *s, size_t n, const struct fz_rec *recs, size_t nrec, size_t *at);

/* Prints what broke, with the text around the offset, and aborts. */
void fz_fail(const char *what, const char *msg, const char *s, size_t n, size_t at) __attribute__((noreturn));

/* A run_info with these arch and hooks (and "fuzz" for the rest). */
void fz_run_info(struct kr_run_info *ri, const char *arch, const char *hooks);

/* The engine report makes for a run (job.c): its mode and evidence from the
 * run's arch and hooks. */
struct kr_engine *fz_engine_for(const struct kr_run_info *ri, struct kr_engine_opts *eo);

/* kvmrace-trace report on one file, as cmd_report.c and job.c run it: the
 * source (format NULL: from the content, or a --format name), the engine,
 * and every output checked; an error is one line.  The Perfetto export only
 * if perfetto (fz_run_open). */
void fz_report(const char *path, const char *format, bool lenient, bool perfetto);

#endif
