#!/usr/bin/env bash
# test_contrib.sh - contrib/ holds what it says (contrib/README.md):
#   - the systemd units pass `systemd-analyze verify` with no warning (an
#     unknown or misspelt key is a warning), and keep the settings the
#     engine needs: User=talon, the hardening, the host's /dev/shm (no
#     PrivateDevices, no RemoveIPC), the journal and log directories
#     writable, Restart=on-failure;
#   - the logrotate snippet passes `logrotate -d`, and a forced rotation
#     with it, against a running `talon run` (paper venue) whose log.file
#     it rotates, leaves the old lines in the rotated file and the next
#     lines (the reopen after SIGHUP) in a new one.
# The units are verified on a copy whose binary path is this build's
# talon (verify refuses a unit whose ExecStart does not exist), and the
# rotation on a copy with the user and the path of this test; the kill
# in postrotate targets the test's own talon by pid instead of systemctl.
# Without systemd-analyze (a container without systemd) that part is
# skipped, and said; logrotate is installed by scripts/deps.sh.
set -uo pipefail

b=$(cd "$(dirname "$0")/../.." && pwd)	# the build directory
root=$(cd "$b/.." && pwd)
cd "$root" || exit 1
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
n=0 f=0
ok() { n=$((n + 1)); echo "ok: $*"; }
fail() { n=$((n + 1)); f=$((f + 1)); echo "FAILED: $*"; }
expect() {	# NAME COMMAND...: ok when the command succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else fail "$name"; fi
}

# ---- systemd units ------------------------------------------------------

units="talon talon-monitor"
for u in $units; do
	file=contrib/systemd/$u.service
	for want in '^User=talon$' '^NoNewPrivileges=yes$' '^ProtectSystem=strict$' \
		'^ProtectHome=yes$' '^PrivateDevices=no$' '^RemoveIPC=no$' \
		'^Restart=on-failure$' '^ReadWritePaths=.*/var/lib/talon'; do
		if grep -q "$want" "$file"; then ok "$u: $want"; else fail "$u: no $want"; fi
	done
	if grep -q '^PrivateDevices=yes\|^DynamicUser=yes\|^PrivateIPC=yes' "$file"; then
		fail "$u: a private /dev/shm or IPC namespace (ctl and monitor would not see the engine)"
	fi
done
expect "talon: ExecStart" grep -q \
	'^ExecStart=/usr/local/bin/talon run -c /etc/talon/talon.json$' contrib/systemd/talon.service
expect "talon: the log directory writable" grep -q \
	'^ReadWritePaths=.*/var/log/talon' contrib/systemd/talon.service
expect "talon-monitor: ExecStart" grep -q \
	'^ExecStart=/usr/local/bin/talon monitor -c /etc/talon/talon.json$' \
	contrib/systemd/talon-monitor.service

if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir "$tmp/units"
	kill_bin=$(command -v kill)
	[ -x /bin/kill ] && kill_bin=/bin/kill
	for u in $units; do
		sed -e "s|/usr/local/bin/talon|$b/talon|" -e "s|/bin/kill|$kill_bin|" \
			"contrib/systemd/$u.service" >"$tmp/units/$u.service"
	done
	# verify's warnings (an unknown key, a bad value) go to stderr with
	# exit 0: any output fails the check.
	(cd "$tmp/units" && systemd-analyze verify ./talon.service ./talon-monitor.service) \
		>"$tmp/verify" 2>&1
	rc=$?
	if [ "$rc" = 0 ] && [ ! -s "$tmp/verify" ]; then
		ok "systemd-analyze verify: both units clean"
	else
		fail "systemd-analyze verify (exit $rc):"
		cat "$tmp/verify"
	fi
else
	echo "skipped: systemd-analyze verify (systemd-analyze is not installed here)"
fi

# ---- logrotate ----------------------------------------------------------

