#!/usr/bin/env bash
# fuzz.sh - run the libFuzzer targets (docs/testing.md).
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#   SECONDS   per target (default 60)
#   TARGET    fuzz_http, fuzz_stream, ... (default: every tests/fuzz/fuzz_*.c)
#
# Builds them (`make fuzz`, clang, build-fuzz/fuzz/), then runs each in
# turn, one at a time, for SECONDS on a scratch copy of its checked-in
# seed corpus tests/fuzz/corpus/<target>/ (with tests/fuzz/dict/<target>.dict,
# or its family's such as fuzz_rest.dict, when there is one). The corpus
# is then merged back, minimized: the smallest subset of seeds and new
# inputs keeping every edge reached replaces the seeds. A crash, leak, timeout
# or out-of-memory writes its input to tests/fuzz/crashes/<target>/ (which
# `make test` replays too) and fails the run. One line per target:
#   <target>  execs <N>  execs/s <N>  cov <edges>  ft <features>  corpus <files>  crashes <N>
# Exit 0 only when no target crashed.
#
# Targets run one after another (a shared machine), or FUZZ_JOBS at a
# time, each on its own core, for the same SECONDS each: a run of every
# target for 600 s takes about 4 hours alone, 2 with FUZZ_JOBS=2 on two
# cores. Lines then come in the order the targets end.
#   FUZZ_JOBS=N    targets run at once (default 1)
#   FUZZ_MERGE=0   do not merge new inputs back
#   FUZZ_FLAGS     more libFuzzer flags (e.g. -max_len=65536)
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
secs=${1:-60}
shift $(($# > 0 ? 1 : 0))
case $secs in
'' | *[!0-9]*) echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2 ;;
esac

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in tests/fuzz/fuzz_*.c; do
		t=${f##*/}
		targets+=("${t%.c}")
	done
fi
for t in "${targets[@]}"; do
	[ -f "tests/fuzz/$t.c" ] || { echo "fuzz: no target $t (tests/fuzz/$t.c)" >&2; exit 2; }
done

make --no-print-directory fuzz >&2 || exit 1

# Per-target input bounds: what a real input can be, not more (longer
# inputs only slow the search).
max_len() {
	case $1 in
	fuzz_http) echo 4096 ;;
	fuzz_stream | fuzz_rest_*) echo 16384 ;;
	fuzz_config) echo 8192 ;;
	fuzz_journal) echo 512 ;;
	fuzz_record) echo 1024 ;;
	fuzz_shm_ring) echo 2048 ;;
	fuzz_sim_*) echo 8192 ;;
	*) echo 4096 ;;
	esac
}

jobs=${FUZZ_JOBS:-1}
case $jobs in
'' | *[!0-9]* | 0) echo "fuzz: FUZZ_JOBS: expected a whole number >= 1" >&2; exit 2 ;;
esac

work=build-fuzz/work
failed=0
printf '%-22s %12s %9s %7s %7s %7s %8s\n' target execs execs/s cov ft corpus crashes

# One target: fuzz, merge back, print its line. Exit 1 when it crashed.
run_one() {
	local t=$1
	bin=build-fuzz/fuzz/$t
	seeds=tests/fuzz/corpus/$t
	crashes=tests/fuzz/crashes/$t
	# tests/fuzz/dict/<target>.dict, else the family's (fuzz_rest.dict
	# serves every fuzz_rest_*)
	dict=tests/fuzz/dict/$t.dict
	fam=$t
	while [ ! -f "$dict" ] && [ "${fam%_*}" != "$fam" ]; do
		fam=${fam%_*}
		dict=tests/fuzz/dict/$fam.dict
	done
	log=$work/$t.log
	mkdir -p "$seeds" "$crashes" "$work"
	rm -rf "${work:?}/$t"
	mkdir -p "$work/$t"
	cp "$seeds"/* "$work/$t"/ 2>/dev/null

	flags=(-max_total_time="$secs" -max_len="$(max_len "$t")" -timeout=10
		-rss_limit_mb=2048 -print_final_stats=1
		-artifact_prefix="$crashes/")
	[ -f "$dict" ] && flags+=(-dict="$dict")
	# shellcheck disable=SC2206  # word splitting of the extra flags is intended
	flags+=(${FUZZ_FLAGS:-})
	before=$(find "$crashes" -type f | wc -l)
	"$bin" "${flags[@]}" "$work/$t" >"$log" 2>&1
	rc=$?
	after=$(find "$crashes" -type f | wc -l)
	ncrash=$((after - before))
	[ "$rc" -ne 0 ] && [ "$ncrash" -eq 0 ] && ncrash=1

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	# the last status line: "#N  DONE  cov: C ft: F corp: ..."
	cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)
	ft=$(grep -Eo 'ft: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)

	# Merge back, minimized: the smallest set of the old seeds and the new
	# inputs that keeps every edge either reached (libFuzzer -merge=1 into
	# an empty directory; -use_counters=0: edges, not hit counts, so the
	# checked-in corpus stays at tens of files, not hundreds) replaces the
	# seed corpus.
	if [ "$ncrash" -eq 0 ] && [ "${FUZZ_MERGE:-1}" != 0 ]; then
		rm -rf "${work:?}/$t.min"
		mkdir -p "$work/$t.min"
		if "$bin" -merge=1 -use_counters=0 -max_len="$(max_len "$t")" -timeout=10 \
			"$work/$t.min" "$work/$t" >"$work/$t.merge.log" 2>&1 &&
			[ -n "$(ls -A "$work/$t.min")" ]; then
			rm -f "$seeds"/*
			cp "$work/$t.min"/* "$seeds"/
		else
			echo "fuzz: $t: merge failed (see $work/$t.merge.log)" >&2
		fi
	fi
	nseeds=$(find "$seeds" -type f | wc -l)
	printf '%-22s %12s %9s %7s %7s %7s %8s\n' "$t" "${execs:-?}" "${eps:-?}" \
		"${cov:-?}" "${ft:-?}" "$nseeds" "$ncrash"
	if [ "$ncrash" -ne 0 ]; then
		echo "fuzz: $t failed (exit $rc); log $log; inputs in $crashes/:" >&2
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzz_)' "$log" | head -n 5 >&2
		return 1
	fi
	return 0
}

running=0
for t in "${targets[@]}"; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n || failed=1
		running=$((running - 1))
	fi
	run_one "$t" &
	running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
	wait -n || failed=1
	running=$((running - 1))
done
exit $failed
