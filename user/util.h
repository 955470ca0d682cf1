/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KR_UTIL_H
#define KR_UTIL_H

#include <stdbool.h>
#include <stdint.h>

/* "500us", "2ms", "1s", "1500" (ns), "1.5ms": 0 or -1. */
int kr_parse_time_ns(const char *s, uint64_t *ns);
int kr_parse_seconds(const char *s, double *sec);
int kr_parse_long(const char *s, long *v);
uint64_t kr_now_ns(void);

#endif
