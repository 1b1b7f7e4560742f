#!/usr/bin/env python3
"""kill-storm.py - the kill switch during a 429 storm, by hand.

The scenario of the safety issue, against the simulated exchange with the
Binance adapter, on free loopback ports and in a temporary directory:

  1. `talon venue` and `talon run --load RATE` (market, limit and cancel
     traffic on the engine's symbols);
  2. after WARM seconds, every POST /fapi/v1/order and POST
     /fapi/v1/batchOrders is answered 429 -1003 (endpoint_error at 100 %);
  3. after STORM seconds, `talon ctl liquidate` (the kill switch);
  4. HOLD seconds later the storm clears; the engine then has SETTLE
     seconds to finish the liquidation;
  5. the venue's own order records (allOrders, signed, per symbol) are
     read: every order the venue took after the kill is listed, and the
     ones that are not reduce-only are counted. The run fails (exit 1)
     if there is any, or if a position is left open.

Usage: scripts/kill-storm.py [--build DIR] [--rate N] [--warm S]
                             [--storm S] [--hold S] [--settle S] [--keep]
"""
import argparse
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def admin(port, path, data=None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", body, timeout=5) as r:
        return json.loads(r.read() or b"null")


def signed_get(port, path, key, secret, params):
    params = dict(params, timestamp=int(time.time() * 1000), recvWindow=60000)
    q = urllib.parse.urlencode(params)
    sig = hmac.new(secret.encode(), q.encode(), hashlib.sha256).hexdigest()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}?{q}&signature={sig}",
                                 headers={"X-MBX-APIKEY": key})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


def wait_port(port, proc, what):
    for _ in range(100):
        if proc.poll() is not None:
            sys.exit(f"kill-storm: {what} exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"kill-storm: {what} does not answer on port {port}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--rate", type=int, default=20)
    ap.add_argument("--warm", type=float, default=4)
    ap.add_argument("--storm", type=float, default=4)
    ap.add_argument("--hold", type=float, default=5)
    ap.add_argument("--settle", type=float, default=20)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    a = ap.parse_args()

    talon = os.path.join(ROOT, a.build, "talon")
    tmp = tempfile.mkdtemp(prefix="talon-kill-storm.")
    rest, plain, ws = free_port(), free_port(), free_port()
    with open(os.path.join(ROOT, "config/venue.json")) as f:
        vc = json.load(f)
    vc["rest"].update(port=rest, plain_port=plain,
                      cert=os.path.join(ROOT, "build/tls/server.pem"),
                      key=os.path.join(ROOT, "build/tls/server.key"))
    vc["ws"]["port"] = ws
    with open(os.path.join(tmp, "venue.json"), "w") as f:
        json.dump(vc, f)
    with open(os.path.join(ROOT, "config/talon.json")) as f:
        tc = json.load(f)
    name = f"killstorm{os.getpid()}"
    tc["engine"]["name"] = name
    tc["kernel"].pop("client_id_prefix", None)
    b = tc["venue"]["binance"]
    b["rest"]["port"] = rest
    b["ws"]["port"] = ws
    cdir = os.path.join(ROOT, "config")  # the shipped config's paths are relative to it
    for sec in ("rest", "ws"):
        if "ca_file" in b[sec]:
            b[sec]["ca_file"] = os.path.normpath(os.path.join(cdir, b[sec]["ca_file"]))
    tc["journal"]["path"] = os.path.join(tmp, "talon.db")
    if "exchange_info" in tc.get("symbols", {}):
        tc["symbols"]["exchange_info"] = os.path.join(cdir, tc["symbols"]["exchange_info"])
    cfg = os.path.join(tmp, "talon.json")
    with open(cfg, "w") as f:
        json.dump(tc, f, indent=1)
    key, secret = b["api_key"], b["api_secret"]
    symbols = tc["symbols"]["only"]

    vlog = open(os.path.join(tmp, "venue.log"), "w")
    elog = open(os.path.join(tmp, "engine.log"), "w")
    venue = subprocess.Popen([talon, "venue", "-c", os.path.join(tmp, "venue.json")],
                             cwd=ROOT, stdout=vlog, stderr=vlog)
    engine = None
    try:
        wait_port(plain, venue, "talon venue")
        engine = subprocess.Popen([talon, "run", "-c", cfg, "--load", str(a.rate)],
                                  cwd=ROOT, stdout=elog, stderr=elog)
        time.sleep(a.warm)
        if engine.poll() is not None:
            sys.exit(f"kill-storm: talon run exited with {engine.returncode}; see {tmp}/engine.log")
        for ep in ("POST /fapi/v1/order", "POST /fapi/v1/batchOrders"):
            admin(plain, "/sim/faults", {"endpoint_error": f"{ep} 1000000 -1003"})
        print(f"storm: 100 % -1003 on the order endpoints for {a.storm} s")
        time.sleep(a.storm)
        t_kill = int(time.time() * 1000)
        out = subprocess.run([talon, "ctl", "-c", cfg, "liquidate", "--reason", "kill-storm"],
                             cwd=ROOT, capture_output=True, text=True)
        print(f"kill at {t_kill}: {out.stdout.strip()} {out.stderr.strip()}")
        time.sleep(a.hold)
        admin(plain, "/sim/faults", {"endpoint_error": "clear"})
        print(f"storm cleared after {a.hold} s; settling {a.settle} s")
        time.sleep(a.settle)
        st = subprocess.run([talon, "ctl", "-c", cfg, "status"], cwd=ROOT,
                            capture_output=True, text=True).stdout
        state = next((ln.strip() for ln in st.splitlines() if ln.strip().startswith("state")), "?")
        print(f"engine: {state}")
    finally:
        if engine and engine.poll() is None:
            engine.send_signal(signal.SIGINT)
            try:
                engine.wait(15)
            except subprocess.TimeoutExpired:
                engine.kill()

    orders = []
    for s in symbols:
        orders += signed_get(plain, "/fapi/v1/allOrders", key, secret, {"symbol": s, "limit": 1000})
    after = [o for o in orders if o["time"] > t_kill]
    bad = [o for o in after if not o.get("reduceOnly")]
    state = admin(plain, "/sim/state")
    venue.send_signal(signal.SIGTERM)
    venue.wait(10)
    open_pos = []
    for acct in state.get("accounts", []):
        for p in acct.get("positions", []):
            if float(p.get("positionAmt", 0)) != 0:
                open_pos.append(p)
    print(f"venue: {len(orders)} orders, {len(after)} taken after the kill, "
          f"{len(after) - len(bad)} of them reduce-only, {len(bad)} not reduce-only")
    for o in bad:
        print(f"  ADDED EXPOSURE: {o['clientOrderId']} {o['symbol']} {o['side']} {o['type']} "
              f"qty {o['origQty']} status {o['status']} at {o['time']} (+{o['time'] - t_kill} ms)")
    print(f"venue positions open at the end: {len(open_pos)}")
    for p in open_pos:
        print(f"  OPEN: {p.get('symbol')} {p.get('positionAmt')}")
    if a.keep:
        print(f"kept: {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if bad or open_pos else 0)


if __name__ == "__main__":
    main()
