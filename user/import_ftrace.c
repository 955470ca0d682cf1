// SPDX-License-Identifier: GPL-2.0
/*
 * ftrace text import.  One parser per file reads a line ahead; a k-way merge
 * pops the oldest line across files; a converter with state shared by all
 * files (which tasks are vCPUs, which vCPU runs on which CPU) turns it into
 * 0..2 kr_events.  Converting in merge order matters: whether a task is a
 * vCPU must be known from events before it in time, whatever file they are in.
 *
 * Fields are taken by name from the payload as the kernel prints it, so the
 * field order and wording changes across versions (power-kvm-hv.md) do not
 * matter; traps print symbolically (trap=HV_DECREMENTER) or numerically.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "decode.h"
#include "export.h"
#include "event.h"
#include "import_ftrace.h"
#include "tidmap.h"
#include "util.h"


#ifdef HAVE_LIBTRACEEVENT
#include <event-parse.h>
#include <trace-seq.h>
#endif
#ifdef HAVE_LIBTRACECMD
#include <trace-cmd.h>
/* Exported by libtracecmd but not in its 3.1 public header: the pull
 * interface trace-cmd's own report uses (the next record across CPUs). */
struct tep_record *tracecmd_read_next_data(struct tracecmd_input *handle, int *rec_cpu);
#endif

struct parser {
	FILE *f;
	void *dat;		/* struct tracecmd_input * for trace.dat */
	const char *path;
	char *line;		/* the current line (in buf, or owned for trace.dat) */
	char *owned;		/* trace.dat: the rendered line */
	char *buf;		/* text: read-ahead buffer, lines handed out in place */
	size_t cap, len, pos;
	bool eof;
	uint64_t lineno;
	bool has;		/* a parsed line is waiting in cur */
	const char *error;	/* why reading stopped (next_line -2) */
	struct kr_ftline cur;
	uint64_t seq;		/* tie-break: file order */
};

struct vcpu_task {
	uint32_t tid, pid;
	int32_t vcpu;
};

struct cpu_state {
	uint32_t tid;		/* vCPU task on this CPU, 0 if none */
	int prio;
	bool resched_seen;
};

#define KR_IPI_MASK_CPUS 64	/* an IPI sent to a mask: its first 64 CPUs */

struct kr_import {
	struct parser *p;
	int np;
	bool lenient;
	struct kr_import_stats st;
	struct kr_tidmap vc;		/* vCPU tasks (struct vcpu_task) by tid */
	struct kr_tidmap by_id;		/* (pid, vCPU id) and (0, vCPU id) -> tid */
	struct cpu_state cpus[KR_MAX_CPUS];
	struct kr_event q[2 + KR_IPI_MASK_CPUS];	/* an IPI to a mask: one event per CPU */
	int qn, qi;
	const char *bad;	/* the line converted last has a number out of range */
};

/* ---- line parsing ---- */

/* Decimal digits at s (no sign): faster than strtoul on the hot path. */
static inline uint32_t dec(const char *s, char **end)
{
	uint32_t v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (uint32_t)(*s++ - '0');
	if (end)
		*end = (char *)s;
	return v;
}

/* A CPU number at s (digits): -1 if KR_MAX_CPUS or more. */
static int cpu_num(const char *s, char **end)
{
	uint32_t v = 0;

	while (*s >= '0' && *s <= '9') {
		if (v < KR_MAX_CPUS)
			v = v * 10 + (uint32_t)(*s - '0');
		s++;
	}
	if (end)
		*end = (char *)s;
	return v < KR_MAX_CPUS ? (int)v : -1;
}

