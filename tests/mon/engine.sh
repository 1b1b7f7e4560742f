# engine.sh - sourced by the tests in tests/mon/: a paper engine and
# `talon monitor` on loopback, in $tmp, with names no other test uses.
# Needs $b (the build directory), $root and $tmp; defines mon_port and
# the pids, and mon_stop for the EXIT trap.
eng=tmon$$
run_pid= mon_pid=

mon_stop() {
	[ -n "$mon_pid" ] && kill -TERM "$mon_pid" 2>/dev/null
	[ -n "$run_pid" ] && kill -TERM "$run_pid" 2>/dev/null
	[ -n "$mon_pid" ] && wait "$mon_pid" 2>/dev/null
	[ -n "$run_pid" ] && wait "$run_pid" 2>/dev/null
	mon_pid= run_pid=
	rm -f "/dev/shm/talon.$eng"
}

# The paper config: its own engine name, client-id prefix and journal.
mon_config() {
	python3 - "$tmp/talon.json" "$root/config" "$eng" "$tmp" <<'PY' || return 1
import json, sys
path, confdir, eng, tmp = sys.argv[1:]
c = json.load(open(confdir + "/paper.json"))
c["engine"]["name"] = eng
c["kernel"]["client_id_prefix"] = eng + "-"
c["symbols"]["exchange_info"] = confdir + "/exchange_info.json"
c["journal"]["path"] = tmp + "/talon.db"
c["monitor"] = {"listen": "127.0.0.1:0"}
json.dump(c, open(path, "w"))
PY
}

# ctl status --json's "alive" within 30 s.
mon_wait_alive() {
	for _ in $(seq 300); do
		"$b/talon" ctl --engine "$eng" status --json 2>/dev/null |
			grep -q '"alive":true' && return 0
		sleep 0.1
	done
	return 1
}

# talon run, then talon monitor on a free port (its stderr says which).
mon_start() {
	mon_config || return 1
	"$b/talon" run -c "$tmp/talon.json" >"$tmp/run.out" 2>&1 &
	run_pid=$!
	mon_wait_alive || { echo "talon run did not come up:"; cat "$tmp/run.out"; return 1; }
	"$b/talon" monitor -c "$tmp/talon.json" >"$tmp/mon.out" 2>&1 &
	mon_pid=$!
	mon_port=
	for _ in $(seq 300); do
		mon_port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' \
			"$tmp/mon.out" | head -n 1)
		[ -n "$mon_port" ] && return 0
		sleep 0.1
	done
	echo "talon monitor did not say its port:"
	cat "$tmp/mon.out"
	return 1
}

# GET a path of the monitor (or any loopback URL) to stdout; no curl on a
# fresh Debian, python3 is.
http_get() {
	python3 - "$1" <<'PY'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
        sys.stdout.write(r.read().decode())
except Exception as e:
    sys.stderr.write("GET %s: %s\n" % (sys.argv[1], e))
    sys.exit(1)
PY
}

# A MARKET buy of 0.01 BTCUSDT, then ctl status shows the position.
mon_buy() {
	"$b/talon" ctl --engine "$eng" submit --symbol BTCUSDT --side BUY --type MARKET \
		--qty 0.01 >"$tmp/submit.out" 2>&1 || { cat "$tmp/submit.out"; return 1; }
	for _ in $(seq 300); do
		"$b/talon" ctl --engine "$eng" status --json |
			grep -q '"symbol":"BTCUSDT","side":"LONG"[^}]*"qty":"0.01"' && return 0
		sleep 0.1
	done
	echo "no BTCUSDT position after the buy"
	"$b/talon" ctl --engine "$eng" status
	return 1
}
