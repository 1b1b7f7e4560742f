#!/usr/bin/env python3
"""test_chaos_two_engines.py - two engines on ONE venue account, each
trading its own symbol (A: BTCUSDT, B: ETHUSDT; `symbols.only`), each with
the default client-id prefix, which is derived from its engine name (so
they differ), and each one's user stream carries the other's orders and
fills.

Checks (on the venue's records, as test_chaos.py):
  p  each engine's position in its own symbol equals the venue's, after
     a kill -9 + restart of A (its reconciliation sees B's position on
     the shared account) and with both paused at the end;
  f  no engine holds a position in the other's symbol, and no engine
     journaled a POSITION_ORPHAN/CONFLICT for a symbol it does not trade;
  u  a foreign update is counted, not applied: an order placed straight
     at the venue on B's symbol under one of A's client ids (what a
     second engine sharing A's prefix would do; a resting LIMIT, so B's
     position stays B's own) reaches A's stream; A counts it in
     `counters.foreign_updates` (`ctl status --json`) and applies nothing;
  r  a third engine whose explicit prefix overlaps A's is refused at
     start, naming A;
  a, c  as test_chaos.py, per engine on its own symbol;
  e  `talon replay --verify` of both journals exits 0;
  x  both engines start, stay up and reconcile.
"""
import json
import os
from decimal import Decimal
import random
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chaoslib import checks  # noqa: E402
from chaoslib.journal import Journal  # noqa: E402
from chaoslib.report import Tally  # noqa: E402
from chaoslib.rig import Engine, Rig  # noqa: E402
from chaoslib.venue import Venue  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECKS = [("p", "own position == venue"), ("f", "nothing of the other symbol"),
          ("u", "foreign updates counted"), ("r", "overlapping prefix refused"), ("a", "no order after cancel/PAUSED"),
          ("c", "no client id placed twice"), ("e", "replay --verify exits 0"),
          ("x", "engines alive and reconciled")]


def wait(pred, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.1)
    return False


def positions_match(tally, eng, own, venue, account, when):
    """p and f for one engine (paused: the flow has stopped)."""
    diff, st = None, None

    def same():
        nonlocal diff, st
        st = eng.status()
        diff = checks.diff_positions(checks.engine_positions(st), venue.positions(account),
                                     [own])
        return not diff
    if not wait(same, 15):
        tally.add(eng.name, "p", ["(p) %s %s: %s" % (eng.name, when, "; ".join(diff))])
    foreign = {s: q for s, q in checks.engine_positions(st).items() if s != own and q != 0}
    if foreign:
        tally.add(eng.name, "f", ["(f) %s %s holds a position in another engine's symbol: %s"
                                  % (eng.name, when, foreign)])


def foreign_order(tally, rig, venue, a, sym):
    """u: one of A's client ids, placed straight at the venue on `sym`."""
    ids = [r[0] for r in a.jr._q("SELECT client_id FROM orders ORDER BY rowid DESC LIMIT 1")]
    if not ids:
        tally.add(a.name, "u", ["(u) %s journaled no order to borrow an id from" % a.name])
        return
    with open(os.path.join(REPO, "config/talon.json")) as f:
        b = json.load(f)["venue"]["binance"]
    mark = next(Decimal(m["mark"]) for m in venue.state()["markets"]
                if m["symbol"] == sym)
    price = (mark * Decimal("0.97")).quantize(Decimal("0.01"))
    try:
        venue.place(b["api_key"], b["api_secret"], symbol=sym, side="BUY", type="LIMIT",
                    timeInForce="GTC", quantity="0.01", price=str(price),
                    newClientOrderId=ids[0])
    except RuntimeError as err:
        tally.add(a.name, "u", ["(u) placing %s on %s: %s" % (ids[0], sym, err)])
        return
    print("two engines: placed %s on %s at the venue (not %s's order)" % (ids[0], sym, a.name),
          flush=True)


def overlap_refused(tally, rig, a):
    """r: an engine whose prefix is A's refuses to start and names A."""
    st = a.status() or {}
    prefix = st.get("client_id_prefix")
    if not prefix:
        tally.add(a.name, "r", ["(r) %s: ctl status --json has no client_id_prefix" % a.name])
        return
    c = Engine(rig, a.name + "x", symbols=["BTCUSDT"],
               tweak=lambda tj: tj["kernel"].__setitem__("client_id_prefix", prefix))
    ok = c.start(timeout=10)
    c.stop()
    tail = c.log_tail(3)
    if ok or a.name not in tail or "prefix" not in tail:
        tally.add(a.name, "r", ["(r) an engine with %s's prefix %r %s; its log: %s" % (
            a.name, prefix, "started" if ok else "failed without naming it", tail)])


