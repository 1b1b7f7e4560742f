# Makefile - build, test and benchmark talon (GNU make).
#
#   make              check deps, build libtalon.a, talon (with the
#                     benchmarks linked in), tests, examples
#   make test         build, then run every test (scripts/run-tests.sh)
#   make bench        build, then `talon bench --suite all --out DIR` and
#                     `talon bench report DIR` (DIR: $(B)/bench-results/
#                     <UTC time>; BENCH_SUITES=kernel,ring picks suites,
#                     BENCH_FLAGS='--duration 2' adds flags, BENCH_OUT=DIR)
#   make run          build, then run $(RUN_CMD)
#   make chaos        build, then the long chaos test
#                     (tests/chaos/test_chaos.py --long; CHAOS_FLAGS)
#   make install      install talon.h, libtalon.a, talon.pc and talon under
#                     PREFIX (default /usr/local), staged under DESTDIR
#   make fuzz         build every libFuzzer target with clang into
#                     build-fuzz/fuzz/ (scripts/fuzz.sh runs them)
#   make deps         check / install the build dependencies again
#                     (`make test` also checks the programs tests run:
#                     scripts/deps.sh --test)
#   make clean        remove every build directory
#
#   SAN=address,undefined   sanitized build in build-asan/
#   SAN=thread              sanitized build in build-tsan/
#   FUZZ=1                  clang + libFuzzer instrumentation in build-fuzz/
#                           (what `make fuzz` uses)
#   V=1                     show full commands
#   TESTS=pattern           run only tests whose path contains pattern
#   CFLAGS, CPPFLAGS, LDFLAGS, LDLIBS   appended to ours
#
# Layout of a build directory $(B) mirrors the source tree:
#   $(B)/libtalon.a            kernel/ runtime/ io/ (venue drivers, net)
#                              persist/: what a strategy links
#   $(B)/libtalon_sim.a        sim/: the simulated exchange (talon venue)
#   $(B)/libtalon_mon.a        mon/: `talon monitor` and the snapshot
#                              JSON ctl shares, the metrics (linked into
#                              talon, the tests and the fuzz targets)
#   $(B)/libtalon_bench.a      bench/ bench/support/ (the `talon bench`
#                              suites; linked into talon and tests/bench/)
#   $(B)/talon                 cli/
#   $(B)/tests/<dir>/test_<unit>   one per tests/<dir>/test_<unit>.c (the
#                              test folders mirror the source folders)
#   $(B)/tests/<dir>/test_<unit>   also one per tests/<dir>/test_<unit>.sh
#                              (a shell test, copied; run the same way)
#   $(B)/examples/<name>       one per examples/<name>.c
#   $(B)/talon.pc              pkg-config file for `make install`
#   $(B)/bench-results/<time>/ what `make bench` wrote (results, report)
#   $(B)/bench-cache/          recovery journals kept between bench runs

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

comma := ,
SAN ?=

# ---- build directory -------------------------------------------------------
# One directory per sanitizer set, so objects never mix.
san_dir_address_undefined := build-asan
san_dir_thread := build-tsan
ifeq ($(FUZZ),1)
# `make fuzz` re-enters make with FUZZ=1: everything built with clang and
# libFuzzer's coverage instrumentation, in its own directory.
B := build-fuzz
CC := clang
else ifeq ($(SAN),)
B := build
else
B := $(or $(san_dir_$(subst $(comma),_,$(SAN))),build-$(subst $(comma),-,$(SAN)))
endif

# ---- flags, in layers ------------------------------------------------------
OPT := -O2
ifneq ($(SAN),)
OPT := -O1
SAN_FLAGS := -fsanitize=$(SAN) -fno-omit-frame-pointer
ifneq ($(findstring undefined,$(SAN)),)
# Undefined behaviour aborts the program, so the test fails.
SAN_FLAGS += -fno-sanitize-recover=undefined
endif
ifneq ($(findstring thread,$(SAN)),)
# ck's default x86 atomics are inline asm, which ThreadSanitizer cannot see;
# ck's compiler-builtin mode uses GCC's __sync builtins, which it can. (In
# ck 0.7.1 plain ck_pr_load/store stay volatile accesses in that mode, so a
# ring's head/tail still need a TSan suppression or annotation.)
SAN_CPPFLAGS := -DCK_USE_CC_BUILTINS=1
endif
endif

