#!/usr/bin/env bash
# check-engine-syscalls.sh - show that the ENGINE thread makes no syscall
# while trading.
#
# Starts `talon run --demo` on the paper venue with the engine's idle
# strategy set to "spin" (the other idle strategies sleep or yield, which
# are syscalls by design), attaches strace to the thread named tl-engine
# for SECONDS while the demo trades, and prints strace's syscall summary.
# Exit 0 when the engine thread made no syscall and orders did flow; 77
# when strace is missing or may not attach (no CAP_SYS_PTRACE, Yama).
# THREADING "shared": the one thread that runs the ENGINE and IO duties
# (the paper venue's IO makes no syscall either).
#
#   scripts/check-engine-syscalls.sh [BUILD_DIR] [SECONDS] [dedicated|shared]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
secs=${2:-8}
threading=${3:-dedicated}
command -v strace >/dev/null || { echo "check: strace is not installed (apt-get install strace)"; exit 77; }
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
name="syscheck$$"
python3 - "$tmp/cfg.json" "$name" "$PWD/config" "$threading" <<'PY'
import json, sys
path, name, confdir, threading = sys.argv[1:]
c = json.load(open(confdir + "/paper.json"))
c["engine"]["name"] = name
c["engine"]["idle"] = "spin"
c["engine"]["threading"] = threading
c["io"]["idle"] = "spin"  # a parked consumer is woken by a syscall: the one exception
c["symbols"]["exchange_info"] = confdir + "/exchange_info.json"
c["journal"]["path"] = path + ".db"  # its own: another run's belongs to another name
json.dump(c, open(path, "w"))
PY
"$B/talon" run -c "$tmp/cfg.json" --demo --duration $((secs + 6)) >"$tmp/run.log" 2>&1 &
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
if ! grep -q "attached" "$tmp/strace.txt"; then
	echo "check: strace could not attach (ptrace not permitted here): skipped"
	exit 77
fi
orders=$(grep -c 'ORDER_FILLED' "$tmp/run.log" || true)
echo "orders filled meanwhile (whole run so far): $orders"
if grep -qE '^[ 0-9.]+ +[0-9.]+ +[0-9]+ +[0-9]+' "$tmp/strace.txt"; then
	echo "check: FAILED: the engine thread made syscalls"
	exit 1
fi
[ "$orders" -gt 0 ] || { echo "check: FAILED: no order filled, nothing was measured"; exit 1; }
echo "check: ok: no syscall from the engine thread"
