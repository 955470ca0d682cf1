/* SPDX-License-Identifier: GPL-2.0 */
/* Human and JSON views of one engine result; the same for live and replay. */
#ifndef KR_SUMMARY_H
#define KR_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>
#include "engine.h"
#include "run.h"

#define KR_VERSION "0.1.0"
#define KR_SCHEMA "kvmrace/1"

int kr_exit_status(const struct kr_result *r);
void kr_print_summary(FILE *f, const struct kr_result *r, const struct kr_run_info *ri, bool verbose);
void kr_print_json(FILE *f, const struct kr_result *r, const struct kr_run_info *ri);
void kr_fmt_ns(uint64_t ns, char *buf, size_t len);

#endif
