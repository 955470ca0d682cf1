// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "btf.h"
#include "btf_embed.h"

#define KERNEL_BTF "/sys/kernel/btf/vmlinux"

static int silent(enum libbpf_print_level l, const char *fmt, va_list ap)
{
	(void)l;
	(void)fmt;
	(void)ap;
	return 0;
}

/* The first line of a small file, "" if it cannot be read. */
static void first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

/* --btf FILE: a kernel's BTF, of this kernel where it says which
 * (vmlinux-h/<arch>/ keeps the release its BTF came from in RELEASE). */
static const char *btf_file(const char *path, char *why, size_t len)
{
	libbpf_print_fn_t old = libbpf_set_print(silent);
	char rel_path[4200], rel[128], run[128];
	struct btf *b = NULL;
	struct stat st;
	char *slash;
	bool kernel;

	if (stat(path, &st)) {
		snprintf(why, len, "--btf %s: %s", path, strerror(errno));
		libbpf_set_print(old);
		return NULL;
	}
	b = btf__parse(path, NULL);
	libbpf_set_print(old);
	if (!b) {
		snprintf(why, len, "--btf %s: not a BTF file (or split BTF without its base)", path);
		return NULL;
	}
	kernel = btf__find_by_name_kind(b, "task_struct", BTF_KIND_STRUCT) > 0;
	btf__free(b);
	if (!kernel) {
		snprintf(why, len, "--btf %s: not a kernel's BTF (no struct task_struct)", path);
		return NULL;
	}
	snprintf(rel_path, sizeof(rel_path), "%s", path);
	slash = strrchr(rel_path, '/');
	snprintf(slash ? slash + 1 : rel_path, sizeof(rel_path) - (slash ? (size_t)(slash + 1 - rel_path) : 0),
		 "RELEASE");
	first_line(rel_path, rel, sizeof(rel));
	first_line("/proc/sys/kernel/osrelease", run, sizeof(run));
	if (rel[0] && run[0] && strcmp(rel, run)) {
		snprintf(why, len, "--btf %s is for kernel %s (its RELEASE file), this kernel is %s", path, rel, run);
		return NULL;
	}
	return path;
}

/* The minimal BTF kvmrace carries for this kernel, staged in a memfd. */
static const char *btf_embedded(char *why, size_t len)
{
	static char path[64];
	const struct kr_btf_embed *b;
	char run[128];
	size_t o;
	int fd;

	if (path[0])	/* staged already */
		return path;
	first_line("/proc/sys/kernel/osrelease", run, sizeof(run));
	for (b = kr_btf_embedded; b->release; b++) {
		if (strcmp(b->release, run))
			continue;
		fd = memfd_create("kvmrace-btf", MFD_CLOEXEC);
		if (fd < 0 || write(fd, b->data, b->len) != (ssize_t)b->len) {
			snprintf(why, len, "cannot stage the embedded BTF for %s: %s", run, strerror(errno));
			return NULL;
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		return path;
	}
	o = (size_t)snprintf(why, len, "this kernel (%s) has no BTF (" KERNEL_BTF ") and kvmrace has none "
			     "embedded for it; pass --btf FILE (scripts/power/gen-btf.sh makes one from the kernel's "
			     "debug package), or use --backend ftrace. Embedded:", run);
	for (b = kr_btf_embedded; b->release && o < len; b++)
		o += (size_t)snprintf(why + o, len - o, " %s", b->release);
	if (!kr_btf_embedded[0].release && o < len)
		snprintf(why + o, len - o, " none");
	return NULL;
}

const char *kr_btf_source(const char *btf_path, char *why, size_t len)
{
	struct stat st;

	if (btf_path)
		return btf_file(btf_path, why, len);
	if (!stat(KERNEL_BTF, &st))
		return KERNEL_BTF;
	return btf_embedded(why, len);
}
