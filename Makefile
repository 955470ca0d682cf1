# kvmrace: make              -> build/kvmrace-trace, build/kvmrace-load
#          make check        -> the whole test suite (unit, sanitizers, live integration)
#          make bench        -> benchmarks (root, /dev/kvm)
#          make deps         -> install build and test dependencies (apt)
#          make vmlinux-h    -> regenerate vmlinux-h/$(ARCH)/vmlinux.h from this kernel
#          make ARCH=powerpc|arm64 -> static cross build into build/<arch>/
#          make check-power|check-x86|check-arm64 -> the emulated KVM hosts
#          make install|uninstall [PREFIX=/usr/local DESTDIR=], make deb -> build/deb/*.deb
# V=1 shows the commands.

HOSTARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/')
ARCH ?= $(HOSTARCH)
CC ?= gcc
ifneq ($(ARCH),$(HOSTARCH))
# Cross build: static binaries against a sysroot of Debian's packages for the
# target (scripts/power/fetch.sh for powerpc, scripts/arm64/fetch.sh for
# arm64), into build/<arch>.
BUILD ?= build/$(ARCH)
CROSS_powerpc := powerpc64le-linux-gnu-
CROSS_arm64 := aarch64-linux-gnu-
CC := $(CROSS_$(ARCH))gcc
SYSROOT_powerpc := build/power/sysroot
SYSROOT_arm64 := build/cross/arm64/sysroot
FETCH_powerpc := scripts/power/fetch.sh
FETCH_arm64 := scripts/arm64/fetch.sh
SYSROOT ?= $(SYSROOT_$(ARCH))
TRIPLET_powerpc := powerpc64le-linux-gnu
TRIPLET_arm64 := aarch64-linux-gnu
XCFLAGS := -I$(SYSROOT)/usr/include
XLDFLAGS := -static -L$(SYSROOT)/usr/lib/$(TRIPLET_$(ARCH))
XLIBS := -lzstd
else
BUILD ?= build
ifeq ($(STATIC),1)
# Static host binaries (the emulated x86 runner's initramfs).
XLDFLAGS := -static
XLIBS := -lzstd
endif
endif
CLANG ?= clang
BPFTOOL ?= bpftool
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wno-missing-field-initializers
override CFLAGS += $(WARN) -std=gnu11 -Iuser -I$(BUILD) $(XCFLAGS)
LDLIBS_BPF := $(XLDFLAGS) -lbpf -lelf -lz $(XLIBS)
# trace.dat import through libtracecmd, where it is installed (host builds).
ifeq ($(ARCH)$(STATIC),$(HOSTARCH))
TRACECMD := $(shell pkg-config --exists libtracecmd 2>/dev/null && echo y)
endif
# The ftrace backend reads the raw per-CPU buffers through libtracefs and
# libtraceevent (static in cross and STATIC=1 builds: the sysroots carry
# them); LIBTRACEFS=0 builds the trace_pipe text reader instead.
ifneq ($(ARCH),$(HOSTARCH))
LIBTRACEFS ?= 1
TEP_INC := -I$(SYSROOT)/usr/include/tracefs -I$(SYSROOT)/usr/include/traceevent
else
LIBTRACEFS ?= $(shell pkg-config --exists libtracefs libtraceevent 2>/dev/null && echo 1 || echo 0)
TEP_INC := $(shell pkg-config --cflags libtracefs libtraceevent 2>/dev/null)
endif
ifeq ($(LIBTRACEFS),1)
override CFLAGS += -DHAVE_LIBTRACEFS -DHAVE_LIBTRACEEVENT $(TEP_INC)
ifneq ($(XLDFLAGS),)
# static: no dlopen (user/nodl.c; no plugins are loaded)
NODL := $(BUILD)/nodl.o
LDLIBS_TEP := -ltracefs -ltraceevent -Wl,--wrap=dlopen,--wrap=dlsym,--wrap=dlclose,--wrap=dlerror
else
LDLIBS_TEP := -ltracefs -ltraceevent -ldl
endif
endif
ifeq ($(TRACECMD),y)
override CFLAGS += -DHAVE_LIBTRACECMD -DHAVE_LIBTRACEEVENT $(shell pkg-config --cflags libtracecmd)
LDLIBS_TC := $(shell pkg-config --libs libtracecmd)
endif
# The raw ftrace reader (libtracefs); a binary record as text (libtraceevent,
# for it and for trace.dat).
ifeq ($(LIBTRACEFS),1)
RAW_OBJS := $(BUILD)/ftrace_raw.o
endif
ifneq ($(LIBTRACEFS)$(TRACECMD),0)
TEP_SRCS := user/tep.c
endif
# trace.dat: the structure check always, the reader process with libtracecmd
DAT_SRCS := user/tracedat.c
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

