# ---- fuzzing and the trace.dat reader's tests (included by the Makefile) ----
FUZZ_SRC := tests/fuzz

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

