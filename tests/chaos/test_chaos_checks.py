#!/usr/bin/env python3
"""test_chaos_checks.py - the chaos checks themselves (chaoslib/checks.py)
on made-up venue records and journals, no processes: each check fires on
the violation it is for, stays quiet on the legal cases next to it (the
on-the-wire slack, reduce-only orders, ms rounding), and names the
offending order. A chaos run that reports nothing is only worth
something if these pass.
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from decimal import Decimal  # noqa: E402

from chaoslib import checks  # noqa: E402

MS = 1000000
T0 = 1700000000000  # ms


class FakeJournal:
    def __init__(self, states=(), intents=None, reqs=None):
        self._states = [(T0 * MS + t * MS, s) for t, s in states]
        self._intents = {c: T0 * MS + t * MS for c, t in (intents or {}).items()}
        self._reqs = {c: [T0 * MS + t * MS for t in ts] for c, ts in (reqs or {}).items()}

    def states(self):
        return self._states

    def cancel_intents(self):
        return self._intents

    def req_news(self):
        return self._reqs


def order(cid, t, oid=None, sym="BTCUSDT", ro=False, side="BUY", typ="LIMIT"):
    return {"orderId": oid or 4000000000 + t, "account": "test", "symbol": sym,
            "clientOrderId": cid, "side": side, "origType": typ, "origQty": "0.003",
            "reduceOnly": ro, "closePosition": False, "status": "NEW", "time": T0 + t}


def trade(oid, t, side, qty="0.003", sym="BTCUSDT"):
    return {"orderId": oid, "account": "test", "symbol": sym, "side": side, "qty": qty,
            "time": T0 + t}


results = []


def expect(name, got, n, needle=None):
    ok = len(got) == n and (needle is None or any(needle in g for g in got))
    results.append(ok)
    print("%s %s: %d violation(s)%s" % ("ok  " if ok else "FAIL", name, len(got),
                                        "" if ok else ": %r" % got))


def test_a():
    jr = FakeJournal(intents={"c1": 1000, "c2": 1000, "c3": 1000, "c4": 1000},
                     reqs={"c1": [900], "c2": [900], "c3": [1100], "c5": [1900]},
                     states=[(2000, "PAUSED"), (3000, "NORMAL")])
    # c1: left before the intent, landed 150 ms after: excused
    expect("a on the wire", checks.check_a([order("c1", 1150)], jr, "test", None, T0), 0)
    # c2: left before, landed 500 ms after (held back): violation
    expect("a held back", checks.check_a([order("c2", 1500)], jr, "test", None, T0), 1,
           "client id c2")
    # c3: REQ_NEW journaled after the intent: violation even if fast
    expect("a sent after intent", checks.check_a([order("c3", 1101)], jr, "test", None, T0),
           1, "+100 ms from the intent")
    # c4: placed in the same ms as the intent: rounding, not a violation
    expect("a same ms", checks.check_a([order("c4", 1000)], jr, "test", None, T0), 0)
    # reduce-only is exempt
    expect("a reduce-only", checks.check_a([order("c2", 1500, ro=True)], jr, "test", None,
                                           T0), 0)
    # placed while PAUSED, request after the pause: violation; on the wire: excused
    expect("a paused", checks.check_a([order("c6", 2500)], jr, "test", None, T0), 1,
           "state PAUSED")
    expect("a paused on the wire", checks.check_a([order("c5", 2100)], jr, "test", None, T0),
           0)
    expect("a after resume", checks.check_a([order("c7", 3100)], jr, "test", None, T0), 0)
    # resumed 0.3 ms into ms 3000, sent at 3000.5, stamped 3001 by the venue:
    # the ms before the stamp is still PAUSED, the request is not
    jr2 = FakeJournal(reqs={"c8": [3000.5], "c9": [2999]},
                      states=[(2000, "PAUSED"), (3000.3, "NORMAL")])
    expect("a resume in the same ms", checks.check_a([order("c8", 3001)], jr2, "test", None,
                                                      T0), 0)
    expect("a sent before the resume", checks.check_a([order("c9", 3001)], jr2, "test", None,
                                                       T0), 1, "state PAUSED")
    # another account or symbol is not this engine's
    o = order("c2", 1500)
    o["account"] = "hedge"
    expect("a other account", checks.check_a([o], jr, "test", None, T0), 0)
    expect("a other symbol", checks.check_a([order("c2", 1500, sym="ETHUSDT")], jr, "test",
                                            ["BTCUSDT"], T0), 0)


def test_b():
    jr = FakeJournal(states=[(1000, "LIQUIDATING"), (2000, "PAUSED")],
                     reqs={"open": [100], "late": [1200], "close": [1010], "wire": [990]})
    orders = [order("open", 100, oid=1), order("late", 1300, oid=2),
              order("close", 1020, oid=3, ro=True, side="SELL", typ="MARKET"),
              order("wire", 1050, oid=4)]
    # long 0.003 before; reduce-only close during: fine
    tr = [trade(1, 100, "BUY"), trade(3, 1020, "SELL")]
    expect("b close", checks.check_b(orders, tr, jr, "test", None, T0), 0)
    # a BUY during LIQUIDATING from a request sent during it: grows
    tr = [trade(1, 100, "BUY"), trade(2, 1300, "BUY")]
    expect("b grows", checks.check_b(orders, tr, jr, "test", None, T0), 1,
           "0.003 -> 0.006")
    # a flip: long 0.003, sell 0.006
    tr = [trade(1, 100, "BUY"), trade(2, 1300, "SELL", "0.006")]
    expect("b flips", checks.check_b(orders, tr, jr, "test", None, T0), 1, "-> -0.003")
    # on the wire at the kill switch, filled 50 ms in: excused
    tr = [trade(4, 1050, "BUY")]
    expect("b on the wire", checks.check_b(orders, tr, jr, "test", None, T0), 0)
    # the same fill while PAUSED is (a)'s business, not (b)'s
    tr = [trade(2, 2500, "BUY")]
    expect("b paused", checks.check_b(orders, tr, jr, "test", None, T0), 0)


def test_c():
    o = [order("x", 10, oid=1), order("x", 20, oid=2), order("y", 30, oid=3)]
    expect("c twice", checks.check_c(o, "test", None, T0), 2, "placed 2 times")
    o = [order("x", 10, oid=1), order("x", 20, oid=2, sym="ETHUSDT")]
    expect("c per symbol", checks.check_c(o, "test", None, T0, per_symbol=True), 0)


def test_d():
    st = {"positions": [{"symbol": "BTCUSDT", "position_side": "BOTH", "qty": "0.003"},
                        {"symbol": "ETHUSDT", "position_side": "BOTH", "qty": "0"}]}
    eng = checks.engine_positions(st)
    expect("d equal", checks.diff_positions(eng, {"BTCUSDT": Decimal("0.003")},
                                            ["BTCUSDT", "ETHUSDT"]), 0)
    expect("d differ", checks.diff_positions(eng, {"BTCUSDT": Decimal("0.006"),
                                                   "ETHUSDT": Decimal("-0.05")},
                                             ["BTCUSDT", "ETHUSDT"]), 2, "talon 0.003 venue 0.006")


def test_runs():
    r = checks.blocked_runs([(1, "PAUSED"), (2, "NORMAL"), (3, "LIQUIDATING"), (4, "PAUSED"),
                             (5, "NORMAL"), (6, "PAUSED")])
    ok = r == [(1, 2), (3, 5), (6, None)]
    results.append(ok)
    print("%s blocked runs merge LIQUIDATING+PAUSED: %r" % ("ok  " if ok else "FAIL", r))


for t in (test_a, test_b, test_c, test_d, test_runs):
    t()
failed = results.count(False)
print("TLTEST suite=chaos.checks tests=%d failed=%d asserts=%d" % (len(results), failed,
                                                                 len(results)))
sys.exit(1 if failed else 0)
