#!/usr/bin/env bash
# run-bench.sh - run every benchmark program in a build directory.
#
# Usage: scripts/run-bench.sh BUILD_DIR      (make bench calls it)
#   BENCHES="pat ..."   run only benchmarks whose name contains a pattern
#   BENCH_TIMEOUT=N     seconds per benchmark (default 600)
#
# Runs BUILD_DIR/bench/* in sorted order from the repository root. A
# benchmark's stdout (one JSON line per case) passes through untouched;
# everything the runner itself says goes to stderr, so
#   scripts/run-bench.sh build > results.jsonl
# keeps only results. Exits non-zero if any benchmark failed.
set -uo pipefail

build=${1:?usage: run-bench.sh BUILD_DIR}
cd "$(dirname "$0")/.." || exit 1
timeout_s=${BENCH_TIMEOUT:-600}

read -ra pats <<<"${BENCHES:-}"
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
if [ -d "$build/bench" ]; then
	while IFS= read -r bin; do
		matches "${bin##*/}" && bins+=("$bin")
	done < <(find "$build/bench" -maxdepth 1 -type f -perm -u+x \
		! -name '*.*' | LC_ALL=C sort)
fi
if [ ${#bins[@]} -eq 0 ]; then
	echo "run-bench: no benches in $build/bench" >&2
	exit 0
fi

bad=()
for bin in "${bins[@]}"; do
	echo "==== ${bin#"$build"/}" >&2
	timeout -k 10 "$timeout_s" "$bin" </dev/null
	rc=$?
	if [ "$rc" -ne 0 ]; then
		bad+=("${bin#"$build"/} (exit $rc)")
		echo "==== ${bin#"$build"/}: FAIL (exit $rc)" >&2
	fi
done
for b in "${bad[@]}"; do echo "FAILED: $b" >&2; done
echo "run-bench: ${#bins[@]} benches, ${#bad[@]} failed" >&2
[ ${#bad[@]} -eq 0 ]
