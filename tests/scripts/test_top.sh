#!/usr/bin/env bash
# test_top.sh - `talon top` in a real terminal: tmux (a private server,
# -L) runs it in a detached 120x40 session. Before the engine starts it
# says the engine is not running and keeps looking; once a paper-venue
# engine runs it shows state NORMAL; after a MARKET order fills (talon
# ctl submit) it shows the position's symbol and quantity and the fill in
# the events tail; shrunk to 80x24 it still shows state and position,
# once each, in 24 lines of at most 80 columns, and still runs; q ends it
# with exit status 0 (the pane is kept after exit to read that status).
# Then the same on a vt100, which has no colours.
# Skipped (77) without tmux (scripts/deps.sh --test installs it) or
# python3 (which writes the config).
b=$(cd "$(dirname "$0")/../.." && pwd)	# the build directory
root=$(cd "$b/.." && pwd)
cd "$root" || exit 1
unset TMUX	# a private server (-L), also when run from inside tmux
command -v tmux >/dev/null || { echo "no tmux: skipped (scripts/deps.sh --test installs it)"; exit 77; }
command -v python3 >/dev/null || { echo "no python3: skipped"; exit 77; }

tmp=$(mktemp -d)
sock="talon-test-top-$$"
name="top$$"
pid=
tm() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() {
	tm kill-server 2>/dev/null
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

python3 - "$tmp/top.json" "$name" "$root/config" <<'PY' || exit 1
import json, sys
path, name, confdir = sys.argv[1:]
c = json.load(open(confdir + "/paper.json"))
c["engine"]["name"] = name
# its own client ids: engines of one user refuse overlapping prefixes
c["kernel"]["client_id_prefix"] = name + "-"
c["symbols"]["exchange_info"] = confdir + "/exchange_info.json"
c["journal"]["path"] = path + ".db"
json.dump(c, open(path, "w"))
PY
cfg=$tmp/top.json

n=0 f=0
ok() { n=$((n + 1)); echo "ok: $1"; }
fail() {
	n=$((n + 1)) f=$((f + 1))
	echo "FAILED: $1"
	[ -s "$tmp/screen" ] && { echo "---- screen:"; cat "$tmp/screen"; echo "----"; }
}
check() {	# name, command...: one test
	local what=$1
	shift
	if "$@"; then ok "$what"; else fail "$what"; fi
}
# Poll until the command succeeds; generous, the machine may be loaded.
wait_for() {	# seconds, command...
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.2
	done
}
cap() { tm capture-pane -p -t top >"$tmp/screen" 2>/dev/null; }
screen_has() { cap && grep -Eq -- "$1" "$tmp/screen"; }
count_of() { grep -Ec -- "$1" "$tmp/screen"; }
pane() { tm display-message -p -t top "#{$1}" 2>/dev/null; }
finish() {
	echo "TLTEST suite=scripts.top tests=$n failed=$f asserts=$n"
	exit "$f"
}

# ---- the command line -------------------------------------------------------
"$b/talon" top --help >"$tmp/help" 2>&1
check "--help exits 0 and names -c and --interval" \
	grep -q -- "--interval MS" "$tmp/help"
"$b/talon" top >/dev/null 2>&1
check "no -c: usage error (exit 2)" test $? -eq 2
"$b/talon" top -c "$cfg" --interval 5 >/dev/null 2>&1
check "--interval out of range: usage error (exit 2)" test $? -eq 2
"$b/talon" top -c "$cfg" </dev/null >"$tmp/out" 2>&1
rc=$?
check "no terminal: exit 1 with a reason" \
	eval '[ "$rc" -eq 1 ] && grep -q "needs a terminal" "$tmp/out"'

# ---- no engine yet ------------------------------------------------------------
tm new-session -d -s top -x 120 -y 40 \
	"TERM=screen '$b/talon' top -c '$cfg' --interval 250; echo \$? >'$tmp/top.rc'" || {
	fail "tmux new-session"
	finish
}
tm set-option -t top remain-on-exit on >/dev/null
check "engine not running: said so" \
	wait_for 30 screen_has "engine $name not running"

# ---- the engine starts: top finds it --------------------------------------------
"$b/talon" run -c "$cfg" >"$tmp/run.log" 2>&1 &
pid=$!
if ! wait_for 60 "$b/talon" ctl -c "$cfg" status >/dev/null 2>&1; then
	fail "the engine did not start"
	cat "$tmp/run.log"
	finish
fi
check "engine started: state NORMAL" wait_for 30 screen_has "state NORMAL"
check "120x40: 40 lines" eval '[ "$(wc -l <"$tmp/screen")" -eq 40 ]'

# ---- a fill: the position and its event ------------------------------------------
"$b/talon" ctl -c "$cfg" submit --symbol BTCUSDT --side BUY --type MARKET \
	--qty 0.01 >"$tmp/submit" 2>&1
check "ctl submit accepted" test $? -eq 0
pos='^BTCUSDT +LONG +0\.01 '
check "position BTCUSDT LONG 0.01 shown" wait_for 30 screen_has "$pos"
check "fill in the events tail" wait_for 30 screen_has "ORDER_FILLED +BTCUSDT"
check "filled counter" screen_has "filled 1 "

# ---- resize to 80x24 ---------------------------------------------------------------
tm resize-window -t top -x 80 -y 24
wait_for 30 eval '[ "$(pane pane_width)x$(pane pane_height)" = 80x24 ]'
sleep 1	# a few frames at the new size
cap
check "80x24: 24 lines" eval '[ "$(wc -l <"$tmp/screen")" -eq 24 ]'
check "80x24: no line wider than 80" \
	eval '! awk "length > 80 { bad = 1 } END { exit !bad }" "$tmp/screen"'
check "80x24: state NORMAL once" eval '[ "$(count_of "state NORMAL")" -eq 1 ]'
check "80x24: position row once" eval '[ "$(count_of "$pos")" -eq 1 ]'
check "80x24: title once" eval '[ "$(count_of "talon top")" -eq 1 ]'
check "80x24: positions section once" eval '[ "$(count_of "^POSITIONS 1")" -eq 1 ]'
check "80x24: still running" test "$(pane pane_dead)" = 0

# ---- q quits with status 0 ------------------------------------------------------------
tm send-keys -t top q
# The exit status as the shell around top saw it: tmux's own
# pane_dead_status is not reliable under LeakSanitizer, whose exit-time
# check leaves top a zombie tmux sometimes never reaps.
check "q: top exited" wait_for 30 test -s "$tmp/top.rc"
cap	# a sanitizer's report, if any, is on the kept pane
check "q: exit status 0" test "$(cat "$tmp/top.rc")" = 0

# ---- a terminal without colours (vt100) -----------------------------------------------
tm new-session -d -s mono -x 80 -y 24 \
	"TERM=vt100 '$b/talon' top -c '$cfg' --interval 250; echo \$? >'$tmp/mono.rc'"
tm set-option -t mono remain-on-exit on >/dev/null
monocap() { tm capture-pane -p -t mono >"$tmp/screen" 2>/dev/null; }
mono_has() { monocap && grep -Eq -- "$1" "$tmp/screen"; }
check "vt100: state NORMAL and the position" \
	wait_for 30 eval 'mono_has "state NORMAL" && grep -Eq -- "$pos" "$tmp/screen"'
tm send-keys -t mono q
wait_for 30 test -s "$tmp/mono.rc"
monocap
check "vt100: q, exit status 0" \
	test "$(cat "$tmp/mono.rc")" = 0

finish
