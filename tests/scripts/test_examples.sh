#!/usr/bin/env bash
# test_examples.sh - the examples run and do what they say: the polling
# strategy (examples/strategy.c) and the callback strategy with the
# invoker (examples/callbacks.c), the latter in both threading modes.
# Each example exits non-zero when its orders did not fill.
b=$(cd "$(dirname "$0")/../.." && pwd)	# the build directory
root=$(cd "$b/.." && pwd)
cd "$root" || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 f=0
check() {	# name, command...
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >"$tmp/out" 2>&1; then
		echo "ok: $name: $(tail -n 1 "$tmp/out")"
	else
		f=$((f + 1))
		echo "FAILED: $name"
		cat "$tmp/out"
	fi
}
python3 - "$tmp/shared.json" "$root/config" <<'PY' || exit 1
import json, sys
path, confdir = sys.argv[1:]
c = json.load(open(confdir + "/paper.json"))
c["engine"]["threading"] = "shared"
c["symbols"]["exchange_info"] = confdir + "/exchange_info.json"
json.dump(c, open(path, "w"))
PY
check "callbacks, invoker, dedicated IO" "$b/examples/callbacks" config/paper.json 10
check "callbacks, invoker, shared" "$b/examples/callbacks" "$tmp/shared.json" 10
check "polling strategy" "$b/examples/strategy" config/paper.json
grep -q "ORDER_FILLED" "$tmp/out" || { f=$((f + 1)); echo "FAILED: the polling strategy saw no fill"; }
echo "TLTEST suite=scripts.examples tests=$n failed=$f asserts=$n"
exit "$f"
