"""checks.py - the safety checks, judged on the SIMULATOR'S records
(GET /sim/orders, /sim/trades, /sim/state) against what the engine's
journal says it intended. Each returns a list of violation lines naming
the offending order (client id, venue time, type, reduce-only, what it
violated).

Times: the venue stamps orders and trades in ms (its clock, no offset
set by these tests); the journal in ns; both are this host's realtime
clock. A venue time t means "somewhere in [t, t+1 ms)", so "after X"
needs t >= X + 1 ms: a check never fires on rounding.

On-the-wire slack (SLACK_MS, 200 ms): a request the engine handed to IO
(its REQ_NEW journaled) BEFORE the cancel intent or the state change may
still land at the venue after it; such an order is excused when the
venue placed it within SLACK_MS of that moment. A request journaled
after the moment, or one that landed later than the slack (held in a
queue, a retry or a rate-limit hold and sent anyway), is a violation.
"""
import bisect
from collections import Counter, defaultdict
from decimal import Decimal

from .journal import Timeline

MS = 1000000
SLACK_MS = 200
BLOCKED = ("PAUSED", "LIQUIDATING")


def fmt_order(o, t0_ms):
    return ("client id %s (venue orderId %s, %s %s %s qty %s, reduceOnly=%s, placed at "
            "venue t=%+.3f s, status %s)" % (o["clientOrderId"], o["orderId"], o["symbol"],
                                             o["side"], o["origType"], o["origQty"],
                                             str(o["reduceOnly"]).lower(),
                                             (o["time"] - t0_ms) / 1e3, o["status"]))


def blocked_runs(changes):
    """[(start_ns, end_ns)] of consecutive PAUSED/LIQUIDATING stretches
    (end None: still there)."""
    runs, start = [], None
    for t, s in changes:
        if s in BLOCKED and start is None:
            start = t
        elif s not in BLOCKED and start is not None:
            runs.append((start, t))
            start = None
    if start is not None:
        runs.append((start, None))
    return runs


def run_at(runs, t_ns):
    for a, b in runs:
        if a <= t_ns and (b is None or t_ns < b):
            return (a, b)
    return None


def last_req_before(reqs, t_ns):
    """The last REQ_NEW time at or before t_ns (None when there is none)."""
    i = bisect.bisect_right(reqs or [], t_ns) - 1
    return reqs[i] if i >= 0 else None


def on_the_wire(o, reqs, moment_ns):
    """Excused: its request left before `moment_ns` and it landed within
    the slack."""
    place = o["time"] * MS
    req = last_req_before(reqs, place + MS)
    return req is not None and req < moment_ns and place <= moment_ns + SLACK_MS * MS


def mine(o, account, symbols):
    return o["account"] == account and (symbols is None or o["symbol"] in symbols)


def check_a(orders, jr, account, symbols, t0_ms):
    """(a) no non-reduce-only order first placed at the venue after the
    engine recorded cancel intent for it, or while it was PAUSED or
    LIQUIDATING (the state 1 ms before the placement)."""
    intents, reqs = jr.cancel_intents(), jr.req_news()
    runs = blocked_runs(jr.states())
    bad = []
    for o in orders:
        if not mine(o, account, symbols) or o["reduceOnly"] or o["closePosition"]:
            continue
        cid, place = o["clientOrderId"], o["time"] * MS
        ti = intents.get(cid)
        if ti is not None and place >= ti + MS and not on_the_wire(o, reqs.get(cid), ti):
            req = last_req_before(reqs.get(cid), place + MS)
            bad.append("(a) cancel intent: %s: placed %.0f ms after ORDER_CANCEL_REQUESTED; "
                       "its last REQ_NEW was %s" % (
                           fmt_order(o, t0_ms), (place - ti) / MS,
                           "never journaled" if req is None else
                           "%+.0f ms from the intent" % ((req - ti) / MS)))
            continue
        run = run_at(runs, place - MS)
        req = last_req_before(reqs.get(cid), place + MS)
        # The venue stamps in whole ms: a request the engine sent after it
        # was NORMAL again can land in the same ms as the resume.
        if run and run[1] is not None and req is not None and req >= run[1]:
            continue
        if run and not on_the_wire(o, reqs.get(cid), run[0]):
            st = Timeline(jr.states()).at(place - MS)[0]
            bad.append("(a) state %s: %s: placed %.0f ms after the engine left NORMAL; "
                       "its last REQ_NEW was %s" % (
                           st, fmt_order(o, t0_ms), (place - run[0]) / MS,
                           "never journaled" if req is None else
                           "%+.0f ms from the state change" % ((req - run[0]) / MS)))
    return bad


def check_b(orders, trades, jr, account, symbols, t0_ms):
    """(b) a position's exposure (|qty| at the venue, rebuilt from the
    venue's fills in execution order) never grows, nor flips side, by a
    fill while the engine is LIQUIDATING."""
    by_id = {o["orderId"]: o for o in orders}
    changes = jr.states()
    tl, reqs = Timeline(changes), jr.req_news()
    pos, bad = defaultdict(Decimal), []
    for t in trades:
        if not mine(t, account, symbols):
            continue
        q = Decimal(t["qty"]) * (1 if t["side"] == "BUY" else -1)
        before = pos[t["symbol"]]
        after = pos[t["symbol"]] = before + q
        state, since = tl.at(t["time"] * MS - MS)
        if state != "LIQUIDATING":
            continue
        grew = abs(after) > abs(before) or (before * after < 0)
        o = by_id.get(t["orderId"])
        if grew and not (o and on_the_wire(o, reqs.get(o["clientOrderId"]), since)):
            bad.append("(b) exposure grew while LIQUIDATING: %s %s %s at t=%+.3f s, position "
                       "%s -> %s, by %s" % (t["symbol"], t["side"], t["qty"],
                                            (t["time"] - t0_ms) / 1e3, before, after,
                                            fmt_order(o, t0_ms) if o else
                                            "venue orderId %s" % t["orderId"]))
    return bad


def check_c(orders, account, symbols, t0_ms, per_symbol=False):
    """(c) no client order id placed twice at the venue (the venue only
    refuses a duplicate among OPEN orders, so count placements)."""
    key = (lambda o: (o["symbol"], o["clientOrderId"])) if per_symbol else \
        (lambda o: o["clientOrderId"])
    my = [o for o in orders if mine(o, account, symbols)]
    n = Counter(key(o) for o in my)
    return ["(c) client id placed %d times: %s" % (n[key(o)], fmt_order(o, t0_ms))
            for o in my if n[key(o)] > 1]


def engine_positions(status):
    """{symbol: Decimal qty} of a `ctl status --json` (one-way mode)."""
    return {p["symbol"]: Decimal(p["qty"]) for p in (status or {}).get("positions", [])
            if p.get("position_side", "BOTH") == "BOTH"}


def diff_positions(eng, ven, symbols):
    """Symbols where the engine's qty differs from the venue's (missing = 0)."""
    return ["%s: talon %s venue %s" % (s, eng.get(s, 0), ven.get(s, 0))
            for s in sorted(symbols) if eng.get(s, Decimal(0)) != ven.get(s, Decimal(0))]
