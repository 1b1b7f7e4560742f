#!/usr/bin/env bash
# test_dashboard.sh - the monitor's dashboard in a real browser: headless
# Chromium loads http://127.0.0.1:PORT/ of `talon monitor` watching a
# paper engine that holds a position, runs the page's script, and the
# rendered DOM shows the state NORMAL, the BTCUSDT position with its
# quantity, the filled order's event and no error. A screenshot is kept
# as a test artifact: BUILD/artifacts/dashboard.png.
b=$(cd "$(dirname "$0")/../.." && pwd)	# the build directory
root=$(cd "$b/.." && pwd)
cd "$root" || exit 1
tmp=$(mktemp -d)
# shellcheck source=tests/mon/engine.sh
. "$root/tests/mon/engine.sh"
trap 'mon_stop; [ -n "$KEEP" ] || rm -rf "$tmp"' EXIT
n=0 f=0
ok() { n=$((n + 1)); echo "ok: $*"; }
fail() { n=$((n + 1)); f=$((f + 1)); echo "FAILED: $*"; }

browser=$(command -v chromium || command -v chromium-browser)
if [ -z "$browser" ]; then
	echo "SKIP: chromium is not installed (make test installs it as root: scripts/deps.sh --test)"
	exit 77
fi
mon_start || { echo "TLTEST suite=mon.dashboard tests=1 failed=1 asserts=1"; exit 1; }
mon_buy && ok "a paper engine holds 0.01 BTCUSDT" || fail "the buy"

# --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
chrome() {
	timeout 120 "$browser" --headless=new --no-sandbox --disable-gpu \
		--disable-dev-shm-usage --no-first-run --user-data-dir="$tmp/chrome" \
		--virtual-time-budget=5000 "$@" "http://127.0.0.1:$mon_port/" 2>>"$tmp/chrome.err"
}
dom=
for _ in 1 2 3; do	# the first start of a fresh profile can be slow
	chrome --dump-dom >"$tmp/dom.html" && grep -q 'data-loaded="1"' "$tmp/dom.html" &&
		{ dom=$tmp/dom.html; break; }
	sleep 1
done
if [ -n "$dom" ]; then
	ok "the page loaded and ran its script (body data-loaded)"
else
	fail "no rendered page from chromium:"
	tail -n 20 "$tmp/chrome.err" "$tmp/dom.html" 2>/dev/null
fi
# What an operator reads, in the rendered DOM (not in the page source:
# the source has none of it, the script fetched it).
check() {	# NAME REGEX
	if grep -Eq "$2" "$tmp/dom.html" 2>/dev/null; then ok "$1"; else fail "$1 ($2)"; fi
}
check "the state pill says NORMAL" '<span id="state" class="pill NORMAL">NORMAL</span>'
check "the engine's name" "<span id=\"engine\" class=\"dim\">$eng</span>"
check "a BTCUSDT position row with qty 0.01" \
	'<tr data-symbol="BTCUSDT"><td>BTCUSDT</td><td class="l">LONG</td><td class="qty">0.01</td>'
check "the events tail shows the fill" '<div data-type="ORDER_FILLED">[^<]*BTCUSDT'
check "the counters show one fill" '<dt>fills</dt><dd>1</dd>'
check "no error shown" '<span id="error"></span>'
grep -q 'data-symbol="ETHUSDT"' "$tmp/dom.html" &&
	fail "a flat ETHUSDT row shown" || ok "no row for flat ETHUSDT"

mkdir -p "$b/artifacts"
rm -f "$b/artifacts/dashboard.png"
chrome --window-size=1400,900 --screenshot="$b/artifacts/dashboard.png" >/dev/null 2>&1
if [ -s "$b/artifacts/dashboard.png" ] &&
	[ "$(head -c 8 "$b/artifacts/dashboard.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
	ok "screenshot kept: $b/artifacts/dashboard.png"
else
	fail "no screenshot"
fi
echo "TLTEST suite=mon.dashboard tests=$n failed=$f asserts=$n"
[ "$f" = 0 ]