static char *skip_ws(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* "sec.frac" -> ns (frac of up to 9 digits) */
static int parse_ts(const char *s, uint64_t *ns, const char **end)
{
	uint64_t sec = 0, frac = 0;
	int digits = 0;

	if (!(*s >= '0' && *s <= '9'))
		return -1;
	while ((*s >= '0' && *s <= '9'))
		sec = sec * 10 + (uint64_t)(*s++ - '0');
	if (*s != '.')
		return -1;
	s++;
	while ((*s >= '0' && *s <= '9')) {
		if (digits < 9) {
			frac = frac * 10 + (uint64_t)(*s - '0');
			digits++;
		}
		s++;
	}
	if (!digits)
		return -1;
	{
		static const uint32_t scale[10] = { 1000000000, 100000000, 10000000, 1000000, 100000, 10000, 1000,
						    100, 10, 1 };

		frac *= scale[digits];
	}
	*ns = sec * 1000000000ull + frac;
	*end = s;
	return 0;
}

static int take_flags(struct kr_ftline *o, const char *f, size_t n)
{
	if (!n || n >= sizeof(o->flags))
		return -1;
	memcpy(o->flags, f, n);
	o->flags[n] = 0;
	o->has_flags = true;
	return 0;
}

/* The event name runs to ": " (perf prints "category:event:"); then the payload. */
static int take_event(struct kr_ftline *o, char *p)
{
	char *ev = p = skip_ws(p);

	/* to the first ':' followed by a space or the end ("cat:event:" in perf) */
	for (;;) {
		char *sp;

		p = strchr(p, ':');
		if (!p)
			return -1;
		if (p[1] == ' ' || !p[1])
			break;
		sp = memchr(ev, ' ', (size_t)(p - ev));
		if (sp)
			return -1;	/* a space before the event's ':' */
		p++;
	}
	if (p == ev || (size_t)(p - ev) >= sizeof(o->event) || memchr(ev, ' ', (size_t)(p - ev)))
		return -1;
	memcpy(o->event, ev, (size_t)(p - ev));
	o->event[p - ev] = 0;
	o->payload = skip_ws(p + 1);
	return 1;
}

/* trace-cmd report -l: "comm-pid  CPUflags  time: event: payload" (the CPU
 * number fused with the latency flags, no brackets). */
static int parse_latency_layout(char *s, struct kr_ftline *o)
{
	char *t = s, *ts = NULL, *cf, *e, *dash, *p;
	const char *after;
	uint64_t ns;
	size_t n;
	int cpu;

	/* the timestamp: the first " digits.digits:" */
	for (t = strchr(s, ' '); t; t = strchr(t + 1, ' ')) {
		if (!parse_ts(t + 1, &ns, &after) && *after == ':') {
			ts = t + 1;
			break;
		}
	}
	if (!ts)
		return -1;
	/* the token before it: CPU digits then flags */
	e = ts - 1;
	while (e > s && e[-1] == ' ')
		e--;
	cf = e;
	while (cf > s && cf[-1] != ' ')
		cf--;
	if (cf == s || !(*cf >= '0' && *cf <= '9'))
		return -1;
	if ((cpu = cpu_num(cf, &p)) < 0)
		return -1;
	o->cpu = (uint16_t)cpu;
	if (take_flags(o, p, (size_t)(e - p)))
		return -1;
	/* comm-pid before that */
	e = cf;
	while (e > s && e[-1] == ' ')
		e--;
	*e = 0;
	dash = strrchr(s, '-');
	if (!dash || !(dash[1] >= '0' && dash[1] <= '9'))
		return -1;
	*dash = 0;
	o->pid = dec(dash + 1, NULL);
	n = strnlen(s, KR_COMM_LEN - 1);
	memcpy(o->comm, s, n);
	o->comm[n] = 0;
	o->ts = ns;
	return take_event(o, (char *)after + 1);
}

/* A line without its newline (the file reader's lines). */
static int parse_line(char *line, struct kr_ftline *o)
{
	char *s = skip_ws(line), *br, *dash, *p;
	const char *after;
	size_t n;
	int cpu;

	if (!*s || *s == '#' || *s == '\n')
		return 0;
	o->has_flags = false;
	o->tgid = 0;
	o->perf = false;
	/* TASK-PID [CPU]: the CPU field is the first " [digits]" that is
	 * followed by (flags and) the timestamp; otherwise the line has the
	 * trace-cmd -l layout (its payload may have brackets of its own).
	 * Checked before the line is modified. */
	for (br = strchr(s, '['); br; br = strchr(br + 1, '[')) {
		char *q = br + 1;

		if (br == s || br[-1] != ' ')
			continue;
		while (*q >= '0' && *q <= '9')
			q++;
		if (q > br + 1 && *q == ']')
			break;
	}
	{
		/* validate what follows the bracket: (flags) timestamp ':' */
		char *q = br ? skip_ws(strchr(br, ']') + 1) : NULL, *f = NULL;
		size_t fl = 0;

		if (q && (parse_ts(q, &o->ts, &after) || *after != ':')) {
			f = q;
			while (*q && *q != ' ')
				q++;
			fl = (size_t)(q - f);
			if (parse_ts(skip_ws(q), &o->ts, &after) || *after != ':')
				q = NULL;
		}
		if (!q)
			return parse_latency_layout(s, o);
		if (f && take_flags(o, f, fl))
			return -1;
	}
	br--;	/* at the space before '[' */
	*br = 0;
	p = br;
	while (p > s && p[-1] == ' ')
		*--p = 0;
	/* ftrace with options/record-tgid: "comm-pid (tgid) [cpu]", the tgid
	 * "-----" when the kernel had none */
	if (p > s && p[-1] == ')') {
		char *op = p - 1;

		while (op > s && *op != '(')
			op--;
		if (*op != '(')
			return -1;
		o->tgid = (uint32_t)strtoul(skip_ws(op + 1), NULL, 10);
		p = op;
		*p = 0;
		while (p > s && p[-1] == ' ')
			*--p = 0;
	}
	/* ftrace: "comm-pid"; perf script: "comm  tid" or "comm  pid/tid" */
	{
		char *d = p;

		while (d > s && (d[-1] >= '0' && d[-1] <= '9'))
			d--;
		if (d == p)
			return -1;
		if (d > s && d[-1] == '/') {	/* pid/tid */
			char *t = d - 1;

			o->pid = dec(d, NULL);
			*t = 0;
			d = t;
			while (d > s && (d[-1] >= '0' && d[-1] <= '9'))
				d--;
			o->tgid = dec(d, NULL);
			o->perf = true;
		} else if (d > s && d[-1] == ' ') {
			o->pid = dec(d, NULL);
			o->perf = true;
		} else {
			o->pid = dec(d, NULL);
		}
		dash = d - 1;
		if (dash < s || (*dash != '-' && *dash != ' '))
			return -1;
		*dash = 0;
		if (o->perf) {
			char *q = dash;

			while (q > s && q[-1] == ' ')
				*--q = 0;
			s = skip_ws(s);
		}
	}
	for (n = 0; n < KR_COMM_LEN - 1 && s[n]; n++)
		o->comm[n] = s[n];
	o->comm[n] = 0;
	if ((cpu = cpu_num(br + 2, NULL)) < 0)
		return -1;
	o->cpu = (uint16_t)cpu;
	return take_event(o, (char *)after + 1);
}

int kr_ftrace_parse_line(char *line, struct kr_ftline *o)
{
	char *nl = strchr(line, '\n');

	if (nl) {
		*nl = 0;
		if (nl > line && nl[-1] == '\r')
			nl[-1] = 0;
	}
	return parse_line(line, o);
}

/* ---- payload fields, by name ---- */

/* Value of "name=" in the payload (the name must start a word). */
static const char *field(const char *payload, const char *name)
{
	size_t n = strlen(name);
	const char *s = payload;

	while ((s = strstr(s, name))) {
		if ((s == payload || s[-1] == ' ' || s[-1] == ',') && s[n] == '=')
			return s + n + 1;
		s += n;
	}
	return NULL;
}

static bool field_long(const char *payload, const char *name, long *v)
{
	const char *s = field(payload, name);
	char *end;

	if (!s)
		return false;
	errno = 0;
	*v = strtol(s, &end, 0);
	return !errno && end != s;
}

/* "VCPU 3:" / "vcpu 3" at the start of kvm payloads */
static int32_t payload_vcpu(const char *payload)
{
	if (!strncasecmp(payload, "vcpu ", 5))
		return (int32_t)strtol(payload + 5, NULL, 10);
	return -1;
}

/* arm64's kvm_exit: "TRAP: HSR_EC: 0x0016 (HVC64), PC: 0x..." (ESR_EC in
 * later kernels); the exception type may print as a number.  The reason as
 * the BPF side encodes it: type << 8 | class. */
static bool arm64_exit(const char *pl, uint32_t *reason)
{
	static const char *const type[] = { "IRQ", "SERROR", "TRAP", "ILLEGAL" };
	const char *ec = strstr(pl, "SR_EC: ");
	size_t n = strcspn(pl, ":");
	unsigned long t = 0, c;
	char *end;
	int i;

	if (!ec || ec - pl < 1 || (ec[-1] != 'H' && ec[-1] != 'E'))
		return false;
	c = strtoul(ec + 7, &end, 0);
	if (end == ec + 7)
		return false;
	for (i = 0; i < 4; i++)
		if (strlen(type[i]) == n && !strncmp(pl, type[i], n))
			break;
	if (i < 4)
		t = (unsigned long)i;
	else if ((t = strtoul(pl, &end, 0)) > 0xff || end == pl)
		t = 0xff;	/* HYP_GONE and the like */
	*reason = (uint32_t)(t << 8 | (c & 0x3f));
	return true;
}

static bool trap_value(const char *s, uint32_t *trap)
{
	char name[40];
	size_t n = strcspn(s, " ,");
	uint32_t t;
	char *end;

	if (!n || n >= sizeof(name))
		return false;
	memcpy(name, s, n);
	name[n] = 0;
	t = (uint32_t)strtoul(name, &end, 0);
	if (end != name && !*end) {
		*trap = t;
		return true;
	}
	for (t = 0; t < 0x6000; t += 0x20) {	/* trap vectors are 0x20-aligned */
		const char *k = kr_ppc_trap_name(t);

		if (k && !strcmp(k, name)) {
			*trap = t;
			return true;
		}
	}
	if (!strcmp(name, "EXTERNAL_HV")) {
		*trap = 0x502;
		return true;
	}
	if (!strcmp(name, "HV_RM_HARD")) {
		*trap = 0x5555;
		return true;
	}
	return false;
}

/* ---- vCPU tasks ---- */

/* The vCPU task tid (added if add), NULL if it is none; a table that cannot
 * take one more marks the line (the input names more tasks than kvmrace
 * keeps: an error, never a task silently dropped). */
static struct vcpu_task *vc_find(struct kr_import *im, uint32_t tid, bool add)
{
	struct vcpu_task *v;
	bool added;

	if (!add)
		return kr_tidmap_get(&im->vc, tid);
	v = kr_tidmap_add(&im->vc, tid, &added);
	if (!v) {
		im->bad = kr_tidmap_full(&im->vc) ? "more vCPU tasks than kvmrace keeps (1048576)" : "out of memory";
		return NULL;
	}
	if (added) {
		v->tid = tid;
		v->pid = tid;
		v->vcpu = -1;
	}
	return v;
}

static uint64_t vc_key(uint32_t pid, int32_t vcpu)
{
	return (uint64_t)pid << 32 | (uint32_t)vcpu;
}

/* v runs vCPU id vcpu (of its process v->pid): remembered by id. */
static void vc_set_id(struct kr_import *im, struct vcpu_task *v, int32_t vcpu)
{
	uint32_t tid = v->tid, *t;

	v->vcpu = vcpu;
	if (vcpu < 0)
		return;
	if ((t = kr_tidmap_add(&im->by_id, vc_key(v->pid, vcpu), NULL)))
		*t = tid;
	if ((t = kr_tidmap_add(&im->by_id, vc_key(0, vcpu), NULL)))	/* any process */
		*t = tid;
}

/* The task running vCPU id of process pid_hint, else of any process (the
 * vcore runner fires kvm_guest_enter for the other vCPUs of its core too). */
static struct vcpu_task *vc_by_id(struct kr_import *im, int32_t vcpu, uint32_t pid_hint)
{
	uint32_t *t = kr_tidmap_get(&im->by_id, vc_key(pid_hint, vcpu));

	if (!t)
		t = kr_tidmap_get(&im->by_id, vc_key(0, vcpu));
	return t ? kr_tidmap_get(&im->vc, *t) : NULL;
}

static struct cpu_state *cpu_at(struct kr_import *im, unsigned cpu)
{
	return cpu < KR_MAX_CPUS ? &im->cpus[cpu] : NULL;
}

/* ---- conversion ---- */

static struct kr_event *emit(struct kr_import *im, const struct kr_ftline *l, uint8_t type, struct vcpu_task *v)
{
	struct kr_event *e = &im->q[im->qn++];

	memset(e, 0, sizeof(*e));
	e->ts = l->ts;
	e->type = type;
	e->tid = v->tid;
	e->pid = v->pid;
	e->cpu = l->cpu;
	e->vcpu = v->vcpu;
	if (v->vcpu >= 0)
		e->flags |= KR_F_VCPU;
	/* The latency flags describe the task that logged the line. */
	if (l->has_flags && l->pid == v->tid) {
		char irq = l->flags[0], nr = l->flags[1];

		e->flags |= KR_F_IRQ;
		if (irq == 'd' || irq == 'D' || irq == 'X')
			e->flags |= KR_F_IRQS_OFF;
		if (nr == 'N' || nr == 'n' || nr == 'p' || nr == '.' || nr == 'L' || nr == 'b' || nr == 'B') {
			e->flags |= KR_F_NR;
			if (nr == 'N' || nr == 'n' || nr == 'B')
				e->tif |= KR_TIF_NEED_RESCHED;
		}
	}
	if (l->pid == v->tid)
		memcpy(e->comm, l->comm, KR_COMM_LEN);
	return e;
}

enum ev_id {
	E_OTHER, E_RUN_VCPU_ENTER, E_RUN_VCPU_EXIT, E_FPU, E_USER_EXIT, E_GUEST_ENTER, E_ENTRY, E_GUEST_EXIT,
	E_EXIT, E_RUN_CORE, E_SIG_GEN, E_SIG_DELIVER, E_SWITCH, E_WAKEUP, E_WAKING,
};

/* The event by name: length first, then one comparison. */
static enum ev_id event_id(const char *ev)
{
#define E(name, id) { name, sizeof(name) - 1, id }
	static const struct { const char *n; size_t len; enum ev_id id; } t[] = {
		E("kvmppc_run_vcpu_enter", E_RUN_VCPU_ENTER), E("kvmppc_run_vcpu_exit", E_RUN_VCPU_EXIT),
		E("kvm_fpu", E_FPU), E("kvm_userspace_exit", E_USER_EXIT), E("kvm_guest_enter", E_GUEST_ENTER),
		E("kvm_entry", E_ENTRY), E("kvm_guest_exit", E_GUEST_EXIT), E("kvm_exit", E_EXIT),
		E("kvmppc_run_core", E_RUN_CORE), E("signal_generate", E_SIG_GEN), E("signal_deliver", E_SIG_DELIVER),
		E("sched_switch", E_SWITCH), E("sched_wakeup", E_WAKEUP), E("sched_waking", E_WAKING),
	};
#undef E
	size_t n = strlen(ev), i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].len == n && t[i].n[0] == ev[0] && !memcmp(t[i].n, ev, n))
			return t[i].id;
	return E_OTHER;
}

