/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal test harness: CHECK() records a failure with file:line; each
 * TEST() function is one test case.  main() ends with "N passed, N failed".
 */
#ifndef KR_TAP_H
#define KR_TAP_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int t_case_failed, t_passed, t_failed, t_num;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			printf("#   %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			t_case_failed = 1;                                             \
		}                                                                      \
	} while (0)

#define CHECK_EQ(a, b)                                                                     \
	do {                                                                               \
		uint64_t _a = (uint64_t)(a), _b = (uint64_t)(b);                           \
		if (_a != _b) {                                                            \
			printf("#   %s:%d: %s == %s failed: %" PRIu64 " != %" PRIu64 "\n", __FILE__, \
			       __LINE__, #a, #b, _a, _b);                                  \
			t_case_failed = 1;                                                 \
		}                                                                          \
	} while (0)

#define RUN(fn)                                                                \
	do {                                                                   \
		t_case_failed = 0;                                             \
		fn();                                                          \
		t_num++;                                                       \
		printf("%s %d - %s\n", t_case_failed ? "not ok" : "ok", t_num, #fn); \
		if (t_case_failed)                                             \
			t_failed++;                                            \
		else                                                           \
			t_passed++;                                            \
	} while (0)

#define DONE()                                                    \
	do {                                                      \
		printf("%d passed, %d failed\n", t_passed, t_failed); \
		return t_failed ? 1 : 0;                          \
	} while (0)

#endif
