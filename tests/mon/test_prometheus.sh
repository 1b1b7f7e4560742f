#!/usr/bin/env bash
# test_prometheus.sh - a real Prometheus scrapes `talon monitor`: a paper
# engine buys 0.01 BTCUSDT, Prometheus (Debian's package, started here on
# loopback with a 1 s scrape interval) scrapes the monitor's /metrics,
# and a query through its HTTP API returns the position's quantity. The
# same live /metrics passes `promtool check metrics`.
b=$(cd "$(dirname "$0")/../.." && pwd)	# the build directory
root=$(cd "$b/.." && pwd)
cd "$root" || exit 1
tmp=$(mktemp -d)
# shellcheck source=tests/mon/engine.sh
. "$root/tests/mon/engine.sh"
prom_pid=
trap '[ -n "$prom_pid" ] && kill "$prom_pid" 2>/dev/null; mon_stop; [ -n "$KEEP" ] || rm -rf "$tmp"' EXIT
n=0 f=0
ok() { n=$((n + 1)); echo "ok: $*"; }
fail() { n=$((n + 1)); f=$((f + 1)); echo "FAILED: $*"; }

prom=$(command -v prometheus)
promtool=$(command -v promtool)
if [ -z "$prom" ] || [ -z "$promtool" ]; then
	echo "SKIP: prometheus is not installed (make test installs it as root: scripts/deps.sh --test)"
	exit 77
fi
mon_start || { echo "TLTEST suite=mon.prometheus tests=1 failed=1 asserts=1"; exit 1; }
mon_buy && ok "a paper engine holds 0.01 BTCUSDT" || fail "the buy"

if http_get "http://127.0.0.1:$mon_port/metrics" >"$tmp/metrics.txt" &&
	"$promtool" check metrics <"$tmp/metrics.txt" >"$tmp/promtool.out" 2>&1; then
	ok "promtool check metrics: the live /metrics is clean ($(grep -c '^# TYPE' "$tmp/metrics.txt") families)"
else
	fail "promtool check metrics:"
	cat "$tmp/promtool.out"
fi

# The journal's lag and progress are there: records committed by now.
if grep -Eq '^talon_journal_records_total [1-9][0-9]*$' "$tmp/metrics.txt" &&
	grep -Eq '^talon_journal_pending_records [0-9]+$' "$tmp/metrics.txt"; then
	ok "the journal's committed records and pending lag are exported"
else
	fail "no talon_journal_records_total > 0 or talon_journal_pending_records:"
	grep '^talon_journal' "$tmp/metrics.txt"
fi

# A free port for Prometheus (it cannot report one it picked itself).
pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: talon
    static_configs:
      - targets: ['127.0.0.1:$mon_port']
YML
"$prom" --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
	--web.listen-address="127.0.0.1:$pport" >"$tmp/prom.out" 2>&1 &
prom_pid=$!
q='talon_position_quantity{job="talon",symbol="BTCUSDT",position_side="BOTH"}'
url="http://127.0.0.1:$pport/api/v1/query?query=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$q")"
got=
for _ in $(seq 120); do	# up to 60 s: Prometheus starts, then scrapes each second
	if http_get "$url" >"$tmp/q.json" 2>/dev/null; then
		got=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
v = r["data"]["result"]
print(v[0]["value"][1] if r["status"] == "success" and v else "")' "$tmp/q.json")
		[ -n "$got" ] && break
	fi
	sleep 0.5
done
if [ "$got" = "0.01" ]; then
	ok "Prometheus query $q = $got"
else
	fail "Prometheus query $q: '$got'"
	cat "$tmp/q.json" 2>/dev/null
	tail -n 20 "$tmp/prom.out"
fi
# The scrape itself is healthy: up == 1 for the job.
up=$(http_get "http://127.0.0.1:$pport/api/v1/query?query=up%7Bjob%3D%22talon%22%7D" |
	python3 -c 'import json, sys; v = json.load(sys.stdin)["data"]["result"]; print(v[0]["value"][1] if v else "")')
[ "$up" = 1 ] && ok "up{job=\"talon\"} = 1" || fail "up{job=\"talon\"} = '$up'"
echo "TLTEST suite=mon.prometheus tests=$n failed=$f asserts=$n"
[ "$f" = 0 ]
