#!/usr/bin/env bash
# run-tests.sh - run every test program in a build directory.
#
# Usage: scripts/run-tests.sh BUILD_DIR      (make test calls it)
#   TESTS="pat ..."   run only tests whose path contains one of the patterns
#                     (shell globs allowed: TESTS='kernel/test_f*')
#   TEST_TIMEOUT=N    seconds per test program (default 300)
#
# Runs BUILD_DIR/tests/*/test_* in sorted order from the repository root,
# each under `timeout`, with its output shown. Each program prints a line
#   TLTEST suite=<name> tests=<N> failed=<M> asserts=<A>
# (tests/support/tl_test.c); the runner adds them up. A program fails when
# it exits non-zero, crashes, times out, or prints no TLTEST line; one that
# fails without reporting a failed test counts as one failed test. Exit 77
# is a skip. The last line is always
#   tests: <passed> passed, <failed> failed
# and the exit status is 0 only when no program failed.
set -uo pipefail

build=${1:?usage: run-tests.sh BUILD_DIR}
cd "$(dirname "$0")/.." || exit 1
timeout_s=${TEST_TIMEOUT:-300}

# Sanitizer defaults (the caller's settings win): stack traces for UB,
# and TSan/ASan reports already make the program exit non-zero.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

read -ra pats <<<"${TESTS:-}"
matches() {
	local pat
	[ ${#pats[@]} -eq 0 ] && return 0
	for pat in "${pats[@]}"; do
		# shellcheck disable=SC2053  # glob match is intended
		[[ $1 == *$pat* ]] && return 0
	done
	return 1
}

bins=()
if [ -d "$build/tests" ]; then
	while IFS= read -r bin; do
		matches "${bin#"$build"/}" && bins+=("$bin")
	done < <(find "$build/tests" -type f -perm -u+x -name 'test_*' \
		! -name '*.*' | LC_ALL=C sort)
fi
if [ ${#bins[@]} -eq 0 ]; then
	# shellcheck disable=SC2016  # the quotes are literal, $TESTS expands
	echo "run-tests: no test programs in $build/tests${TESTS:+ matching '$TESTS'}"
	echo "tests: 0 passed, 0 failed"
	exit 1
fi

# The end-to-end suites run a second time with engine.threading "shared"
# (tests/support/engine_fix.h: tl_test_threading): shared mode must
# trade, cancel, liquidate and recover like dedicated mode.
shared_suites=" tests/runtime/test_engine tests/runtime/test_api tests/runtime/test_strategy tests/persist/test_engine_journal
 tests/io/binance/test_binance_e2e tests/io/binance/test_binance_e2e_faults
 tests/io/binance/test_binance_kill tests/io/binance/test_binance_safety
 tests/io/binance/test_binance_on_stop
 tests/io/binance/test_binance tests/io/binance/test_binance_ws "
# And these once more with orders over the venue's WebSocket API
# (TL_TEST_TRANSPORT=ws, tests/io/binance/test_binance_sim_common.h):
# every order type, TP/SL, the kill switch and the transport faults must
# hold on that path too.
ws_suites=" tests/io/binance/test_binance_e2e tests/io/binance/test_binance_e2e_types
 tests/io/binance/test_binance_e2e_faults tests/io/binance/test_binance_kill "
runs=()
for bin in "${bins[@]}"; do
	runs+=("$bin")
	[[ $shared_suites == *" ${bin#"$build"/}"[[:space:]]* ]] && runs+=("$bin@shared")
	[[ $ws_suites == *" ${bin#"$build"/}"[[:space:]]* ]] && runs+=("$bin@ws")
done

log=$(mktemp)
fails=$(mktemp)
trap 'rm -f "$log" "$fails"' EXIT
passed=0 failed=0 skipped=() bad=()

for run in "${runs[@]}"; do
	bin=${run%@*}
	mode=dedicated transport=rest
	[ "$run" = "$bin@shared" ] && mode=shared
	[ "$run" = "$bin@ws" ] && transport=ws
	name=${bin#"$build"/}
	[ "$mode" = shared ] && name="$name (threading shared)"
	[ "$transport" = ws ] && name="$name (orders over ws)"
	echo "==== $name"
	start=$SECONDS
	TL_TEST_THREADING=$mode TL_TEST_TRANSPORT=$transport timeout -k 10 "$timeout_s" "$bin" \
		</dev/null 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	secs=$((SECONDS - start))

	if [ "$rc" -eq 77 ]; then
		skipped+=("$name")
		echo "==== $name: SKIP"
		continue
	fi

	line=$(grep -E '^TLTEST ' "$log" | tail -n 1)
	n=$(sed -n 's/.* tests=\([0-9]*\).*/\1/p' <<<"$line")
	f=$(sed -n 's/.* failed=\([0-9]*\).*/\1/p' <<<"$line")
	why=
	if [ "$rc" -eq 124 ]; then
		why="timed out after ${timeout_s}s"
	elif [ "$rc" -eq 137 ]; then
		why="killed (SIGKILL: timeout -k or out of memory)"
	elif [ "$rc" -gt 128 ]; then
		why="killed by signal $((rc - 128))"
	elif [ "$rc" -ne 0 ] && [ "${f:-0}" -gt 0 ]; then
		why="$f of $n tests failed"
	elif [ "$rc" -ne 0 ]; then
		why="exit $rc"
	elif [ -z "$n" ] || [ -z "$f" ]; then
		why="printed no TLTEST line"
	elif [ "$f" -ne 0 ]; then
		why="$f of $n tests failed"
	fi
	n=${n:-0} f=${f:-0}
	if [ -n "$why" ]; then
		[ "$f" -eq 0 ] && f=1 && [ "$n" -eq 0 ] && n=1
		bad+=("$name ($why)")
		echo "==== $name: FAIL ($why, ${secs}s)"
		# CI keeps only the tail of the output: say there which test and
		# which assertion failed, not just which program
		{
			echo "---- $name"
			grep -E -A4 'FAILED|^ +[0-9]+\. |ERROR: |WARNING: ThreadSanitizer|runtime error|Assertion' \
				"$log" | head -n 40
			[ "$rc" -ge 124 ] && tail -n 15 "$log"
		} >>"$fails"
	else
		echo "==== $name: ok ($n tests, ${secs}s)"
	fi
	passed=$((passed + n - f))
	failed=$((failed + f))
done

echo
echo "==== summary: ${#runs[@]} runs of ${#bins[@]} programs, ${#bad[@]} failed, ${#skipped[@]} skipped"
for s in "${skipped[@]}"; do echo "  skipped: $s"; done
for b in "${bad[@]}"; do echo "  FAILED:  $b"; done
if [ -s "$fails" ]; then
	echo "==== what failed (the full output is above)"
	cat "$fails"
fi
echo "tests: $passed passed, $failed failed"
[ ${#bad[@]} -eq 0 ]