MULTIARCH := $(shell gcc -print-multiarch 2>/dev/null)
BPF_CFLAGS := -g -O2 -Wall -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux-h/$(ARCH) -Iuser \
	$(if $(MULTIARCH),-I/usr/include/$(MULTIARCH))

# The engine: pure C, no I/O (its unit tests link it alone, and
# tests/integration/layers.sh checks what its objects need).
ENGINE_SRCS := user/engine.c user/tidmap.c
CORE_SRCS := $(ENGINE_SRCS) user/record.c user/json.c user/summary.c user/decode.c user/util.c \
	user/hooks.c user/arch.c user/ftline.c user/convert.c user/input.c user/import.c user/perfcodec.c \
	user/export.c $(TEP_SRCS) $(DAT_SRCS)
CORE_OBJS := $(CORE_SRCS:user/%.c=$(BUILD)/%.o)
TRACE_OBJS := $(BUILD)/main.o $(BUILD)/opts.o $(BUILD)/job.o $(BUILD)/cmd_trace.o $(BUILD)/cmd_report.o \
	$(BUILD)/cmd_check.o $(BUILD)/source.o $(BUILD)/capture.o $(BUILD)/capture_bpf.o $(BUILD)/capture_ftrace.o \
	$(BUILD)/probe.o $(BUILD)/btf.o $(BUILD)/btf_embed.o $(RAW_OBJS) $(CORE_OBJS) $(NODL)
UNIT_TESTS := test_engine test_record test_util test_import test_tracedat

.PHONY: all clean check test unit unit-asan integration bench deps demo vmlinux-h check-power check-x86 check-arm64 FORCE
all: $(BUILD)/kvmrace-trace $(BUILD)/kvmrace-load

$(BUILD) $(BUILD)/bpf $(BUILD)/asan:
	$(Q)mkdir -p $@

$(BUILD)/bpf/kvmrace.bpf.o: bpf/kvmrace.bpf.c user/kvmrace.h vmlinux-h/$(ARCH)/vmlinux.h | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/kvmrace.skel.h: $(BUILD)/bpf/kvmrace.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name kvmrace_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/capture_bpf.o: $(BUILD)/kvmrace.skel.h

# The minimal BTF for the kernel vmlinux-h/$(ARCH)/ describes, if it has one.
$(BUILD)/btf_embed.c: $(BUILD)/bpf/kvmrace.bpf.o scripts/gen-btf-embed.sh $(wildcard vmlinux-h/$(ARCH)/vmlinux.btf.xz vmlinux-h/$(ARCH)/RELEASE)
	$(call msg,GEN-BTF,$@)
	$(Q)scripts/gen-btf-embed.sh $(ARCH) $< $@

$(BUILD)/btf_embed.o: $(BUILD)/btf_embed.c user/btf_embed.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# The per-event path of report (text parsing, the engine): -O3 measured 6%
# less CPU than -O2 on a 1 M-event import (make bench, section 4).
$(BUILD)/ftline.o $(BUILD)/convert.o $(BUILD)/import.o $(BUILD)/engine.o: override CFLAGS += -O3