/* A per-CPU event of this line (no vCPU): a host interrupt taken on its CPU,
 * or an IPI sent from it; tid: the task on that CPU. */
static void cpu_event(struct kr_import *im, const struct kr_ftline *l, uint8_t type, uint32_t reason)
{
	struct kr_event *e;

	if (im->qn >= (int)(sizeof(im->q) / sizeof(im->q[0])))
		return;
	e = &im->q[im->qn++];
	memset(e, 0, sizeof(*e));
	e->ts = l->ts;
	e->type = type;
	e->tid = l->pid;
	e->pid = l->tgid ? l->tgid : l->pid;
	e->cpu = l->cpu;
	e->vcpu = -1;
	e->reason = reason;
}

/* An IPI sent from this line's CPU to cpu: the kick of a vCPU there. */
static void ipi_to(struct kr_import *im, const struct kr_ftline *l, long cpu)
{
	if (cpu >= 0 && cpu <= UINT32_MAX)	/* range-checked with the line's events */
		cpu_event(im, l, KR_EV_IPI_SEND, (uint32_t)cpu);
}

/* The sending side of an IPI: ipi_send_cpu "cpu=1 callsite=..." (6.4+),
 * ipi_send_cpumask "cpumask=0-1,3 callsite=...", ipi_raise (arm, arm64)
 * "target_mask=00000000,00000002 (Rescheduling interrupts)".  False if the
 * event is none of these or its target does not parse. */