ifeq ($(FUZZ),1)
OPT := -O1
SAN_FLAGS := -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer
endif

BASE_CFLAGS := -std=gnu11 $(OPT) -g -pthread
WARN_CFLAGS := -Wall -Wextra -Werror
DEP_CFLAGS  := -MMD -MP
TL_CPPFLAGS := -I. $(SAN_CPPFLAGS)

# TL_PKG_CFLAGS and TL_PKG_LIBS come from $(B)/config.mk (scripts/deps.sh).
ALL_CFLAGS   = $(BASE_CFLAGS) $(WARN_CFLAGS) $(DEP_CFLAGS) $(SAN_FLAGS) \
               $(TL_CPPFLAGS) $(TL_PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS  = -pthread $(SAN_FLAGS) $(LDFLAGS)
ALL_LDLIBS   = $(TL_PKG_LIBS) $(LDLIBS)

# ---- version ---------------------------------------------------------------
VERSION    := $(shell cat VERSION)
GIT_DESC   := $(shell git describe --always --dirty 2>/dev/null)
TL_VERSION := $(VERSION)$(if $(GIT_DESC),+$(GIT_DESC))

# ---- sources ---------------------------------------------------------------
LIB_SRCS     := $(wildcard kernel/*.c runtime/*.c io/*.c io/*/*.c persist/*.c)
# The simulated exchange (`talon venue`): its own archive, linked into the
# talon binary, the tests and the benchmarks, never into libtalon.a.
SIM_SRCS     := $(wildcard sim/*.c)
CLI_SRCS     := $(wildcard cli/*.c)
# The cli files that include <curses.h> (`talon top`): only they get
# ncursesw's flags, only the talon program links it (TL_CLI_PKG_* from
# scripts/deps.sh).
CURSES_SRCS  := cli/cmd_top.c cli/top_view.c
SUPPORT_SRCS := $(wildcard tests/support/*.c)
TEST_SRCS    := $(filter-out tests/support/% tests/data/%,$(wildcard tests/*/test_*.c tests/*/*/test_*.c))
# Shell tests: they print the same TLTEST line as the C ones.
TEST_SH      := $(wildcard tests/*/test_*.sh)
EXAMPLE_SRCS := $(wildcard examples/*.c)
# bench/*.c (one file per `talon bench` suite, the registry, the report)
# and bench/support/*.c: an archive linked into talon and the bench tests.
BENCH_SRCS   := $(wildcard bench/*.c bench/support/*.c)
# mon/*.c: `talon monitor` (the HTTP server, the snapshot's JSON that ctl
# shares, the Prometheus text, the embedded dashboard page): an archive
# linked into talon and the tests under tests/mon/.
MON_SRCS     := $(wildcard mon/*.c)
# tests/fuzz/fuzz_<input>.c: one LLVMFuzzerTestOneInput each
# (docs/testing.md). Linked with tests/fuzz/driver.c into
# $(B)/tests/fuzz/test_fuzz_<input>, which `make test` runs: it replays
# the target's corpus and saved crashes with this build's compiler and
# sanitizers. `make fuzz` links them with libFuzzer instead.
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_DRIVER  := tests/fuzz/driver.c

obj = $(patsubst %.c,$(B)/%.o,$(1))

LIB          := $(B)/libtalon.a
SIM_LIB      := $(B)/libtalon_sim.a
BENCH_LIB    := $(B)/libtalon_bench.a
MON_LIB      := $(B)/libtalon_mon.a
TALON        := $(B)/talon
LIB_OBJS     := $(call obj,$(LIB_SRCS))
SIM_OBJS     := $(call obj,$(SIM_SRCS))
CLI_OBJS     := $(call obj,$(CLI_SRCS))
SUPPORT_OBJS := $(call obj,$(SUPPORT_SRCS))
TEST_BINS    := $(patsubst %.c,$(B)/%,$(TEST_SRCS))
TEST_SH_BINS := $(patsubst %.sh,$(B)/%,$(TEST_SH))
BENCH_OBJS   := $(call obj,$(BENCH_SRCS))
BENCH_TEST_BINS := $(filter $(B)/tests/bench/%,$(TEST_BINS))
MON_OBJS     := $(call obj,$(MON_SRCS))
EXAMPLE_BINS := $(patsubst %.c,$(B)/%,$(EXAMPLE_SRCS))
# tests/chaos/test_*.py: process-level tests in python3; make writes a
# wrapper per script into $(B)/tests/chaos/ that runs it on $(B)/talon.
CHAOS_SRCS   := $(wildcard tests/chaos/test_*.py)
CHAOS_BINS   := $(patsubst %.py,$(B)/%,$(CHAOS_SRCS))
FUZZ_REPLAY_BINS := $(patsubst tests/fuzz/%.c,$(B)/tests/fuzz/test_%,$(FUZZ_SRCS))
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRCS))
ALL_OBJS     := $(call obj,$(LIB_SRCS) $(SIM_SRCS) $(CLI_SRCS) $(SUPPORT_SRCS) \
                $(TEST_SRCS) $(BENCH_SRCS) $(MON_SRCS) \
                $(EXAMPLE_SRCS) $(FUZZ_SRCS) $(FUZZ_DRIVER))

# `make run`: the simulated exchange (talon venue -c config/venue.json) and
# the engine with the demo strategy against it (talon run -c
# config/talon.json --demo); Ctrl-C stops both (scripts/run.sh).
RUN_CMD ?= scripts/run.sh $(B)

# ---- output ----------------------------------------------------------------
ifeq ($(V),1)
Q   :=
say := @:
else
Q   := @
say := @printf '  %-6s %s\n'
endif

# The simulated exchange's CA and server certificate (build/tls/).
include sim/tls.mk

# ---- targets ---------------------------------------------------------------
.PHONY: all test bench run chaos deps clean install fuzz fuzz-bins FORCE

all: $(LIB) $(SIM_LIB) $(TALON) $(TEST_BINS) $(TEST_SH_BINS) $(CHAOS_BINS) \
     $(FUZZ_REPLAY_BINS) $(EXAMPLE_BINS) $(SIM_TLS) $(B)/talon.pc

# libFuzzer needs clang (scripts/deps.sh checks for it with --fuzz).
fuzz:
	$(Q)scripts/deps.sh --fuzz
	$(Q)$(MAKE) --no-print-directory FUZZ=1 fuzz-bins

fuzz-bins: $(FUZZ_BINS)

# deps.sh --test: the programs some tests drive (tmux), installed when
# missing.
test: all
	$(Q)scripts/deps.sh --test
	$(Q)TESTS='$(TESTS)' scripts/run-tests.sh $(B)

# `make bench`: every suite into a fresh results directory, then the
# report; fails if a suite failed, but writes the report either way.
BENCH_SUITES ?= all
BENCH_FLAGS  ?=
BENCH_OUT    ?= $(B)/bench-results/$(bench_stamp)
bench_stamp  := $(shell date -u +%Y%m%dT%H%M%SZ)

bench: all
	$(Q)rc=0; \
	$(TALON) bench --suite $(BENCH_SUITES) --out $(BENCH_OUT) $(BENCH_FLAGS) || rc=1; \
	$(TALON) bench report $(BENCH_OUT) || rc=1; \
	echo "bench: results in $(BENCH_OUT)/results.jsonl, report in $(BENCH_OUT)/report.md" >&2; \
	exit $$rc

run: $(TALON)
	$(RUN_CMD)

# `make chaos`: the long chaos test (>= 50 kill -9 over the fault
# profiles, a summary table at the end; docs/recovery.md "Chaos test").
# CHAOS_FLAGS='--rounds 3' shortens it, CHAOS_SEED=N repeats a run.
CHAOS_FLAGS ?=
chaos: $(TALON) $(CHAOS_BINS) $(SIM_TLS)
	$(Q)$(B)/tests/chaos/test_chaos --long $(CHAOS_FLAGS)

deps:
	$(Q)scripts/deps.sh --mk $(B)/config.mk

clean:
	rm -rf build build-*

# ---- install ---------------------------------------------------------------
# What a strategy builds against: the public header, the library, the
# pkg-config file (`pkg-config --cflags --libs --static talon`), and the
# talon program (run, ctl, replay, venue, bench). DESTDIR stages a package
# without changing the paths written into talon.pc.
PREFIX  ?= /usr/local
DESTDIR ?=

install: $(LIB) $(TALON) $(B)/talon.pc
	$(say) INSTALL $(DESTDIR)$(PREFIX)
	$(Q)install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/bin
	$(Q)install -m 644 include/talon.h $(DESTDIR)$(PREFIX)/include/talon.h
	$(Q)install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libtalon.a
	$(Q)sed 's|@PREFIX@|$(PREFIX)|' $(B)/talon.pc >$(DESTDIR)$(PREFIX)/lib/pkgconfig/talon.pc
	$(Q)chmod 644 $(DESTDIR)$(PREFIX)/lib/pkgconfig/talon.pc
	$(Q)install -m 755 $(TALON) $(DESTDIR)$(PREFIX)/bin/talon

# The pkg-config file, PREFIX left as @PREFIX@ (install fills it in).
# libtalon.a is a static archive: a program links the libraries it uses
# too, so they are Requires.private / Libs.private (pkg-config --static).
# The names are scripts/deps.sh's (TL_PKG_LINK_NAMES in $(B)/config.mk).
$(B)/talon.pc: VERSION $(B)/config.mk
	$(say) GEN $@
	@mkdir -p $(@D)
	$(Q){ \
	echo 'prefix=@PREFIX@'; \
	echo 'exec_prefix=$${prefix}'; \
	echo 'libdir=$${exec_prefix}/lib'; \
	echo 'includedir=$${prefix}/include'; \
	echo; \
	echo 'Name: talon'; \
	echo 'Description: talon order execution engine: the strategy API (talon.h)'; \
	echo 'Version: $(VERSION)'; \
	echo 'Requires.private: $(TL_PKG_LINK_NAMES)'; \
	echo 'Cflags: -I$${includedir}'; \
	echo 'Libs: -L$${libdir} -ltalon'; \
	echo 'Libs.private: -pthread -lpthread -ldl -lm'; \
	} >$@

# ---- rules -----------------------------------------------------------------
# $(B)/config.mk holds the pkg-config flags; make builds it (running the
# dependency check) before anything else, then re-reads the Makefile.
# `make clean`, `make deps` and `make fuzz` (which re-enters make with
# FUZZ=1) need neither it nor the .d files.
ifneq ($(filter-out clean deps fuzz,$(or $(MAKECMDGOALS),all)),)
include $(B)/config.mk
-include $(ALL_OBJS:.o=.d)
endif

$(B)/config.mk: scripts/deps.sh
	$(say) DEPS scripts/deps.sh
	$(Q)scripts/deps.sh --mk $@

# Rewritten only when their text changes, so everything rebuilds exactly
# when the flags do (`make CFLAGS=-O0`), and cli/ when the version does.
write-if-changed = @mkdir -p $(@D); \
	if [ "$$(cat $@ 2>/dev/null)" != '$(1)' ]; then \
		printf '%s\n' '$(1)' >$@; fi

$(B)/flags.txt: FORCE
	$(call write-if-changed,$(CC) $(ALL_CFLAGS) $(TL_CLI_PKG_CFLAGS) | $(ALL_LDFLAGS) $(ALL_LDLIBS) $(TL_CLI_PKG_LIBS))

$(B)/version.txt: FORCE
	$(call write-if-changed,$(TL_VERSION))

$(B)/%.o: %.c $(B)/flags.txt
	$(say) CC $<
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(EXTRA_CFLAGS) -c -o $@ $<

$(CLI_OBJS): EXTRA_CFLAGS = -DTL_VERSION='"$(TL_VERSION)"'
$(CLI_OBJS): $(B)/version.txt
$(call obj,$(CURSES_SRCS)): EXTRA_CFLAGS += $(TL_CLI_PKG_CFLAGS)

# The malloc hook is first called from inside the sanitizer runtime's own
# start-up (its interceptor set-up calls dlsym, which mallocs), before ASan's
# shadow memory or TSan's thread state exist: it must not be instrumented.
$(B)/tests/support/alloc_hook.o: EXTRA_CFLAGS = -fno-sanitize=all

$(LIB): $(LIB_OBJS)
	$(say) AR $@
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $(LIB_OBJS)

$(SIM_LIB): $(SIM_OBJS)
	$(say) AR $@
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $(SIM_OBJS)

$(MON_LIB): $(MON_OBJS)
	$(say) AR $@
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $(MON_OBJS)

# The dashboard page is assembled into mon/web.o (.incbin), which the
# compiler's dependency file does not see.
$(B)/mon/web.o: mon/web/index.html

$(BENCH_LIB): $(BENCH_OBJS)
	$(say) AR $@
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $(BENCH_OBJS)

$(TALON): $(CLI_OBJS) $(MON_LIB) $(BENCH_LIB) $(SIM_LIB) $(LIB) $(B)/flags.txt
	$(say) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJS) $(MON_LIB) $(BENCH_LIB) $(SIM_LIB) $(LIB) $(ALL_LDLIBS) $(TL_CLI_PKG_LIBS)

# Tests link every tests/support object (the harness and the malloc hook
# are defined in the executable) and -ldl for dlsym.
# tests/bench/ also link the bench archive (before libtalon.a, which it
# uses).
$(BENCH_TEST_BINS): TEST_BENCH_LIB = $(BENCH_LIB)
$(BENCH_TEST_BINS): $(BENCH_LIB)
# Every test links the monitor's archive (the metrics of a live snapshot
# are checked beside the venue tests too).
$(TEST_BINS): $(B)/%: $(B)/%.o $(SUPPORT_OBJS) $(MON_LIB) $(SIM_LIB) $(LIB) $(B)/flags.txt
	$(say) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(SUPPORT_OBJS) $(TEST_BENCH_LIB) $(MON_LIB) $(SIM_LIB) $(LIB) $(ALL_LDLIBS) -ldl

$(TEST_SH_BINS): $(B)/%: %.sh
	$(say) CP $@
	@mkdir -p $(@D)
	$(Q)cp $< $@ && chmod +x $@

# The wrapper finds talon as tests/support/subproc.c does: <build>/talon
# next to <build>/tests/, so a sanitized build drives a sanitized talon.
# Exit 77 (skip) without python3.
$(CHAOS_BINS): $(B)/%: %.py
	$(say) GEN $@
	@mkdir -p $(@D)
	$(Q)printf '%s\n' '#!/bin/sh' \
		'command -v python3 >/dev/null || { echo "no python3: skipped"; exit 77; }' \
		'exec python3 "$(CURDIR)/$<" --talon "$$(dirname "$$0")/../../talon" "$$@"' >$@
	$(Q)chmod +x $@

# Examples include <talon.h> as an installed program would.
$(call obj,$(EXAMPLE_SRCS)): EXTRA_CFLAGS = -Iinclude

$(FUZZ_REPLAY_BINS): $(B)/tests/fuzz/test_%: $(B)/tests/fuzz/%.o \
		$(call obj,$(FUZZ_DRIVER)) $(MON_LIB) $(SIM_LIB) $(LIB) $(B)/flags.txt
	$(say) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(call obj,$(FUZZ_DRIVER)) $(MON_LIB) $(SIM_LIB) $(LIB) \
		$(ALL_LDLIBS)

$(FUZZ_BINS): $(B)/fuzz/%: $(B)/tests/fuzz/%.o $(MON_LIB) $(SIM_LIB) $(LIB) $(B)/flags.txt
	$(say) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $< $(MON_LIB) $(SIM_LIB) $(LIB) $(ALL_LDLIBS)

$(EXAMPLE_BINS): $(B)/%: $(B)/%.o $(LIB) $(B)/flags.txt
	$(say) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(ALL_LDLIBS)
