#!/usr/bin/env bash
# test_engine_syscalls.sh - the hot-path rule (docs/architecture.md, "Hot
# path"): while it spins, the engine's thread makes no system call, in
# both threading modes (scripts/check-engine-syscalls.sh attaches strace
# to it while the paper demo trades). Plain builds only: a sanitizer's
# runtime makes calls of its own. Skipped (77) where ptrace is refused.
b=$(cd "$(dirname "$0")/../.." && pwd)	# the build directory
root=$(cd "$b/.." && pwd)
cd "$root" || exit 1
if grep -q -- "-fsanitize" "$b/flags.txt" 2>/dev/null; then
	echo "sanitizer build: skipped"
	exit 77
fi
n=0 f=0
for mode in dedicated shared; do
	n=$((n + 1))
	scripts/check-engine-syscalls.sh "$b" 4 "$mode"
	rc=$?
	[ "$rc" -eq 77 ] && exit 77
	[ "$rc" -ne 0 ] && f=$((f + 1)) && echo "FAILED: threading $mode"
done
echo "TLTEST suite=scripts.engine_syscalls tests=$n failed=$f asserts=$n"
exit "$f"