static bool ipi_send(struct kr_import *im, const struct kr_ftline *l, const char *ev, const char *pl)
{
	const char *s;
	long a;

	if (!strcmp(ev, "ipi_send_cpu"))
		return field_long(pl, "cpu", &a) ? (ipi_to(im, l, a), true) : false;
	if (!strcmp(ev, "ipi_send_cpumask")) {	/* a cpulist: 0-1,3 */
		char *end;

		if (!(s = field(pl, "cpumask")))
			return false;
		while (*s >= '0' && *s <= '9') {
			long lo = strtol(s, &end, 10), hi = lo;

			if (*end == '-')
				hi = strtol(end + 1, &end, 10);
			for (a = lo; a <= hi && a < KR_IPI_MASK_CPUS; a++)
				ipi_to(im, l, a);
			if (*end != ',')
				break;
			s = end + 1;
		}
		return true;
	}
	if (!strcmp(ev, "ipi_raise")) {	/* a bitmap: 32-bit hex words, most significant first */
		unsigned long words[2] = { 0, 0 };	/* the last two: CPUs 32-63, 0-31 */
		char *end;

		if (!(s = field(pl, "target_mask")))
			return false;
		for (;;) {
			unsigned long w = strtoul(s, &end, 16);

			if (end == s)
				return false;
			words[0] = words[1];
			words[1] = w;
			if (*end != ',')
				break;
			s = end + 1;
		}
		for (a = 0; a < 64; a++)
			if (words[1 - a / 32] & (1ul << (a % 32)))
				ipi_to(im, l, a);
		return true;
	}
	return false;
}

/* A sched_waking/sched_wakeup line: the CPU state of its target CPU if a vCPU
 * task runs there that the woken task (*pid) preempts by priority (a wake-up
 * of a higher-priority task: a reschedule request), with that vCPU task in
 * *v; NULL if not (or the line does not parse, or names a CPU out of range:
 * im->bad). */
static struct cpu_state *wake_target(struct kr_import *im, const char *pl, long *pid, struct vcpu_task **v)
{
	struct cpu_state *t;
	long prio, cpu;

