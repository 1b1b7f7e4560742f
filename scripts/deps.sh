#!/usr/bin/env bash
# deps.sh - make sure the build dependencies of talon are installed.
#
# Usage: scripts/deps.sh [--mk FILE]
#        scripts/deps.sh --fuzz
#        scripts/deps.sh --test
#
# Checks a C compiler, make, pkg-config and every library below (by
# `pkg-config --exists`). Installs only what is missing: as root with
# apt-get (one `apt-get update`, then one `apt-get install`); otherwise
# prints the exact `sudo apt-get install ...` line and exits 1. Silent when
# everything is present.
#
# With --mk FILE it then writes the libraries' compile and link flags as a
# makefile fragment (TL_PKG_CFLAGS, TL_PKG_LIBS, and TL_PKG_LINK_NAMES for
# talon.pc) that the Makefile includes,
# so this table is the one place that lists the dependencies.
#
# The libraries in CLI_ONLY are the talon program's alone (ncursesw, for
# `talon top`): their flags are TL_CLI_PKG_CFLAGS and TL_CLI_PKG_LIBS, so
# libtalon.a, talon.pc, the tests and the examples never depend on them.
#
# With --fuzz it checks only what `make fuzz` needs on top: clang and its
# libFuzzer runtime (Debian 12: clang, libclang-rt-14-dev), by linking an
# empty fuzz target, and installs them the same way when missing.
#
# With --test (`make test` runs it first) it checks only the programs in
# TEST_TOOLS that some tests drive, and installs the missing ones the same
# way; when it cannot (not root) it says so and carries on: those tests
# then skip (exit 77) and say why.
set -euo pipefail

# pkg-config name -> Debian package
PKGS=(
	liburing:liburing-dev
	wolfssl:libwolfssl-dev
	libwebsockets:libwebsockets-dev
	libcjson:libcjson-dev
	sqlite3:libsqlite3-dev
	ck:libck-dev
	cunit:libcunit1-dev
	ncursesw:libncurses-dev
)
# Only the tests link these; a program built on libtalon.a does not
# (talon.pc's Requires.private is the others).
TEST_ONLY=" cunit "
# Only the talon program links these (TL_CLI_PKG_*).
CLI_ONLY=" ncursesw "

# command -> Debian package: programs tests drive (--test).
# tmux: tests/scripts/test_top.sh runs `talon top` in a detached session.
# logrotate: tests/contrib/test_contrib.sh checks contrib/logrotate/talon.
# promtool, prometheus: tests/mon/ check /metrics and the alert rules, and
#   a real Prometheus scrapes `talon monitor` (both in package prometheus).
# chromium: tests/mon/test_dashboard.sh renders the dashboard headless.
TEST_TOOLS=(
	tmux:tmux
	logrotate:logrotate
	promtool:prometheus
	prometheus:prometheus
	chromium:chromium
)

mk=
mode=build
case "${1:-}" in
"") ;;
--mk) mk=${2:?--mk needs a file name} ;;
--fuzz) mode=fuzz ;;
--test) mode=test ;;
*) echo "usage: $0 [--mk FILE | --fuzz | --test]" >&2; exit 2 ;;
esac

# Install the Debian packages in "$@" (root), or say how and fail.
install() {
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing: $*" >&2
		echo "deps: run: sudo apt-get install -y $*" >&2
		exit 1
	fi
	echo "deps: installing $*" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >&2
	apt-get install -y -q --no-install-recommends "$@" >&2
}

# Links a trivial libFuzzer target: clang and its fuzzer runtime work.
fuzz_ok() {
	local out
	out=$(mktemp) || return 1
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
		'{ (void)d; (void)n; return 0; }' |
		clang -fsanitize=fuzzer,address,undefined -x c - -o "$out" \
			>/dev/null 2>&1
	local rc=$?
	rm -f "$out"
	return $rc
}

if [ "$mode" = test ]; then
	tools=()
	for t in "${TEST_TOOLS[@]}"; do
		# /usr/sbin (logrotate) is not on every user's PATH
		command -v "${t%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${t%%:*}" ] ||
			case " ${tools[*]} " in
			*" ${t#*:} "*) ;;
			*) tools+=("${t#*:}") ;;
			esac
	done
	[ ${#tools[@]} -eq 0 ] && exit 0
	if [ "$(id -u)" != 0 ]; then
		echo "deps: tests that need them will skip; missing: ${tools[*]}" >&2
		echo "deps: run: sudo apt-get install -y ${tools[*]}" >&2
		exit 0
	fi
	install "${tools[@]}"
	exit 0
fi

if [ "$mode" = fuzz ]; then
	fuzz_ok && exit 0
	install clang libclang-rt-14-dev
	fuzz_ok || { echo "deps: clang cannot link a libFuzzer target" >&2; exit 1; }
	exit 0
fi

missing=()
command -v "${CC:-cc}" >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 ||
	missing+=(gcc)
command -v make >/dev/null 2>&1 || missing+=(make)
# The simulated exchange's TLS certificates are made with the openssl CLI.
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# The test that the engine thread makes no syscall while it spins
# (tests/scripts/test_engine_syscalls.sh) watches it with strace.
command -v strace >/dev/null 2>&1 || missing+=(strace)
if command -v pkg-config >/dev/null 2>&1; then
	have_pkgconfig=1
else
	have_pkgconfig=0
	missing+=(pkg-config)
fi

names=()
for p in "${PKGS[@]}"; do
	name=${p%%:*}
	names+=("$name")
	if [ "$have_pkgconfig" = 0 ] || ! pkg-config --exists "$name"; then
		missing+=("${p#*:}")
	fi
done

if [ ${#missing[@]} -gt 0 ]; then
	install "${missing[@]}"
	for name in "${names[@]}"; do
		if ! pkg-config --exists "$name"; then
			echo "deps: pkg-config still cannot find '$name'" \
				"after installing" >&2
			exit 1
		fi
	done
fi

if [ -n "$mk" ]; then
	mkdir -p "$(dirname "$mk")"
	lib=() cli=() link=()
	for name in "${names[@]}"; do
		if [[ $CLI_ONLY == *" $name "* ]]; then
			cli+=("$name")
			continue
		fi
		lib+=("$name")
		[[ $TEST_ONLY == *" $name "* ]] || link+=("$name")
	done
	{
		echo "# generated by scripts/deps.sh; removed by make clean"
		echo "TL_PKG_CFLAGS := $(pkg-config --cflags "${lib[@]}")"
		echo "TL_PKG_LIBS := $(pkg-config --libs "${lib[@]}")"
		echo "TL_PKG_LINK_NAMES := ${link[*]}"
		echo "TL_CLI_PKG_CFLAGS := $(pkg-config --cflags "${cli[@]}")"
		echo "TL_CLI_PKG_LIBS := $(pkg-config --libs "${cli[@]}")"
	} >"$mk.tmp"
	mv "$mk.tmp" "$mk"
fi
