# make install / uninstall / deb (included by the Makefile).
#
#   make install   [PREFIX=/usr/local] [DESTDIR=]  build, then lay out:
#     $(SBINDIR)/kvmrace-trace    a root tracer: sbin and section 8, as Debian
#                                 ships bpftool (/usr/sbin/bpftool, bpftool(8))
#     $(BINDIR)/kvmrace-load      any user with /dev/kvm: bin and section 1
#     $(MANDIR)/man8/kvmrace-trace.8, $(MANDIR)/man1/kvmrace-load.1
#     $(BASHCOMPDIR)/kvmrace-trace, kvmrace-load (a link to the same file)
#     $(DOCDIR)/README.md, docs/*.md, examples/ (two POWER recordings)
#   make uninstall [PREFIX=...] [DESTDIR=]  removes exactly those files (and
#                                 kvmrace's own doc directories once empty)
#   make deb                      Debian package from a copy of the tree in
#                                 build/deb/ (dpkg-buildpackage -us -uc -b):
#                                 build/deb/kvmrace_<version>_<arch>.deb
#   make deb-deps                 install the package's missing Build-Depends
#                                 (root; apt under /tmp/kvmrace-apt.lock)

PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/kvmrace
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
INSTALL ?= install

INST_DOCS := $(sort $(wildcard docs/*.md))
INST_EXAMPLES := tests/fixtures/power/p9-clean.kvmrace tests/fixtures/power/p9-injected.kvmrace \
	tests/fixtures/power/p9-injected.injections tests/fixtures/power/p9-injected.log
# Every file install lays, as installed (uninstall removes this list).
INST_FILES := $(SBINDIR)/kvmrace-trace $(BINDIR)/kvmrace-load \
	$(MANDIR)/man8/kvmrace-trace.8 $(MANDIR)/man1/kvmrace-load.1 \
	$(BASHCOMPDIR)/kvmrace-trace $(BASHCOMPDIR)/kvmrace-load \
	$(DOCDIR)/README.md $(INST_DOCS:docs/%=$(DOCDIR)/docs/%) \
	$(DOCDIR)/examples/README.md $(addprefix $(DOCDIR)/examples/,$(notdir $(INST_EXAMPLES)))

.PHONY: install uninstall deb deb-deps
install: $(BUILD)/kvmrace-trace $(BUILD)/kvmrace-load
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(DOCDIR)/examples
	$(Q)$(INSTALL) -m 0755 $(BUILD)/kvmrace-trace $(DESTDIR)$(SBINDIR)/kvmrace-trace
	$(Q)$(INSTALL) -m 0755 $(BUILD)/kvmrace-load $(DESTDIR)$(BINDIR)/kvmrace-load
	$(Q)$(INSTALL) -m 0644 docs/kvmrace-trace.8 $(DESTDIR)$(MANDIR)/man8/kvmrace-trace.8
	$(Q)$(INSTALL) -m 0644 docs/kvmrace-load.1 $(DESTDIR)$(MANDIR)/man1/kvmrace-load.1
	$(Q)$(INSTALL) -m 0644 scripts/bash-completion/kvmrace $(DESTDIR)$(BASHCOMPDIR)/kvmrace-trace
	$(Q)ln -sfn kvmrace-trace $(DESTDIR)$(BASHCOMPDIR)/kvmrace-load
	$(Q)$(INSTALL) -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	$(Q)$(INSTALL) -m 0644 $(INST_DOCS) $(DESTDIR)$(DOCDIR)/docs/
	$(Q)$(INSTALL) -m 0644 docs/examples/README.md $(DESTDIR)$(DOCDIR)/examples/README.md
	$(Q)$(INSTALL) -m 0644 $(INST_EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/

uninstall:
	$(call msg,UNINST,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(addprefix $(DESTDIR),$(INST_FILES))
	$(Q)for d in $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(DOCDIR); do \
		[ ! -d "$$d" ] || rmdir --ignore-fail-on-non-empty "$$d"; done

# The package is built from a copy of the tree (without build/ and .git), so
# dpkg-buildpackage's outputs (written next to the source directory) land in
# build/deb/, never in the repository. The copy's make must not inherit this
# make's command-line variables: make exports them, and BUILD=... made the
# copy's clean remove the caller's build directory (debian/rules sets it too).
DEB_DIR := build/deb
DEB_SRC := $(DEB_DIR)/kvmrace
deb:
	$(Q)command -v dpkg-buildpackage > /dev/null || { echo "deb: dpkg-buildpackage missing (apt-get install dpkg-dev)" >&2; exit 1; }
	$(Q)err=$$(dpkg-checkbuilddeps 2>&1) || { echo "deb: $${err#*error: } (make deb-deps installs them)" >&2; exit 1; }
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_SRC)
	$(Q)tar -cf - --exclude=./build --exclude=./.git . | tar -xf - -C $(DEB_SRC)
	$(call msg,DPKG,$(DEB_DIR))
	$(Q)cd $(DEB_SRC) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u BUILD dpkg-buildpackage -us -uc -b > ../build.log 2>&1 || \
		{ tail -30 ../build.log >&2; echo "deb: dpkg-buildpackage failed (log: $(DEB_DIR)/build.log)" >&2; exit 1; }
	$(Q)ls $(DEB_DIR)/*.deb

deb-deps:
	$(Q)missing=$$(dpkg-checkbuilddeps 2>&1 | sed -n 's/.*Unmet build dependencies: //p' | \
		sed -e 's/([^)]*)//g' -e 's/debhelper-compat/debhelper/'); \
	if [ -n "$$missing" ]; then \
		echo "deb-deps: installing $$missing"; \
		flock /tmp/kvmrace-apt.lock apt-get install -y -qq --no-install-recommends $$missing > /dev/null; \
	fi