	if (!field_long(pl, "pid", pid) || !field_long(pl, "target_cpu", &cpu) || !field_long(pl, "prio", &prio)) {
		/* trace-cmd's plugin: "comm:PID [PRIO] CPU:NNN" (or "... success=1 CPU:NNN") */
		const char *cp = strstr(pl, "CPU:"), *c1 = strchr(pl, ':');

		if (!cp || !c1 || c1 == cp + 3 || sscanf(c1 + 1, "%ld [%ld]", pid, &prio) != 2)
			return NULL;
		cpu = strtol(cp + 4, NULL, 10);
	}
	if (cpu < 0 || cpu >= KR_MAX_CPUS) {
		im->bad = "target CPU out of range";
		return NULL;
	}
	t = cpu_at(im, (unsigned)cpu);
	if (!t->tid || t->tid == (uint32_t)*pid || prio >= (t->prio ? t->prio : 120))
		return NULL;
	*v = vc_find(im, t->tid, false);
	return *v ? t : NULL;
}

static void convert(struct kr_import *im, const struct kr_ftline *l)
{
	const char *pl = l->payload, *ev = l->event, *colon, *s;
	enum ev_id id;
	struct vcpu_task *v;
	struct cpu_state *c = cpu_at(im, l->cpu);
	struct kr_event *e;
	long a, b;

	im->qn = im->qi = 0;
	im->bad = NULL;
	if (ev[0] == 'k' && ev[3] == 'r' && !strncmp(ev, "kvmrace:", 8)) {
		/* kvmrace's own perf-script export: the event itself, lossless;
		 * its finding records are derived, not input. */
		e = &im->q[0];
		memset(e, 0, sizeof(*e));
		if (kr_perf_kvmrace_event(ev, pl, e) <= 0) {
			if (strcmp(ev + 8, "late_exit") && strcmp(ev + 8, "entered_pending"))
				im->st.unknown++;
			return;
		}
		e->ts = l->ts;
		e->tid = l->pid;
		e->pid = l->tgid ? l->tgid : l->pid;
		e->cpu = l->cpu;
		/* the exact comm is in the payload; older exports: the column's */
		if (!e->comm[0] && strstr(pl, "comm_set=1"))
			memcpy(e->comm, l->comm, KR_COMM_LEN);
		im->qn = 1;
		im->st.used++;
		return;
	}
	colon = strchr(ev, ':');
	if (colon)	/* perf: "sched:sched_switch" */
		ev = colon + 1;
	id = event_id(ev);
	if (id == E_OTHER) {
		int k = kr_irq_event_kind(ev);

		if (!k && ev[0] == 'i' && ipi_send(im, l, ev, pl)) {
			im->st.used++;
			return;
		}
		if (!k) {
			im->st.unknown++;
			return;
		}
		if (k == KR_IRQ_DEVICE && (s = field(pl, "name")) && !strncmp(s, "IPI", 3) && (!s[3] || s[3] == ' '))
			k = KR_IRQ_IPI;	/* POWER8's XICS: the IPI is an interrupt named so */
		cpu_event(im, l, KR_EV_HOST_IRQ, (uint32_t)k);	/* the host took an interrupt here */
		im->st.used++;
		return;
	}
	if (id == E_RUN_VCPU_ENTER || (id == E_FPU && pl[0] == 'l')) {
		v = vc_find(im, l->pid, true);
		if (!v)
			return;
		if (id == E_RUN_VCPU_ENTER) {
			im->st.saw_kvm_hv = true;
			if (field_long(pl, "tgid", &a))
				v->pid = (uint32_t)a;
			vc_set_id(im, v, payload_vcpu(pl));
		} else {
			im->st.saw_kvm = true;
		}
		if (c) {
			c->tid = v->tid;
			c->resched_seen = false;
		}
		emit(im, l, KR_EV_RUN_BEGIN, v);
	} else if (id == E_RUN_VCPU_EXIT) {
		v = vc_find(im, l->pid, false);
		if (!v)
			return;
		e = emit(im, l, KR_EV_USER_EXIT, v);
		if (field_long(pl, "exit", &a))
			e->reason = (uint32_t)a;
		if (field_long(pl, "ret", &b))
			e->err = (int32_t)b;
	} else if (id == E_FPU) {	/* unload */
		v = vc_find(im, l->pid, false);
		if (v)
			emit(im, l, KR_EV_RUN_END, v);
	} else if (id == E_USER_EXIT) {
		const char *r = !strncmp(pl, "reason ", 7) ? pl : strstr(pl, "reason "), *par = strrchr(pl, '(');

		v = vc_find(im, l->pid, false);
		if (!v || !r || !par)
			return;
		e = emit(im, l, KR_EV_USER_EXIT, v);
		a = (long)dec(par + 1, NULL);
		if (!strncmp(r + 7, "restart", 7) || !strncmp(r + 7, "error", 5))
			e->err = (int32_t)-a;
		else
			e->reason = (uint32_t)a;
	} else if (id == E_GUEST_ENTER || id == E_ENTRY) {
		int32_t id = payload_vcpu(pl);
		struct vcpu_task *cur = vc_find(im, l->pid, false);

		if (id == E_GUEST_ENTER)
			im->st.saw_kvm_hv = true;
		else
			im->st.saw_kvm = true;
		if (!strncmp(pl, "PC: ", 4))	/* arm64: no vcpu, the guest PC */
			im->st.saw_arm64 = true;
		/* The current task if it runs this vCPU, else the task that does. */
		if (cur && (cur->vcpu == id || cur->vcpu < 0))
			v = cur;
		else
			v = vc_by_id(im, id, cur ? cur->pid : 0);
		if (!v)
			v = vc_find(im, l->pid, true);
		if (!v)
			return;
		if (v->vcpu < 0)
			vc_set_id(im, v, id);
		if (c) {
			c->tid = v->tid;
			if (!(l->has_flags && (l->flags[1] == 'N' || l->flags[1] == 'n')))
				c->resched_seen = false;
		}
		emit(im, l, KR_EV_GUEST_ENTER, v);
	} else if (id == E_GUEST_EXIT || id == E_EXIT) {
		int32_t id = payload_vcpu(pl);
		struct vcpu_task *cur = vc_find(im, l->pid, false);
		const char *t = field(pl, "trap");
		uint32_t trap = 0xffffffff;

		v = (cur && (cur->vcpu == id || cur->vcpu < 0)) ? cur : vc_by_id(im, id, cur ? cur->pid : 0);
		if (!v)
			return;
		e = emit(im, l, KR_EV_GUEST_EXIT, v);
		if (t && trap_value(t, &trap) && trap == 0)
			e->flags |= KR_F_ABORTED;
		if (arm64_exit(pl, &trap)) {
			im->st.saw_arm64 = true;
			e->cause = 3;	/* the exit's ISA, as the BPF side gives it */
		}
		e->reason = trap;
	} else if (id == E_RUN_CORE) {
		v = vc_find(im, l->pid, false);
		if (!v)
			return;
		e = emit(im, l, KR_EV_VCORE, v);
		e->reason = strncmp(pl, "Exit", 4) == 0;
		if (field_long(pl, "runnable", &a))
			e->err = (int32_t)a;
	} else if (id == E_SIG_GEN) {
		if (!field_long(pl, "pid", &a) || !(v = vc_find(im, (uint32_t)a, false)))
			return;
		if (field_long(pl, "res", &b) && b != 0 && b != 2)
			return;	/* ignored, overflow, lose-info: nothing pending */
		e = emit(im, l, KR_EV_REQUEST, v);
		e->cause = KR_CAUSE_SIGNAL;
		e->reason = field_long(pl, "sig", &a) ? (uint32_t)a : 0;
		e->src_tid = l->pid;
		e->flags &= (uint16_t)~(KR_F_NR | KR_F_IRQ | KR_F_IRQS_OFF);
		e->tif = 0;
	} else if (id == E_SIG_DELIVER) {
		v = vc_find(im, l->pid, false);
		if (!v)
			return;
		e = emit(im, l, KR_EV_SIG_DELIVER, v);
		e->reason = field_long(pl, "sig", &a) ? (uint32_t)a : 0;
	} else if (id == E_SWITCH) {
		struct vcpu_task *prev, *next;
		const char *st = field(pl, "prev_state");
		long np = -1;
		char sc = 0;

		if (!field_long(pl, "prev_pid", &a) || !field_long(pl, "next_pid", &b)) {
			/* trace-cmd's plugin: "prev:PID [PRIO] S ==> next:PID [PRIO]" */
			const char *arrow = strstr(pl, " ==> "), *c1, *c2;

			if (!arrow)
				return;
			for (c1 = arrow; c1 > pl && c1[-1] != ':'; c1--)
				;
			c2 = strrchr(arrow, ':');
			if (c1 == pl || !c2 || sscanf(c1, "%ld [%*d] %c", &a, &sc) < 1 || sscanf(c2 + 1, "%ld [%ld]", &b, &np) < 1)
				return;
			st = sc ? &sc : NULL;
		}
		prev = vc_find(im, (uint32_t)a, false);
		next = vc_find(im, (uint32_t)b, false);
		if (prev) {
			e = emit(im, l, KR_EV_SWITCH_OUT, prev);
			e->err = st && *st == 'R' ? 0 : 1;
		}
		if (c) {
			c->tid = next ? next->tid : 0;
			c->resched_seen = false;
			c->prio = field_long(pl, "next_prio", &a) ? (int)a : np >= 0 ? (int)np : 120;
		}
		if (next) {
			e = emit(im, l, KR_EV_SWITCH_IN, next);
			e->flags &= (uint16_t)~(KR_F_NR | KR_F_IRQ | KR_F_IRQS_OFF);
			e->tif = 0;
		}
	} else if (id == E_WAKEUP || id == E_WAKING) {
		struct cpu_state *t = wake_target(im, pl, &a, &v);

		if (!t)
			return;
		if (id == E_WAKING) {	/* the earliest event of a request it may become */
			e = emit(im, l, KR_EV_WAKING, v);
		} else {	/* one request per NEED_RESCHED period */
			if (t->resched_seen)
				return;
			t->resched_seen = true;
			e = emit(im, l, KR_EV_REQUEST, v);
			e->cause = KR_CAUSE_RESCHED;
		}
		e->reason = (uint32_t)a;
		e->src_tid = l->pid;
		e->flags &= (uint16_t)~(KR_F_NR | KR_F_IRQ | KR_F_IRQS_OFF);
		e->tif = 0;
	} else {
		im->st.unknown++;
		return;
	}
	if (im->qn)
		im->st.used++;
}