def main():
    talon = sys.argv[sys.argv.index("--talon") + 1]
    if not os.access(talon, os.X_OK):
        print("two engines: no talon binary at %s" % talon)
        return 77
    seed = int(os.environ.get("CHAOS_SEED", int(time.time())))
    rng = random.Random(seed)
    print("two engines: seed %d" % seed, flush=True)
    tally = Tally(CHECKS)
    rig = Rig(talon, REPO, "two")
    venue = Venue(rig.plain_port)
    engs = []
    try:
        if not rig.start_venue():
            tally.add("setup", "x", ["venue did not start"])
            return tally.finish("chaos.two_engines")
        tag = rng.randrange(1 << 24)
        for n, sym in (("A", "BTCUSDT"), ("B", "ETHUSDT")):
            e = Engine(rig, "chaos%s%d" % (n, tag), load=6, symbols=[sym])
            e.own, e.jr = sym, Journal(e.db)
            engs.append(e)
            if not e.start() or not wait(e.jr.reconciled, 30):
                tally.add(e.name, "x", ["%s did not start and reconcile" % e.name])
                return tally.finish("chaos.two_engines")
        t0 = int(time.time() * 1000)
        foreign_order(tally, rig, venue, engs[0], "ETHUSDT")
        overlap_refused(tally, rig, engs[0])
        # flow, a cancel-all on each, a stream hiccup, then A killed and back
        time.sleep(2)
        for e in engs:
            e.ctl("cancel-all")
        venue.faults(stream_dup_permille=200)
        time.sleep(1.5)
        venue.clear_faults()
        a = engs[0]
        a.kill9()
        rc, out = a.replay_verify()
        if rc != 0:
            tally.add(a.name, "e", ["(e) %s after kill: replay exited %d: %s" % (a.name, rc,
                                                                             out[-300:])])
        if not a.start() or not wait(a.jr.reconciled, 30):
            tally.add(a.name, "x", ["%s did not restart and reconcile" % a.name])
        time.sleep(2)
        # judge: both paused, positions settle
        for e in engs:
            if e.proc.poll() is not None:
                tally.add(e.name, "x", ["%s exited by itself (%d)" % (e.name, e.proc.returncode)])
                continue
            e.ctl("pause")
        time.sleep(1)
        for e in engs:
            if e.proc.poll() is None:
                positions_match(tally, e, e.own, venue, rig.account, "at the end")
                st = e.status() or {}
                fu = st.get("counters", {}).get("foreign_updates")
                if e is engs[0] and not (fu or 0) > 0:
                    tally.add(e.name, "u", ["(u) %s: foreign_updates %r, expected > 0 (an "
                                            "order under its id rests on ETHUSDT)" %
                                            (e.name, fu)])
                ev = e.jr._q("SELECT type, symbol, text FROM events WHERE type IN "
                             "('POSITION_ORPHAN', 'POSITION_CONFLICT') AND symbol != ?", (e.own,))
                for t, s, txt in ev:
                    tally.add(e.name, "f", ["(f) %s journaled %s for %s (not its symbol): %s" %
                                            (e.name, t, s, txt)])
        orders = venue.orders()
        for e in engs:
            tally.add(e.name, "a", checks.check_a(orders, e.jr, rig.account, [e.own], t0))
            tally.add(e.name, "c", checks.check_c(orders, rig.account, [e.own], t0,
                                                  per_symbol=True))
            tally.row(e.name)["placed"] = sum(1 for o in orders if o["symbol"] == e.own)
            tally.row(e.name)["kills"] = e.starts - 1
            tally.row(e.name)["steps"] = 1
        for e in engs:
            rc = e.stop()
            if rc != 0:  # a sanitizer report, a failed shutdown
                tally.add(e.name, "x", ["%s exited %s on SIGTERM; its log ends: %s" % (
                    e.name, rc, e.log_tail(4))])
            rc, out = e.replay_verify()
            if rc != 0:
                tally.add(e.name, "e", ["(e) %s at the end: replay exited %d: %s" % (
                    e.name, rc, out[-300:])])
    finally:
        for e in engs:
            e.stop()
        rig.cleanup(keep=bool(os.environ.get("CHAOS_KEEP")))
    tally.print_table()
    return tally.finish("chaos.two_engines")


if __name__ == "__main__":
    sys.exit(main())
