#!/usr/bin/env bash
# Functions here run from traps, which shellcheck cannot see:
# shellcheck disable=SC2317
#
# run.sh - what `make run` runs: the simulated exchange and the engine with
# the demo strategy, as two processes.
#
# Usage: scripts/run.sh BUILD_DIR [VENUE_CONFIG [ENGINE_CONFIG]]
#        (defaults: build config/venue.json config/talon.json)
#
#   1. starts `talon venue -c VENUE_CONFIG` in the background, its output
#      in var/venue.log, and waits (up to 10 s) until its REST port answers;
#      if it exits first (a port already taken, a bad config) it prints the
#      venue's own error (which names the port) and a hint, and exits 1;
#   2. runs `talon run -c ENGINE_CONFIG --demo` (its event log on stderr)
#      until it exits, or until Ctrl-C / SIGTERM / SIGHUP, which are passed
#      on to it so it stops cleanly. The venue starts from scratch every
#      time (it keeps no state), so an engine journal of an earlier run
#      describes orders and positions this venue never had: with the
#      default ENGINE_CONFIG, an existing var/talon.db (and its -wal/-shm)
#      is first renamed to var/talon.<date-time>.db, kept for
#      `talon replay`, and the engine starts with a fresh journal;
#   3. on any exit stops the venue (SIGTERM, then SIGKILL after 5 s), so
#      no process is left behind. Exit status: the engine's.
#
# The engine is started as a background job and waited for with `wait`, so
# a SIGTERM to this script is handled at once (bash defers traps until a
# foreground child exits).
set -uo pipefail

build=${1:-build}
venue_cfg=${2:-config/venue.json}
talon_cfg=${3:-config/talon.json}
cd "$(dirname "$0")/.." || exit 1
talon=$build/talon

if [ ! -x "$talon" ]; then
	echo "run.sh: $talon not found: run make first" >&2
	exit 1
fi
for f in "$venue_cfg" "$talon_cfg"; do
	if [ ! -r "$f" ]; then
		echo "run.sh: cannot read $f" >&2
		exit 1
	fi
done
mkdir -p var
# The venue's certificate (make builds it; a bare `make build/talon` does not).
if [ ! -f build/tls/server.pem ]; then
	sim/gen_tls.sh build/tls || exit 1
fi

venue_pid='' talon_pid='' stopping=0

stop_venue() {
	[ -n "$venue_pid" ] || return 0
	if kill -0 "$venue_pid" 2>/dev/null; then
		kill -TERM "$venue_pid" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$venue_pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$venue_pid" 2>/dev/null; then
			echo "run.sh: talon venue (pid $venue_pid) ignored SIGTERM; killing it" >&2
			kill -KILL "$venue_pid" 2>/dev/null
		fi
	fi
	wait "$venue_pid" 2>/dev/null
	echo "run.sh: talon venue stopped (log: var/venue.log)" >&2
	venue_pid=
}

on_exit() {
	if [ -n "$talon_pid" ] && kill -0 "$talon_pid" 2>/dev/null; then
		kill -TERM "$talon_pid" 2>/dev/null
		wait "$talon_pid" 2>/dev/null
	fi
	stop_venue
}

# Ctrl-C reaches the whole process group (both programs get SIGINT); a
# SIGTERM or SIGHUP to this script alone is passed on to the engine. Either
# way the engine stops first, then on_exit stops the venue.
on_signal() {
	stopping=1
	[ -n "$talon_pid" ] && kill -"$1" "$talon_pid" 2>/dev/null
	[ -z "$talon_pid" ] && exit 130
}

trap on_exit EXIT
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

# ---- the venue -------------------------------------------------------------
: >var/venue.log
"$talon" venue -c "$venue_cfg" >>var/venue.log 2>&1 &
venue_pid=$!

# It prints "venue: rest https://127.0.0.1:8443" once it listens.
port=
for _ in $(seq 100); do
	if ! kill -0 "$venue_pid" 2>/dev/null; then
		wait "$venue_pid" 2>/dev/null
		venue_pid=
		echo "run.sh: talon venue -c $venue_cfg did not start:" >&2
		sed 's/^/  /' var/venue.log >&2
		if grep -q 'in use' var/venue.log; then
			echo "run.sh: a port of $venue_cfg is busy: is another 'talon venue' (an earlier make run) still running? (ss -ltnp | grep talon)" >&2
		fi
		exit 1
	fi
	if [ -z "$port" ]; then
		port=$(sed -n 's|^venue: rest https\{0,1\}://[^:]*:\([0-9][0-9]*\).*|\1|p' var/venue.log | sed -n 1p)
	fi
	if [ -n "$port" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		break
	fi
	sleep 0.1
done
if [ -z "$port" ] || ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
	echo "run.sh: talon venue did not answer within 10 s (log: var/venue.log)" >&2
	exit 1
fi
sed 's/^/run.sh: /' var/venue.log >&2
echo "run.sh: talon venue running (pid $venue_pid); starting the engine, Ctrl-C stops both" >&2

# ---- the engine ------------------------------------------------------------
[ "$stopping" = 1 ] && exit 130
# A fresh venue needs a fresh journal (else reconciliation finds the last
# run's positions missing at the venue and the engine stays PAUSED).
if [ "$talon_cfg" = config/talon.json ] && [ -e var/talon.db ]; then
	old=var/talon.$(date -u +%Y%m%d-%H%M%S).db
	for sfx in '' -wal -shm; do
		[ -e "var/talon.db$sfx" ] && mv "var/talon.db$sfx" "$old$sfx"
	done
	echo "run.sh: the last run's journal is now $old (talon replay $old -c config/talon.json)" >&2
fi
"$talon" run -c "$talon_cfg" --demo &
talon_pid=$!
# `wait` returns > 128 when a trapped signal interrupts it: go on waiting
# for the engine (which got the signal too), then collect its own status.
while kill -0 "$talon_pid" 2>/dev/null; do
	wait "$talon_pid"
done
wait "$talon_pid"
rc=$?
talon_pid=
exit "$rc"