/* The events of the line converted last, range-checked (a number out of
 * range makes the line malformed): NULL if all are valid, else why not. */
static const char *converted_invalid(struct kr_import *im)
{
	const char *why = im->bad;
	int i;

	for (i = 0; !why && i < im->qn; i++)
		why = kr_event_invalid(&im->q[i]);
	if (why)
		im->qn = im->qi = 0;
	return why;
}

/* ---- files and merge ---- */

static void meta_str(const char *line, const char *key, char *dst, size_t len)
{
	kr_perf_meta_str(line, key, dst, len);	/* the export's codec: values may be escaped */
}

static void meta_line(struct kr_import *im, const char *line)
{
	long v;

	if (!strncmp(line, "# kvmrace: ", 11)) {
		im->st.has_meta = true;
		meta_str(line, "arch", im->st.arch, sizeof(im->st.arch));
		meta_str(line, "kernel", im->st.kernel, sizeof(im->st.kernel));
		meta_str(line, "host", im->st.host, sizeof(im->st.host));
		meta_str(line, "clock", im->st.clock, sizeof(im->st.clock));
		meta_str(line, "hooks", im->st.hooks, sizeof(im->st.hooks));
		return;
	}
	im->st.has_end = true;
	if (field_long(line, "duration_ns", &v))
		im->st.duration_ns = (uint64_t)v;
	if (field_long(line, "lost", &v))
		im->st.lost = (uint64_t)v;
	if (field_long(line, "untracked", &v))
		im->st.untracked = (uint64_t)v;
	if (field_long(line, "complete", &v))
		im->st.complete = v != 0;
	if (field_long(line, "command_status", &v))
		im->st.command_status = (int)v;
}

