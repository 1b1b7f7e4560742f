"""journal.py - what the engine recorded (docs/journal.md), read
read-only while it runs (WAL: readers see the last commit):

  - trading-state changes: TRADING_STATE_CHANGED event records, the new
    state read from the record blob (tl_ev_state_t.to, see below);
  - cancel intent per client id: its first ORDER_CANCEL_REQUESTED in
    order_status_history (what the engine recorded, not what ctl asked:
    a cancel-all is judged by the per-order intents it produced);
  - REQ_NEW outputs per client id (when each request was handed to IO);
  - whether the engine has reconciled since its last start.
"""
import bisect
import sqlite3

# tl_trading_state_t (kernel/types.h, never renumbered)
STATES = {0: "NORMAL", 1: "REDUCING", 2: "LIQUIDATING", 3: "PAUSED"}
# Offset of tl_ev_state_t.to in the 256-byte record: 32-byte header, then
# tl_event_t {u16 type, u8 priority, u8 pad[5], char symbol[24]} = 32
# bytes, then the union: tl_ev_state_t {u8 from, u8 to, ...}.
STATE_TO_OFF = 32 + 32 + 1


class Journal:
    def __init__(self, path):
        self.path = path

    def _q(self, sql, args=()):
        c = sqlite3.connect("file:%s?mode=ro" % self.path, uri=True, timeout=10)
        try:
            return c.execute(sql, args).fetchall()
        finally:
            c.close()

    def states(self):
        """[(time_ns, state name)] in journal order."""
        rows = self._q("SELECT time_ns, rec FROM journal WHERE dir = 1 AND "
                       "type_name = 'EVENT:TRADING_STATE_CHANGED' ORDER BY id")
        return [(t, STATES.get(rec[STATE_TO_OFF], "?")) for t, rec in rows]

    def meta_state(self):
        r = self._q("SELECT value FROM meta WHERE key = 'trading_state'")
        return r[0][0] if r else None

    def cancel_intents(self):
        """{client id: time_ns of its first cancel request}."""
        return dict(self._q("SELECT client_id, min(time_ns) FROM order_status_history "
                            "WHERE event = 'ORDER_CANCEL_REQUESTED' GROUP BY client_id"))

    def req_news(self):
        """{client id: sorted [time_ns of each REQ_NEW]}."""
        out = {}
        for cid, t in self._q("SELECT client_id, time_ns FROM journal WHERE dir = 1 AND "
                              "type_name = 'REQ_NEW' ORDER BY time_ns"):
            out.setdefault(cid, []).append(t)
        return out

    def reconciled(self):
        """A POSITION_SNAPSHOT input after the last start (RESTART input)."""
        r = self._q("SELECT (SELECT coalesce(max(id), 0) FROM journal WHERE dir = 0 AND "
                    "type_name = 'RESTART'), (SELECT coalesce(max(id), 0) FROM journal "
                    "WHERE dir = 0 AND type_name = 'POSITION_SNAPSHOT')")
        restart, snap = r[0]
        return snap > restart


class Timeline:
    """The trading state at any time, from the state changes."""

    def __init__(self, changes):
        self.t = [c[0] for c in changes]
        self.s = [c[1] for c in changes]

    def at(self, t_ns):
        i = bisect.bisect_right(self.t, t_ns) - 1
        return (self.s[i], self.t[i]) if i >= 0 else ("NORMAL", 0)

    def entries(self, names):
        """[(time_ns, state)] of each entry into one of `names`."""
        return [(t, s) for t, s in zip(self.t, self.s) if s in names]
