// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_record: bytes -> a recording file (memfd) -> kvmrace-trace report on
 * it (fz_report: the source, kr_reader_open / kr_reader_next, the engine as
 * job.c makes it, lost and end records, truncation) -> every output, each
 * checked.  A reader error is one line and ends the run, as in report.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz_file in;
	static int ready;

	if (!ready) {
		fz_file_init(&in, "recording");
		ready = 1;
	}
	fz_file_set(&in, data, size);
	fz_report(in.path, "kvmrace", false, size & 2);
	return 0;
}