#ifdef HAVE_LIBTRACEEVENT
char *kr_tep_line(struct tep_handle *tep, struct tep_record *rec)
{
	struct trace_seq a, b;
	char *line = NULL;

	trace_seq_init(&a);
	trace_seq_init(&b);
	tep_print_event(tep, &a, rec, "%s-%d [%03d] %s", TEP_PRINT_COMM, TEP_PRINT_PID, TEP_PRINT_CPU,
			TEP_PRINT_LATENCY);
	tep_print_event(tep, &b, rec, "%s: %s", TEP_PRINT_NAME, TEP_PRINT_INFO);
	trace_seq_terminate(&a);
	trace_seq_terminate(&b);
	if (asprintf(&line, "%s %llu.%09llu: %s", a.buffer, rec->ts / 1000000000ull, rec->ts % 1000000000ull,
		     b.buffer) < 0)
		line = NULL;
	trace_seq_destroy(&a);
	trace_seq_destroy(&b);
	return line;
}
#endif

#ifdef HAVE_LIBTRACECMD
/* trace.dat: each record rendered as the kernel's text, then parsed. */
static ssize_t dat_line(struct parser *p)
{
	struct tep_record *rec;
	int cpu;

	rec = tracecmd_read_next_data(p->dat, &cpu);
	if (!rec)
		return -1;
	p->owned = kr_tep_line(tracecmd_get_tep(p->dat), rec);
	p->line = p->owned;
	tracecmd_free_record(rec);
	return p->owned ? (ssize_t)strlen(p->owned) : -1;
}
#endif

/* A trace line longer than this is not one (an endless line must not grow
 * the buffer without bound). */
#define KR_MAX_LINE (1 << 20)

/* Text: lines are handed out in place from a large read-ahead buffer (no
 * copy per line); the newline becomes the terminating NUL.  The line's
 * length, -1 at the end of the input, -2 on an error (p->error says which). */
static ssize_t next_line(struct parser *p)
{
	char *nl;

#ifdef HAVE_LIBTRACECMD
	if (p->dat) {
		free(p->owned);
		p->owned = NULL;
		return dat_line(p);
	}
#endif
	for (;;) {
		nl = memchr(p->buf + p->pos, '\n', p->len - p->pos);
		if (nl || (p->eof && p->len > p->pos)) {
			char *l = p->buf + p->pos;
			size_t n = nl ? (size_t)(nl - l) : p->len - p->pos;

			l[n] = 0;	/* the buffer has a spare byte for this */
			p->pos += n + (nl ? 1 : 0);
			p->line = l;
			return (ssize_t)n;
		}
		if (p->eof)
			return -1;
		/* keep the partial line, refill (grow for a long line) */
		memmove(p->buf, p->buf + p->pos, p->len - p->pos);
		p->len -= p->pos;
		p->pos = 0;
		if (p->len >= KR_MAX_LINE) {
			p->error = "a line longer than 1 MiB: not a trace line";
			return -2;
		}
		if (p->len + 1 >= p->cap) {
			char *nb = realloc(p->buf, p->cap * 2);

			if (!nb) {
				p->error = "out of memory";
				return -2;
			}
			p->buf = nb;
			p->cap *= 2;
		}
		{
			size_t got = fread(p->buf + p->len, 1, p->cap - 1 - p->len, p->f);

			if (!got && ferror(p->f)) {
				p->error = strerror(errno);
				return -2;
			}
			if (!got)
				p->eof = true;
			p->len += got;
		}
	}
}

/* Read the next trace line of p into p->cur. 1, 0 at EOF, -1 malformed. */
static int advance(struct kr_import *im, struct parser *p, char *err, size_t errlen)
{
	for (;;) {
		ssize_t n = next_line(p);
		char *s;
		int r;

		if (n == -2) {
			p->has = false;
			snprintf(err, errlen, "%s:%llu: %s", p->path, (unsigned long long)p->lineno + 1, p->error);
			return -1;
		}
		if (n < 0) {
			p->has = false;
			return 0;
		}
		p->lineno++;
		im->st.lines++;
		if (p->line[0] == '\t' || p->line[0] == '\n' || !p->line[0])	/* perf script frames and record ends */
			continue;
		if (p->line[0] == '#' && (!strncmp(p->line, "# kvmrace: ", 11) || !strncmp(p->line, "# kvmrace-end: ", 15))) {
			meta_line(im, p->line);
			continue;
		}
		s = p->line;	/* the markers below start at column 0 */
		/* trace_pipe / trace-cmd markers and headers (first character first:
		 * this runs for every line) */
		if (*s == 'C' && !strncmp(s, "CPU:", 4) && strstr(s, "[LOST ")) {
			im->st.lost += strtoull(strstr(s, "[LOST ") + 6, NULL, 10);
			continue;
		}
		if ((*s == '#' && s[1] == '#') || (*s == 'c' && !strncmp(s, "cpus=", 5)) ||
		    (*s == 'v' && !strncmp(s, "version = ", 10)))
			continue;
		r = parse_line(p->line, &p->cur);
		if (r == 0)
			continue;
		if (r < 0) {
			if (im->lenient) {
				im->st.malformed++;
				continue;
			}
			snprintf(err, errlen, "%s:%llu: malformed trace line", p->path, (unsigned long long)p->lineno);
			return -1;
		}
		im->st.events++;
		if (p->cur.has_flags)
			im->st.latency_flags = true;
		if (p->cur.perf)
			im->st.perf = true;
		p->has = true;
		p->seq++;
		return 1;
	}
}

