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
#   make fuzz         build every libFuzzer target with clang into
#                     build-fuzz/fuzz/ (scripts/fuzz.sh runs them)
#   make deps         check / install the build dependencies again
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
#   $(B)/libtalon.a            kernel/ io/ persist/ sim/
#   $(B)/libtalon_bench.a      bench/ bench/support/ (the `talon bench`
#                              suites; linked into talon and tests/bench/)
#   $(B)/talon                 cli/
#   $(B)/tests/<module>/test_<unit>   one per tests/<module>/test_<unit>.c
#   $(B)/examples/<name>       one per examples/<name>.c
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
LIB_SRCS     := $(wildcard kernel/*.c io/*.c persist/*.c sim/*.c)
CLI_SRCS     := $(wildcard cli/*.c)
SUPPORT_SRCS := $(wildcard tests/support/*.c)
TEST_SRCS    := $(filter-out tests/support/% tests/data/%,$(wildcard tests/*/test_*.c))
EXAMPLE_SRCS := $(wildcard examples/*.c)
# bench/*.c (one file per `talon bench` suite, the registry, the report)
# and bench/support/*.c: an archive linked into talon and the bench tests.
BENCH_SRCS   := $(wildcard bench/*.c bench/support/*.c)
# tests/fuzz/fuzz_<input>.c: one LLVMFuzzerTestOneInput each
# (docs/testing.md). Linked with tests/fuzz/driver.c into
# $(B)/tests/fuzz/test_fuzz_<input>, which `make test` runs: it replays
# the target's corpus and saved crashes with this build's compiler and
# sanitizers. `make fuzz` links them with libFuzzer instead.
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_DRIVER  := tests/fuzz/driver.c

obj = $(patsubst %.c,$(B)/%.o,$(1))

LIB          := $(B)/libtalon.a
BENCH_LIB    := $(B)/libtalon_bench.a
TALON        := $(B)/talon
LIB_OBJS     := $(call obj,$(LIB_SRCS))
CLI_OBJS     := $(call obj,$(CLI_SRCS))
SUPPORT_OBJS := $(call obj,$(SUPPORT_SRCS))
TEST_BINS    := $(patsubst %.c,$(B)/%,$(TEST_SRCS))
BENCH_OBJS   := $(call obj,$(BENCH_SRCS))
BENCH_TEST_BINS := $(filter $(B)/tests/bench/%,$(TEST_BINS))
EXAMPLE_BINS := $(patsubst %.c,$(B)/%,$(EXAMPLE_SRCS))
FUZZ_REPLAY_BINS := $(patsubst tests/fuzz/%.c,$(B)/tests/fuzz/test_%,$(FUZZ_SRCS))
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRCS))
ALL_OBJS     := $(call obj,$(LIB_SRCS) $(CLI_SRCS) $(SUPPORT_SRCS) \
                $(TEST_SRCS) $(BENCH_SRCS) \
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
.PHONY: all test bench run deps clean fuzz fuzz-bins FORCE

all: $(LIB) $(TALON) $(TEST_BINS) $(FUZZ_REPLAY_BINS) $(EXAMPLE_BINS) $(SIM_TLS)

# libFuzzer needs clang (scripts/deps.sh checks for it with --fuzz).
fuzz:
	$(Q)scripts/deps.sh --fuzz
	$(Q)$(MAKE) --no-print-directory FUZZ=1 fuzz-bins

fuzz-bins: $(FUZZ_BINS)

test: all
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

deps:
	$(Q)scripts/deps.sh --mk $(B)/config.mk

clean:
	rm -rf build build-*

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
	$(call write-if-changed,$(CC) $(ALL_CFLAGS) | $(ALL_LDFLAGS) $(ALL_LDLIBS))

$(B)/version.txt: FORCE
	$(call write-if-changed,$(TL_VERSION))

$(B)/%.o: %.c $(B)/flags.txt
	$(say) CC $<
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(EXTRA_CFLAGS) -c -o $@ $<

$(CLI_OBJS): EXTRA_CFLAGS = -DTL_VERSION='"$(TL_VERSION)"'
$(CLI_OBJS): $(B)/version.txt

# The malloc hook is first called from inside the sanitizer runtime's own
# start-up (its interceptor set-up calls dlsym, which mallocs), before ASan's
# shadow memory or TSan's thread state exist: it must not be instrumented.
$(B)/tests/support/alloc_hook.o: EXTRA_CFLAGS = -fno-sanitize=all

$(LIB): $(LIB_OBJS)
	$(say) AR $@
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $(LIB_OBJS)

$(BENCH_LIB): $(BENCH_OBJS)
	$(say) AR $@
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $(BENCH_OBJS)

$(TALON): $(CLI_OBJS) $(BENCH_LIB) $(LIB) $(B)/flags.txt
	$(say) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJS) $(BENCH_LIB) $(LIB) $(ALL_LDLIBS)

# Tests link every tests/support object (the harness and the malloc hook
# are defined in the executable) and -ldl for dlsym.
# tests/bench/ also link the bench archive (before libtalon.a, which it
# uses).
$(BENCH_TEST_BINS): TEST_BENCH_LIB = $(BENCH_LIB)
$(BENCH_TEST_BINS): $(BENCH_LIB)

$(TEST_BINS): $(B)/%: $(B)/%.o $(SUPPORT_OBJS) $(LIB) $(B)/flags.txt
	$(say) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(SUPPORT_OBJS) $(TEST_BENCH_LIB) $(LIB) $(ALL_LDLIBS) -ldl

$(FUZZ_REPLAY_BINS): $(B)/tests/fuzz/test_%: $(B)/tests/fuzz/%.o \
		$(call obj,$(FUZZ_DRIVER)) $(LIB) $(B)/flags.txt
	$(say) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(call obj,$(FUZZ_DRIVER)) $(LIB) $(ALL_LDLIBS)

$(FUZZ_BINS): $(B)/fuzz/%: $(B)/tests/fuzz/%.o $(LIB) $(B)/flags.txt
	$(say) LD $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $< $(LIB) $(ALL_LDLIBS)

$(EXAMPLE_BINS): $(B)/%: $(B)/%.o $(LIB) $(B)/flags.txt
	$(say) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(ALL_LDLIBS)