$(BUILD)/%.o: user/%.c $(wildcard user/*.h) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/kvmrace-trace: $(TRACE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS_BPF) $(LDLIBS_TC) $(LDLIBS_TEP) -lm

$(BUILD)/kvmrace-load: user/load.c user/summary.h | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -pthread $< -o $@ $(XLDFLAGS)

$(BUILD)/bpf $(BUILD)/asan: | $(BUILD)

ifneq ($(ARCH),$(HOSTARCH))
$(TRACE_OBJS) $(BUILD)/kvmrace-load: | $(SYSROOT)/.ok
$(SYSROOT)/.ok:
	$(FETCH_$(ARCH))
	$(Q)touch $@
endif

# Every CO-RE relocation of the powerpc (arm64) BPF object must resolve
# against the real Debian ppc64le (arm64) kernel's BTF in vmlinux-h/<arch>/
# (bpftool gen min_core_btf fails naming the field).
core-check-%:
	$(Q)$(MAKE) --no-print-directory ARCH=$* build/$*/bpf/kvmrace.bpf.o
	$(Q)scripts/core-check.sh $* build/$*/bpf/kvmrace.bpf.o

# ---- tests ----
# The engine's tests link the engine alone: an I/O or import dependency
# creeping into it fails the link.
$(BUILD)/test_engine: tests/unit/test_engine.c tests/unit/tap.h $(ENGINE_SRCS) $(wildcard user/*.h) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit $< $(ENGINE_SRCS) -o $@

$(BUILD)/asan/test_engine: tests/unit/test_engine.c tests/unit/tap.h $(ENGINE_SRCS) $(wildcard user/*.h) | $(BUILD)/asan
	$(call msg,CC-ASAN,$@)
	$(Q)$(CC) $(CFLAGS) -O1 $(SAN) -Itests/unit $< $(ENGINE_SRCS) -o $@

$(BUILD)/test_%: tests/unit/test_%.c tests/unit/tap.h $(CORE_SRCS) $(wildcard user/*.h) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests/unit $< $(CORE_SRCS) -o $@ $(LDLIBS_TC) $(LDLIBS_TEP) -lm

$(BUILD)/asan/test_%: tests/unit/test_%.c tests/unit/tap.h $(CORE_SRCS) $(wildcard user/*.h) | $(BUILD)/asan
	$(call msg,CC-ASAN,$@)
	$(Q)$(CC) $(CFLAGS) -O1 $(SAN) -Itests/unit $< $(CORE_SRCS) -o $@ $(LDLIBS_TC) $(LDLIBS_TEP) -lm

$(BUILD)/kvmrace-synth: tests/tools/synth.c $(CORE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS_TC) $(LDLIBS_TEP) -lm

unit: $(UNIT_TESTS:%=$(BUILD)/%)
unit-asan: $(UNIT_TESTS:%=$(BUILD)/asan/%)

# kvmrace-trace itself under ASan+UBSan, for the tests of bad input.
# (A make of its own: every object with the sanitizers.)
$(BUILD)/asan-trace/kvmrace-trace: FORCE
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/asan-trace CFLAGS="-O1 -g $(SAN)" $@
# Without libtracefs: the ftrace backend's trace_pipe text reader.
$(BUILD)/text-reader/kvmrace-trace: FORCE
	$(Q)$(MAKE) --no-print-directory BUILD=$(BUILD)/text-reader LIBTRACEFS=0 $@
FORCE:

include tests/fuzz/fuzz.mk

# What the suite runs, built first with a job per CPU.
CHECK_BUILD := all unit unit-asan $(BUILD)/kvmrace-synth $(BUILD)/asan-trace/kvmrace-trace \
	$(BUILD)/text-reader/kvmrace-trace
check test:
	$(Q)$(MAKE) --no-print-directory -j$(shell nproc 2> /dev/null || echo 1) $(CHECK_BUILD)
	$(Q)tests/run.sh

bench: all $(BUILD)/kvmrace-synth
	$(Q)tests/bench.sh

# The emulated POWER9/POWER8 KVM-HV runner: results in build/power/.
check-power:
	scripts/power/run.sh

# The emulated x86 KVM (SVM) host: kvm_entry/kvm_exit, every attach method.
check-x86:
	scripts/x86/run.sh

# The emulated arm64 KVM host: the cross build, live in every attach method,
# the kernel's own ftrace text replayed; results in build/arm64-vm/.
check-arm64:
	scripts/arm64/run.sh

deps:
	scripts/install-deps.sh

# kvmrace-trace at work here: live with /dev/kvm, else in the emulated POWER9
# host (stock kvm-hv against one with the 2017 fix reverted).
demo: all
	scripts/demo.sh

vmlinux-h:
	scripts/gen-vmlinux-h.sh $(ARCH)

clean:
	rm -rf $(BUILD)

# make install / uninstall (PREFIX, DESTDIR), make deb, make deb-deps
include mk/install.mk