bool kr_is_trace_dat(const char *path)
{
	static const unsigned char magic[] = { 0x17, 0x08, 0x44, 't', 'r', 'a', 'c', 'i', 'n', 'g' };
	unsigned char b[sizeof(magic)];
	FILE *f = fopen(path, "rb");
	bool yes;

	if (!f)
		return false;
	yes = fread(b, 1, sizeof(b), f) == sizeof(b) && !memcmp(b, magic, sizeof(magic));
	fclose(f);
	return yes;
}

bool kr_is_ftrace_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	struct kr_ftline l;
	int lines = 0;
	bool yes = false;

	if (!f)
		return false;
	while (lines++ < 64 && fgets(buf, sizeof(buf), f)) {
		int r = kr_ftrace_parse_line(buf, &l);

		if (r > 0) {
			yes = true;
			break;
		}
		if (r < 0 && strncmp(buf, "cpus=", 5) && strncmp(buf, "CPU:", 4) && buf[0] != '\t' && buf[0] != '\n')
			break;
	}
	fclose(f);
	return yes;
}

static struct kr_import *import_new(void)
{
	struct kr_import *im = calloc(1, sizeof(*im));

	if (!im)
		return NULL;
	im->st.command_status = -1;
	kr_tidmap_init(&im->vc, sizeof(struct vcpu_task), 0);
	kr_tidmap_init(&im->by_id, sizeof(uint32_t), 0);
	return im;
}

struct kr_import *kr_import_open(char *const *paths, int n, bool lenient, char *err, size_t errlen)
{
	struct kr_import *im = import_new();
	int i;

	if (!im || !(im->p = calloc((size_t)n, sizeof(*im->p)))) {
		free(im);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	im->np = n;
	im->lenient = lenient;
	for (i = 0; i < n; i++) {
		im->p[i].path = paths[i];
		if (kr_is_trace_dat(paths[i])) {
#ifdef HAVE_LIBTRACECMD
			/* the kernel's own print formats, not trace-cmd's plugins */
			im->p[i].dat = tracecmd_open(paths[i], TRACECMD_FL_LOAD_NO_PLUGINS);
			if (!im->p[i].dat) {
				snprintf(err, errlen, "%s: libtracecmd cannot read this trace.dat", paths[i]);
				kr_import_close(im);
				return NULL;
			}
			continue;
#else
			snprintf(err, errlen, "%s: a trace-cmd trace.dat, but this kvmrace-trace was built without "
				 "libtracecmd (use 'trace-cmd report' text instead)", paths[i]);
			kr_import_close(im);
			return NULL;
#endif
		}
		im->p[i].f = fopen(paths[i], "r");
		if (!im->p[i].f) {
			snprintf(err, errlen, "%s: %s", paths[i], strerror(errno));
			kr_import_close(im);
			return NULL;
		}
		im->p[i].cap = 1 << 20;
		im->p[i].buf = malloc(im->p[i].cap);
		if (!im->p[i].buf) {
			snprintf(err, errlen, "out of memory");
			kr_import_close(im);
			return NULL;
		}
	}
	for (i = 0; i < n; i++)
		if (advance(im, &im->p[i], err, errlen) < 0) {
			kr_import_close(im);
			return NULL;
		}
	return im;
}

int kr_import_next(struct kr_import *im, struct kr_event *ev, char *err, size_t errlen)
{
	for (;;) {
		struct parser *min = NULL;
		const char *why;
		int i;

		if (im->qi < im->qn) {
			*ev = im->q[im->qi++];
			return 1;
		}
		for (i = 0; i < im->np; i++)
			if (im->p[i].has && (!min || im->p[i].cur.ts < min->cur.ts))
				min = &im->p[i];
		if (!min)
			return 0;
		convert(im, &min->cur);
		if ((why = converted_invalid(im))) {
			if (!im->lenient) {
				snprintf(err, errlen, "%s:%llu: %s", min->path, (unsigned long long)min->lineno, why);
				return -1;
			}
			im->st.malformed++;
		}
		if (advance(im, min, err, errlen) < 0)
			return -1;
	}
}

struct kr_import *kr_import_new_live(void)
{
	return import_new();
}

int kr_import_line(struct kr_import *im, char *line, kr_event_cb cb, void *ctx)
{
	struct kr_ftline l;
	int r, i;

	im->st.lines++;
	if (line[0] == 'C' && !strncmp(line, "CPU:", 4) && strstr(line, "[LOST ")) {
		im->st.lost += strtoull(strstr(line, "[LOST ") + 6, NULL, 10);
		return 0;
	}
	r = kr_ftrace_parse_line(line, &l);
	if (r < 0)
		im->st.malformed++;
	if (r <= 0)
		return 0;
	im->st.events++;
	convert(im, &l);
	if (converted_invalid(im))
		im->st.malformed++;
	for (i = 0, r = 0; i < im->qn && !r; i++)
		r = cb(ctx, &im->q[i]);
	r = r ? r : im->qn;
	im->qn = im->qi = 0;
	return r;
}

const struct kr_import_stats *kr_import_stats(const struct kr_import *im)
{
	return &im->st;
}

const char *kr_import_arch(const struct kr_import *im)
{
	if (im->st.has_meta && im->st.arch[0])
		return im->st.arch;
	return im->st.saw_kvm_hv ? "powerpc" : im->st.saw_arm64 ? "arm64" : im->st.saw_kvm ? "x86" : "unknown";
}

void kr_import_close(struct kr_import *im)
{
	int i;

	if (!im)
		return;
	for (i = 0; i < im->np; i++) {
		if (im->p[i].f)
			fclose(im->p[i].f);
		free(im->p[i].buf);
		free(im->p[i].owned);
#ifdef HAVE_LIBTRACECMD
		if (im->p[i].dat)
			tracecmd_close(im->p[i].dat);
#endif
	}
	free(im->p);
	kr_tidmap_free(&im->vc);
	kr_tidmap_free(&im->by_id);
	free(im);
}
