/* SPDX-License-Identifier: GPL-2.0 */
/* kvmrace-trace's commands (main.c's table): argv[0] is the command's name. */
#ifndef KR_COMMANDS_H
#define KR_COMMANDS_H

#include <stdbool.h>

int kr_cmd_trace(int argc, char **argv);
int kr_cmd_report(int argc, char **argv);
int kr_cmd_check(int argc, char **argv);
/* Has the caller CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN? */
bool kr_have_caps(void);

#endif
