# ---- fuzzing (included by the Makefile; tests/fuzz/README.md) ----
#   make fuzz [FUZZ_SECONDS=N] [FUZZ_RUNS=R] [FUZZ_TARGETS="text record"] [FUZZ_JOBS=J]
#       libFuzzer campaigns (clang, ASan+UBSan), N seconds per target, or
#       until R executions (the job that reaches R ends it; J processes
#       each), from
#       the committed corpus into build/fuzz/corpus/; fails on any crash,
#       leak or UB report (inputs in build/fuzz/crashes/TARGET/).
#   make fuzz-build      the libFuzzer binaries only (build/fuzz/fuzz_TARGET)
#   make fuzz-merge      minimise build/fuzz/corpus/ into tests/fuzz/corpus/
#   make unit-asan       also builds build/asan/test_fuzz_TARGET: each harness
#       with gcc and tests/fuzz/replay.c, replaying tests/fuzz/regress/TARGET
#       and tests/fuzz/corpus/TARGET in the unit tests (no clang needed).
FUZZ_TARGETS ?= text record engine tracedat
FUZZ_SECONDS ?= 600
FUZZ_JOBS ?= 1
FUZZ_RUNS ?=
FUZZ_CC ?= clang
FUZZ_OUT := $(BUILD)/fuzz
FUZZ_SRC := tests/fuzz
FUZZ_HELPERS := $(FUZZ_SRC)/common.c $(FUZZ_SRC)/check.c
# the code report runs on a file: the core and report's source (source.c)
FUZZ_CORE := $(CORE_SRCS) user/source.c
FUZZ_DEPS := $(FUZZ_HELPERS) $(FUZZ_SRC)/fuzz.h $(FUZZ_CORE) $(wildcard user/*.h)
# clang: coverage for libFuzzer in every object, its main at the link
FUZZ_CFLAGS = $(CFLAGS) -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=all -I$(FUZZ_SRC)

.PHONY: fuzz fuzz-build fuzz-merge

$(FUZZ_OUT):
	$(Q)mkdir -p $@

# The core and the helpers once for every target (coverage, no libFuzzer
# main), each harness with libFuzzer's main at the link.
FUZZ_OBJS := $(patsubst %.c,$(FUZZ_OUT)/obj/%.o,$(FUZZ_HELPERS) $(FUZZ_CORE))
.SECONDARY: $(FUZZ_OBJS)
$(FUZZ_OUT)/obj/%.o: %.c $(FUZZ_SRC)/fuzz.h $(wildcard user/*.h) | $(FUZZ_OUT)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -c $< -o $@

$(FUZZ_OUT)/fuzz_%: $(FUZZ_SRC)/fuzz_%.c $(FUZZ_OBJS) $(FUZZ_SRC)/fuzz.h | $(FUZZ_OUT)
	$(call msg,FUZZ-LD,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer,address,undefined $< $(FUZZ_OBJS) -o $@ \
		$(LDLIBS_TC) $(LDLIBS_TEP) -lm

# The same harness as a plain program (gcc, ASan+UBSan) for the unit tests.
$(BUILD)/asan/test_fuzz_%: $(FUZZ_SRC)/fuzz_%.c $(FUZZ_SRC)/replay.c $(FUZZ_DEPS) | $(BUILD)/asan
	$(call msg,CC-ASAN,$@)
	$(Q)$(CC) $(CFLAGS) -O1 $(SAN) -I$(FUZZ_SRC) -DFZ_TARGET=\"$*\" -DFZ_DIR=\"$(CURDIR)/$(FUZZ_SRC)\" $< \
		$(FUZZ_SRC)/replay.c $(FUZZ_HELPERS) $(FUZZ_CORE) -o $@ $(LDLIBS_TC) $(LDLIBS_TEP) -lm

unit-asan: $(FUZZ_TARGETS:%=$(BUILD)/asan/test_fuzz_%)

# The trace.dat reader's unit test and the trace.dat synthesiser (mkdat.h).
MKDAT_DEFS = -I$(FUZZ_SRC) -DFZ_DIR=\"$(CURDIR)/$(FUZZ_SRC)\" -DMKDAT_FORMATS=\"$(CURDIR)/$(FUZZ_SRC)/dat/formats\"
$(BUILD)/test_tracedat: tests/unit/test_tracedat.c $(FUZZ_SRC)/mkdat.c $(FUZZ_SRC)/mkdat.h tests/unit/tap.h $(CORE_SRCS) \
		$(wildcard user/*.h) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(MKDAT_DEFS) -Itests/unit $< $(FUZZ_SRC)/mkdat.c $(CORE_SRCS) -o $@ $(LDLIBS_TC) $(LDLIBS_TEP) -lm

$(BUILD)/asan/test_tracedat: tests/unit/test_tracedat.c $(FUZZ_SRC)/mkdat.c $(FUZZ_SRC)/mkdat.h tests/unit/tap.h \
		$(CORE_SRCS) $(wildcard user/*.h) | $(BUILD)/asan
	$(call msg,CC-ASAN,$@)
	$(Q)$(CC) $(CFLAGS) -O1 $(SAN) $(MKDAT_DEFS) -Itests/unit $< $(FUZZ_SRC)/mkdat.c $(CORE_SRCS) -o $@ $(LDLIBS_TC) \
		$(LDLIBS_TEP) -lm

$(BUILD)/kvmrace-mkdat: $(FUZZ_SRC)/mkdat.c $(FUZZ_SRC)/mkdat.h | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(MKDAT_DEFS) -DMKDAT_MAIN $< -o $@

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_OUT)/fuzz_%)

fuzz: fuzz-build
	$(Q)FUZZ_OUT=$(FUZZ_OUT) FUZZ_JOBS=$(FUZZ_JOBS) FUZZ_RUNS=$(FUZZ_RUNS) $(FUZZ_SRC)/campaign.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-merge: fuzz-build
	$(Q)FUZZ_OUT=$(FUZZ_OUT) $(FUZZ_SRC)/campaign.sh --merge $(FUZZ_TARGETS)

# The trace.dat reader's cost against libtracecmd in-process (datbench.c).
$(BUILD)/kvmrace-datbench: $(FUZZ_SRC)/datbench.c $(CORE_SRCS) $(wildcard user/*.h) | $(BUILD)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -O2 $< $(CORE_SRCS) -o $@ $(LDLIBS_TC) $(LDLIBS_TEP) -lm
