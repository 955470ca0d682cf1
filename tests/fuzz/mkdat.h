/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A trace-cmd trace.dat (file format version 6, uncompressed, little
 * endian, 64-bit) of a synthetic x86 KVM run, for the trace.dat reader's
 * tests, its benchmark and the fuzz corpus.  The records are the kernel's:
 * the event formats are this repository's copies of the tracefs format files
 * (tests/fuzz/dat/formats), the CPU data is ring-buffer pages as the kernel
 * writes them (page header, 4-byte event headers, time extends, long events
 * with their length word).  trace-cmd converts the result to version 7,
 * compressed (trace-cmd convert), and reads both.
 *
 * Each KVM_RUN cycle of a vCPU (vCPUs in turn, on CPU vcpu % cpus) is 7
 * records: kvm_fpu load, kvm_entry, signal_generate from a sender task on
 * another CPU, kvm_exit, kvm_fpu unload, kvm_userspace_exit (restart),
 * signal_deliver.  Every late_every-th cycle the exit comes 3 ms after the
 * signal (a late_exit over a 1 ms threshold); otherwise 1 us after.
 */
#ifndef KR_MKDAT_H
#define KR_MKDAT_H

#include <stddef.h>
#include <stdint.h>

struct mkdat_opts {
	uint64_t records;	/* records to write (the last cycle may be cut) */
	unsigned cpus;		/* CPUs with data, 1..64 */
	unsigned vcpus;		/* 1..1000 */
	unsigned late_every;	/* 0: never late */
	unsigned page_size;	/* 0: 4096 */
	const char *formats;	/* the format files' directory */
};

struct mkdat_counts {
	uint64_t records;
	uint64_t signals;	/* signal_generate records (each a request) */
	uint64_t late;		/* cycles with a late exit */
	uint64_t pages;
};

/* 0, or -1 with a message in err. */
int kr_mkdat(const char *path, const struct mkdat_opts *o, struct mkdat_counts *c, char *err, size_t errlen);

/* A trace.dat of real ring-buffer pages: every page the tracefs instance
 * (its directory) has on each CPU, read from trace_pipe_raw as the kernel
 * hands them out (stop tracing first: the partial pages come too), with the
 * instance's format files of events ("system/event,..."); c->pages counts
 * them (c->records is not known: the kernel wrote them). */
int kr_mkdat_raw(const char *path, const char *instance, const char *events, struct mkdat_counts *c, char *err,
		 size_t errlen);

#endif
