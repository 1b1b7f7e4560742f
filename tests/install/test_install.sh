#!/usr/bin/env bash
# test_install.sh - `make install` gives a strategy author what the README
# promises: include/talon.h (standing alone), lib/libtalon.a,
# lib/pkgconfig/talon.pc and bin/talon, and
#   cc examples/strategy.c $(pkg-config --cflags --libs --static talon)
# builds and links against them. Also DESTDIR staging.
#
# Copied to BUILD/tests/install/test_install by the Makefile; run from the
# repository root by scripts/run-tests.sh. Installs into a temporary
# directory with the same make (and build directory) as the build that
# holds it, so nothing is rebuilt. Prints the TLTEST line the runner adds
# up; exits 1 when a check failed.
set -uo pipefail

self=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$self/../.." && pwd)
bdir=${build##*/}
# The sanitizer set of this build directory (Makefile: build-asan,
# build-tsan), so `make install` reuses its objects and a sanitized
# libtalon.a links with the same runtime.
case $bdir in
build) san= ;;
build-asan) san=address,undefined ;;
build-tsan) san=thread ;;
*) san=${bdir#build-}; san=${san//-/,} ;;
esac
san=${TL_SAN:-$san}
san_cflags=()
[ -n "$san" ] && san_cflags=(-fsanitize="$san")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tests=0 failed=0 asserts=0

check() {	# check NAME COMMAND... : one test, its output shown on failure
	local name=$1
	shift
	tests=$((tests + 1))
	asserts=$((asserts + 1))
	if "$@" >"$tmp/out" 2>&1; then
		echo "  $name ... passed"
	else
		failed=$((failed + 1))
		echo "  $name ... FAILED"
		sed 's/^/    /' "$tmp/out"
	fi
}

prefix=$tmp/prefix
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig

# A `make test` passes its MAKEFLAGS down: keep its variables (CFLAGS=...,
# so the objects stay up to date) but not its jobs or jobserver, which
# this make cannot reach.
mf=$(sed -E 's/(^| )--jobserver-(auth|fds)=[^ ]*//g; s/(^| )-j[0-9]*( |$)/ /g' <<<"${MAKEFLAGS:-}")
submake() {
	env -u MFLAGS -u MAKELEVEL MAKEFLAGS="$mf" make --no-print-directory SAN="$san" "$@"
}

do_install() {
	submake install PREFIX="$prefix"
}

files() {
	for f in include/talon.h lib/libtalon.a lib/pkgconfig/talon.pc bin/talon; do
		[ -f "$prefix/$f" ] || { echo "missing: $prefix/$f"; return 1; }
	done
	[ -x "$prefix/bin/talon" ] || { echo "bin/talon is not executable"; return 1; }
}

header_alone() {
	# Only the installed header and the C library: no -I of the tree.
	printf '#include <talon.h>\nint main(void) { return tl_version() == 0; }\n' >"$tmp/alone.c"
	(cd "$tmp" && cc -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only \
		-I"$prefix/include" alone.c) || return 1
	grep -n '#include "' "$prefix/include/talon.h" && { echo "talon.h includes a project header"; return 1; }
	if command -v c++ >/dev/null 2>&1; then
		cp "$tmp/alone.c" "$tmp/alone.cc"
		(cd "$tmp" && c++ -Wall -Wextra -Werror -fsyntax-only -I"$prefix/include" alone.cc) ||
			return 1
	fi
	return 0
}

pc_fields() {
	pkg-config --exists talon || { echo "pkg-config cannot find talon"; return 1; }
	[ "$(pkg-config --modversion talon)" = "$(cat VERSION)" ] ||
		{ echo "talon.pc version $(pkg-config --modversion talon) != VERSION $(cat VERSION)"; return 1; }
	pkg-config --cflags talon | grep -q -- "-I$prefix/include" || { pkg-config --cflags talon; return 1; }
	pkg-config --libs talon | grep -q -- '-ltalon' || { pkg-config --libs talon; return 1; }
	local static
	static=$(pkg-config --libs --static talon) || return 1
	for l in -luring -lwolfssl -lwebsockets -lcjson -lsqlite3 -lck -ldl -lm; do
		[[ " $static " == *" $l "* ]] || { echo "--static lacks $l: $static"; return 1; }
	done
	[[ " $static " == *" -lcunit "* ]] && { echo "--static names the test-only cunit"; return 1; }
	return 0
}

example_builds() {
	# Exactly the README's line (plus this build's sanitizer runtime).
	# shellcheck disable=SC2046  # word splitting of pkg-config is intended
	cc -o "$tmp/strategy" examples/strategy.c "${san_cflags[@]}" \
		$(pkg-config --cflags --libs --static talon) || return 1
	# It links and runs: the library's version, then a clean refusal of
	# a config that does not exist (no engine, no shared memory).
	"$tmp/strategy" "$tmp/no-such-config.json" >"$tmp/run.out" 2>&1
	local rc=$?
	cat "$tmp/run.out"
	[ $rc -eq 1 ] || { echo "exit $rc, expected 1"; return 1; }
	grep -q "^talon $(cat VERSION) (header $(cat VERSION))" "$tmp/run.out" || return 1
	grep -q 'no-such-config.json' "$tmp/run.out"
}

destdir() {
	submake install PREFIX=/opt/talon DESTDIR="$tmp/stage" || return 1
	[ -f "$tmp/stage/opt/talon/include/talon.h" ] &&
		[ -f "$tmp/stage/opt/talon/lib/libtalon.a" ] &&
		[ -x "$tmp/stage/opt/talon/bin/talon" ] &&
		grep -qx 'prefix=/opt/talon' "$tmp/stage/opt/talon/lib/pkgconfig/talon.pc" &&
		[ ! -e /opt/talon/lib/pkgconfig/talon.pc ] || return 1
	! grep -q "$tmp" "$tmp/stage/opt/talon/lib/pkgconfig/talon.pc"
}

echo "install: PREFIX=$prefix SAN=${san:-none}"
check make_install do_install
check installed_files files
check header_stands_alone header_alone
check pkgconfig_fields pc_fields
check example_builds_with_pkgconfig example_builds
check destdir_staging destdir

echo "TLTEST suite=install tests=$tests failed=$failed asserts=$asserts"
[ "$failed" -eq 0 ]
