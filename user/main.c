// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrace-trace: catch a KVM host letting a vCPU run in the guest after a
 * signal or a reschedule request became pending for it.
 *
 * Commands (bpftool-style table): trace (the default), report, check.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "commands.h"

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
		{ "trace", kr_cmd_trace }, { "report", kr_cmd_report }, { "check", kr_cmd_check },
	};
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && argv[1][0] != '-') {
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			if (!strcmp(argv[1], cmds[i].name))
				return cmds[i].fn(argc - 1, argv + 1);
		fprintf(stderr, "kvmrace-trace: unknown command '%s' (trace, report, check; see --help)\n", argv[1]);
		return 1;
	}
	return kr_cmd_trace(argc, argv);
}