lr=$(command -v logrotate || echo /usr/sbin/logrotate)
if [ ! -x "$lr" ]; then
	fail "logrotate is not installed (scripts/deps.sh installs it)"
	echo "TLTEST suite=contrib tests=$n failed=$f asserts=$n"
	exit 1
fi
mkdir -m 0750 "$tmp/log"
user=$(id -un) group=$(id -gn)
sed -e "s|/var/log/talon/|$tmp/log/|" -e "s|talon talon|$user $group|g" \
	contrib/logrotate/talon >"$tmp/lr.conf"
chmod 0644 "$tmp/lr.conf"
if "$lr" -d -s "$tmp/lr.state" "$tmp/lr.conf" >"$tmp/lr.out" 2>&1 &&
	! grep -qi '^error' "$tmp/lr.out"; then
	ok "logrotate -d: the snippet parses"
else
	fail "logrotate -d:"
	cat "$tmp/lr.out"
fi

# A real rotation of a running engine's log.file.
name="lr$$"
python3 - "$tmp/talon.json" "$root/config" "$name" "$tmp" <<'PY' || exit 1
import json, sys
path, confdir, name, tmp = sys.argv[1:]
c = json.load(open(confdir + "/paper.json"))
c["engine"]["name"] = name
c["kernel"]["client_id_prefix"] = name + "-"
c["symbols"]["exchange_info"] = confdir + "/exchange_info.json"
c["journal"]["path"] = tmp + "/j.db"
c["log"] = {"level": "info", "format": "json", "file": tmp + "/log/talon.log"}
json.dump(c, open(path, "w"))
PY
"$b/talon" run -c "$tmp/talon.json" --duration 120 >"$tmp/stderr" 2>&1 &
pid=$!
wait_for() {	# FILE NEEDLE: up to 30 s
	for _ in $(seq 300); do
		grep -qF "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
if wait_for "$tmp/log/talon.log" "running (pid $pid"; then
	ok "talon run logs to log.file"
else
	fail "talon run: no 'running' line in log.file"
	cat "$tmp/stderr" "$tmp/log/talon.log"
fi
# systemctl cannot reach the test's talon: the same signal by pid.
sed -i "s|systemctl kill -s HUP talon.service|kill -HUP $pid|" "$tmp/lr.conf"
if "$lr" -f -s "$tmp/lr.state" "$tmp/lr.conf" >"$tmp/lr.out" 2>&1; then
	ok "logrotate -f: rotated"
else
	fail "logrotate -f:"
	cat "$tmp/lr.out"
fi
rotated=$(find "$tmp/log" -name 'talon.log-*' | head -n 1)
if [ -n "$rotated" ] && grep -qF "running (pid $pid" "$rotated" &&
	grep -qF "log: reopening" "$rotated"; then
	ok "the rotated file ($(basename "$rotated")) holds the old lines and the reopen notice"
else
	fail "no rotated file with the old lines: $(ls "$tmp/log")"
fi
if wait_for "$tmp/log/talon.log" "log: reopened"; then
	ok "the new talon.log gets the lines after SIGHUP"
else
	fail "no 'log: reopened' in the new talon.log"
fi
holds() {	# PID FILE: one of its descriptors names FILE
	local fd
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd")" = "$2" ] && return 0
	done
	return 1
}
if [ -n "$rotated" ] && ! holds "$pid" "$rotated" && holds "$pid" "$tmp/log/talon.log"; then
	ok "the rotated file is closed, the new one open"
else
	fail "talon still holds the rotated file open"
fi
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
expect "talon run stopped cleanly after the rotation (exit $rc)" [ "$rc" = 0 ]
expect "the final lines are in the new file" \
	grep -qF '"msg":"final: state NORMAL' "$tmp/log/talon.log"
expect "nothing on stderr" [ ! -s "$tmp/stderr" ]
[ -s "$tmp/stderr" ] && cat "$tmp/stderr"

echo "TLTEST suite=contrib tests=$n failed=$f asserts=$n"
[ "$f" = 0 ]
