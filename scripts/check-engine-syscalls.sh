#!/usr/bin/env bash
# check-engine-syscalls.sh - show that the ENGINE thread makes no syscall
# while trading.
#
# Starts `talon run --demo` on the paper venue with the engine's idle
# strategy set to "spin" (the other idle strategies sleep or yield, which
# are syscalls by design), attaches strace to the thread named tl-engine
# for SECONDS while the demo trades, and prints strace's syscall summary.
# Exit 0 when the engine thread made no syscall and orders did flow.
#
#   scripts/check-engine-syscalls.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
secs=${2:-8}
command -v strace >/dev/null || { echo "check: strace is not installed (apt-get install strace)"; exit 77; }
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
name="syscheck$$"
python3 - "$tmp/cfg.json" "$name" "$PWD/config" <<'PY'
import json, sys
path, name, confdir = sys.argv[1:]
c = json.load(open(confdir + "/paper.json"))
c["engine"]["name"] = name
c["engine"]["idle"] = "spin"
c["symbols"]["exchange_info"] = confdir + "/exchange_info.json"
json.dump(c, open(path, "w"))
PY
"$B/talon" run -c "$tmp/cfg.json" --demo --duration $((secs + 6)) 2>"$tmp/run.log" &
pid=$!
sleep 1.5
tid=
for t in /proc/$pid/task/*; do
	[ "$(cat "$t/comm")" = tl-engine ] && tid=${t##*/}
done
[ -n "$tid" ] || { echo "check: no tl-engine thread in pid $pid"; exit 1; }
echo "talon pid $pid, tl-engine tid $tid; strace -c -p $tid for ${secs}s:"
timeout "$secs" strace -c -p "$tid" 2>"$tmp/strace.txt" || true
cat "$tmp/strace.txt"
orders=$(grep -c 'ORDER_FILLED' "$tmp/run.log" || true)
echo "orders filled meanwhile (whole run so far): $orders"
if grep -qE '^[ 0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+' "$tmp/strace.txt"; then
	echo "check: FAILED: the engine thread made syscalls"
	exit 1
fi
[ "$orders" -gt 0 ] || { echo "check: FAILED: no order filled, nothing was measured"; exit 1; }
echo "check: ok: no syscall from the engine thread"
