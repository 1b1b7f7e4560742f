"""venue.py - the simulator's admin API over its plain-HTTP port
(docs/venue.md): faults, state, and its own order and trade records
(GET /sim/orders, /sim/trades), which the checks trust instead of talon.
"""
import hashlib
import hmac
import http.client
import json
import time
import urllib.parse
from decimal import Decimal

# Every fault knob back to zero (and the per-endpoint rules cleared).
CLEAR = {
    "latency_ms": 0, "latency_jitter_ms": 0, "error_ppm": 0, "unknown_ppm": 0,
    "reset_ppm": 0, "stream_drop_permille": 0, "stream_dup_permille": 0,
    "stream_reorder_permille": 0, "stream_delay_ms": 0, "stream_delay_jitter_ms": 0,
    "stream_disconnect_every_ms": 0, "endpoint_error": "clear",
}


class Venue:
    def __init__(self, port):
        self.port = port

    def call(self, method, path, params=None):
        body = urllib.parse.urlencode(params or {}, quote_via=urllib.parse.quote)
        if method == "GET" and body:
            path, body = path + "?" + body, ""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            c.request(method, path, body=body or None,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
            r = c.getresponse()
            data = r.read()
        finally:
            c.close()
        if r.status != 200:
            raise RuntimeError("%s %s: %d %s" % (method, path, r.status, data[:300]))
        return json.loads(data)

    def place(self, key, secret, **params):
        """POST /fapi/v1/order signed with (key, secret): an order of
        nobody's engine, placed straight at the venue."""
        params = dict(params, timestamp=int(time.time() * 1000), recvWindow=60000)
        q = urllib.parse.urlencode(params, quote_via=urllib.parse.quote)
        sig = hmac.new(secret.encode(), q.encode(), hashlib.sha256).hexdigest()
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            c.request("POST", "/fapi/v1/order?%s&signature=%s" % (q, sig),
                      headers={"X-MBX-APIKEY": key})
            r = c.getresponse()
            data = r.read()
        finally:
            c.close()
        if r.status != 200:
            raise RuntimeError("place: %d %s" % (r.status, data[:300]))
        return json.loads(data)

    def faults(self, **knobs):
        """POST /sim/faults; endpoint_error may be a list of rules (one
        rule per request: the venue refuses a repeated parameter)."""
        rules = knobs.pop("endpoint_error", None)
        if knobs:
            self.call("POST", "/sim/faults", knobs)
        if isinstance(rules, str):
            rules = [rules]
        for r in rules or []:
            self.call("POST", "/sim/faults", {"endpoint_error": r})

    def clear_faults(self):
        self.faults(**CLEAR)

    def state(self):
        return self.call("GET", "/sim/state")

    def positions(self, account):
        """{symbol: Decimal positionAmt} of the account (one-way mode)."""
        for a in self.state()["accounts"]:
            if a["name"] == account:
                return {p["symbol"]: Decimal(p["positionAmt"]) for p in a["positions"]
                        if p["positionSide"] == "BOTH"}
        raise RuntimeError("no venue account " + account)

    def _records(self, path, key):
        out, nxt = [], 0
        while True:
            j = self.call("GET", path, {"fromId": nxt, "limit": 2000})
            out += j[key]
            if not j[key]:
                return out
            nxt = j["next"]

    def orders(self):
        return self._records("/sim/orders", "orders")

    def trades(self):
        return self._records("/sim/trades", "trades")
