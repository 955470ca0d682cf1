// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrace-synth: write a synthetic recording of N events (for the replay
 * benchmark and for tests on hosts without KVM).  vCPUs run on CPUs in
 * turn; each KVM_RUN sees a request, mostly honoured at once, every 1000th
 * late by 3 ms.  Per-CPU bursts are slightly out of order, as live.
 *
 *   kvmrace-synth -n EVENTS -o FILE [-v VCPUS] [--late-every N]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "record.h"

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "events", 1, 0, 'n' }, { "output", 1, 0, 'o' }, { "vcpus", 1, 0, 'v' },
		{ "late-every", 1, 0, 'l' }, { 0 },
	};
	unsigned long long n = 1000000, i = 0, late_every = 1000, cycle = 0;
	const char *out = NULL;
	unsigned nv = 4;
	struct kr_run_info info;
	struct kr_writer *w;
	struct kr_event ev;
	uint64_t t = 1000000000ull;
	int c;

	while ((c = getopt_long(argc, argv, "n:o:v:l:", lo, NULL)) != -1) {
		switch (c) {
		case 'n': n = strtoull(optarg, NULL, 10); break;
		case 'o': out = optarg; break;
		case 'v': nv = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'l': late_every = strtoull(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: kvmrace-synth -n EVENTS -o FILE [-v VCPUS] [--late-every N]\n");
			return 1;
		}
	}
	if (!out || !nv || nv > 4096 || !late_every) {
		fprintf(stderr, "kvmrace-synth: -o FILE is required; -v 1..4096; --late-every >= 1\n");
		return 1;
	}
	memset(&info, 0, sizeof(info));
	snprintf(info.arch, sizeof(info.arch), "x86");
	snprintf(info.kernel, sizeof(info.kernel), "synthetic");
	snprintf(info.clock, sizeof(info.clock), "CLOCK_MONOTONIC");
	snprintf(info.hooks, sizeof(info.hooks), "kvm_fpu:synthetic,signal_generate:synthetic");
	snprintf(info.host, sizeof(info.host), "synthetic");
	w = malloc(sizeof(*w));
	if (!w || kr_writer_open(w, out, &info)) {
		perror(out);
		return 1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.pid = 4242;
	ev.flags = KR_F_VCPU | KR_F_TIF;
	while (i < n) {
		/* one KVM_RUN cycle of one vCPU: 6 events */
		static const uint8_t seq[] = { KR_EV_RUN_BEGIN, KR_EV_REQUEST, KR_EV_SWITCH_OUT,
					       KR_EV_SWITCH_IN, KR_EV_RUN_END, KR_EV_USER_EXIT };
		unsigned v = (unsigned)(cycle % nv);
		bool late = cycle % late_every == late_every - 1;
		uint64_t base = t;
		size_t k;

		ev.tid = 5000 + v;
		ev.vcpu = (int)v;
		ev.cpu = (uint16_t)(v % 64);
		snprintf(ev.comm, sizeof(ev.comm), "CPU %u/KVM", v);
		for (k = 0; k < sizeof(seq) && i < n; k++, i++) {
			ev.type = seq[k];
			ev.cause = (cycle & 1) ? KR_CAUSE_SIGNAL : KR_CAUSE_RESCHED;
			ev.reason = ev.type == KR_EV_REQUEST && ev.cause == KR_CAUSE_SIGNAL ? 10 : 0;
			ev.err = ev.type == KR_EV_USER_EXIT ? -4 : 0;
			ev.ts = base + k * 2000 + (k >= 2 && late ? 3000000 : 0);
			/* a resched request is honoured by the switch-out; a
			 * signal by the end of KVM_RUN */
			if (kr_writer_event(w, &ev)) {
				perror(out);
				return 1;
			}
		}
		cycle++;
		/* vCPUs overlap in time: the next one starts 3 us later, so a
		 * per-CPU burst is out of global order by up to 12 us */
		t += cycle % nv ? 3000 : 20000 + (late ? 3000000 : 0);
	}
	info.duration_ns = t - 1000000000ull;
	info.complete = true;
	if (kr_writer_end(w, t, &info) || kr_writer_close(w)) {
		perror(out);
		return 1;
	}
	free(w);
	printf("kvmrace-synth: %llu events, %u vCPUs, %llu cycles, %llu late -> %s\n", n, nv, cycle,
	       cycle / late_every, out);
	return 0;
}
