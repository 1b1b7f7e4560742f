"""scenario.py - one engine under steady load against the venue, step by
step through the fault profiles, with operator actions (cancel-all,
pause/resume, the kill switch) and kill -9 + restart at random moments;
the checks after every step, after every restart and at the end.

A step: set the profile's faults, run its actions with random gaps,
clear the faults, let in-flight work settle, then check (a), (b), (c) on
the venue's records so far (a violation is reported once, under the
step that first shows it). A kill: SIGKILL, (e) `talon replay --verify`
on the dead engine's journal, restart with the same config, wait until
it has reconciled (a POSITION_SNAPSHOT after its RESTART record), then
(d): the engine is paused (so the flow stops) and its positions must
equal the venue's within RECONCILE_S; it is resumed if we paused it.
"""
import random
import time

from . import checks
from .journal import Journal
from .profiles import PROFILES
from .rig import Engine, Rig
from .venue import Venue

RECONCILE_S = 20   # restart -> reconciled (the mix profile can starve it: a finding)
CONVERGE_S = 15    # reconciled + paused -> positions equal (queries of
                   # orders in flight answer within ack_timeout_ms + a
                   # query_interval_ms)
LIQ_S = 15         # kill switch -> PAUSED (a storm of 429s slows it)


def now_ms():
    return int(time.time() * 1000)


class Scenario:
    def __init__(self, talon, repo, tally, seed, load=10, gap=(0.2, 0.8)):
        self.tally = tally
        self.rng = random.Random(seed)
        self.gap = gap
        self.rig = Rig(talon, repo, "main")
        self.venue = Venue(self.rig.plain_port)
        self.load = load
        self.eng = None
        self.jr = None
        self.t0 = now_ms()
        self.prof = "setup"
        self.kills = 0

    # ---- set-up and the end ------------------------------------------------

    def start(self):
        if not self.rig.start_venue():
            self.tally.add("setup", "x", ["venue did not start"])
            return False
        self.eng = Engine(self.rig, "chaos%d" % (self.rng.randrange(1 << 30)), load=self.load)
        self.jr = Journal(self.eng.db)
        if not self.eng.start():
            self.tally.add("setup", "x", ["engine did not start (see %s.out)" % self.eng.name])
            return False
        if not self.wait_reconciled():
            self.tally.add("setup", "x", ["engine not reconciled %d s after its first start"
                                          % RECONCILE_S])
        return True

    def finish(self, keep=False):
        self.prof = "end"
        if self.eng and self.eng.proc and self.eng.proc.poll() is None:
            self.venue.clear_faults()
            self.check_positions("at the end")
            rc = self.eng.stop()
            if rc != 0:  # a sanitizer report, a failed shutdown
                self.tally.add("end", "x", ["engine exited %s on SIGTERM; its log ends: %s" %
                                            (rc, self.eng.log_tail(4))])
            self.check_replay("at the end")
            self.check_records()
        self.rig.cleanup(keep=keep)

    # ---- the steps ---------------------------------------------------------

    def plan(self, prof, kills, during_liq=False):
        """The step's actions in order; `during_liq`: the first kill comes
        right after the kill switch (while LIQUIDATING), else 30 % do."""
        acts = ["cancel-all", "pause", "resume", "liquidate", "resume"]
        if prof == "stream":
            acts.insert(self.rng.randrange(len(acts) + 1), "disconnect-streams")
        for i in range(kills):
            if (during_liq and i == 0) or self.rng.random() < 0.3:
                acts.insert(acts.index("liquidate") + 1, "kill")
            else:
                acts.insert(self.rng.randrange(len(acts) + 1), "kill")
        return acts

    def step(self, prof, knobs, kills, during_liq=False):
        self.prof = prof
        row = self.tally.row(prof)
        row["steps"] += 1
        t_start = now_ms()
        acts = self.plan(prof, kills, during_liq)
        print("chaos: step %s t=%+.1f s: %s" % (prof, (t_start - self.t0) / 1e3,
                                               " ".join(acts)), flush=True)
        self.venue.clear_faults()
        self.venue.faults(**dict(knobs))
        for i, act in enumerate(acts):
            during_liq = act == "kill" and i > 0 and acts[i - 1] == "liquidate"
            time.sleep(self.rng.uniform(0, 0.05) if during_liq else self.rng.uniform(*self.gap))
            self.alive_or_restart()
            nxt = acts[i + 1] if i + 1 < len(acts) else None
            self.act(act, nxt)
        time.sleep(self.rng.uniform(*self.gap))
        self.venue.clear_faults()
        time.sleep(1.5)  # in-flight requests land, the engine hears back
        row["placed"] += sum(1 for o in self.venue.orders()
                             if o["time"] >= t_start and o["account"] == self.rig.account)
        self.alive_or_restart()
        self.check_records()

    def act(self, act, nxt):
        e = self.eng
        if act == "kill":
            self.kill_restart()
        elif act == "disconnect-streams":
            self.venue.faults(disconnect_streams="true")
        elif act == "liquidate":
            rc, out = e.ctl("liquidate", "--reason", "chaos kill switch")
            if rc != 0:
                print("chaos: liquidate: rc %d %s" % (rc, out.strip()), flush=True)
            if nxt != "kill" and e.wait_state(("PAUSED",), LIQ_S) is None:
                print("chaos: note: not PAUSED %d s after the kill switch" % LIQ_S, flush=True)
        else:  # cancel-all, pause, resume: refusals are fine (logged)
            rc, out = e.ctl(act)
            if rc != 0:
                print("chaos: ctl %s: rc %d %s" % (act, rc, out.strip()), flush=True)

    # ---- kill -9 and restart -----------------------------------------------

    def alive_or_restart(self):
        rc = self.eng.proc.poll()
        if rc is None:
            return
        self.tally.add(self.prof, "x", ["engine exited by itself (status %d) at t=%+.1f s; "
                                        "restarted; its log ends: %s" % (
                                            rc, (now_ms() - self.t0) / 1e3, self.eng.log_tail())])
        self.restart("after it died")

    def kill_restart(self):
        self.tally.row(self.prof)["kills"] += 1
        self.kills += 1
        self.eng.kill9()
        self.check_replay("after kill %d" % self.kills)
        self.restart("after kill %d" % self.kills)

    def restart(self, when, attempts=10):
        """Start again as a supervisor would: an engine that exits during
        start-up or reconciliation (a fault hit a start-up request) is a
        violation (x) and is started again, up to `attempts` times."""
        for i in range(attempts):
            if self.eng.start() and self.wait_reconciled():
                self.check_positions(when)
                return
            rc = self.eng.proc.poll()
            if rc is None:
                self.tally.add(self.prof, "x", ["not reconciled %d s after the restart %s" %
                                                (RECONCILE_S, when)])
                return
            self.tally.add(self.prof, "x", [
                "engine exited (status %d) during start-up %s, attempt %d, t=%+.1f s; its log "
                "ends: %s" % (rc, when, i + 1, (now_ms() - self.t0) / 1e3, self.eng.log_tail())])
        raise RuntimeError("engine did not restart %s in %d attempts" % (when, attempts))

    def wait_reconciled(self):
        end = time.time() + RECONCILE_S
        while time.time() < end and self.eng.proc.poll() is None:
            if self.jr.reconciled():
                return True
            time.sleep(0.1)
        return False

    # ---- checks --------------------------------------------------------------

    def check_records(self):
        orders, trades = self.venue.orders(), self.venue.trades()
        acct = self.rig.account
        self.tally.add(self.prof, "a", checks.check_a(orders, self.jr, acct, None, self.t0))
        self.tally.add(self.prof, "b", checks.check_b(orders, trades, self.jr, acct, None,
                                                      self.t0))
        self.tally.add(self.prof, "c", checks.check_c(orders, acct, None, self.t0))

    def check_positions(self, when):
        """(d): paused (no new flow), talon's positions converge to the
        venue's; resumed again if we paused it."""
        st = self.eng.status()
        paused_here = st is not None and st.get("state") == "NORMAL"
        if paused_here:
            self.eng.ctl("pause")
        syms = ("BTCUSDT", "ETHUSDT")
        diff, end = None, time.time() + CONVERGE_S
        while time.time() < end:
            st = self.eng.status()
            diff = checks.diff_positions(checks.engine_positions(st),
                                         self.venue.positions(self.rig.account), syms)
            if not diff:
                break
            time.sleep(0.3)
        if diff:
            self.tally.add(self.prof, "d", [
                "(d) positions %s at t=%+.1f s, state %s, still differ after %d s: %s" % (
                    when, (now_ms() - self.t0) / 1e3, (st or {}).get("state"), CONVERGE_S,
                    "; ".join(diff))])
        if paused_here:
            self.eng.ctl("resume")

    def check_replay(self, when):
        rc, out = self.eng.replay_verify()
        if rc != 0:
            self.tally.add(self.prof, "e", ["(e) replay --verify %s exited %d: %s" % (
                when, rc, " | ".join(out.strip().splitlines()[-4:]))])


def run(talon, repo, tally, seed, rounds, kills_per_step, small, keep=False):
    sc = Scenario(talon, repo, tally, seed)
    try:
        if not sc.start():
            return sc
        for r in range(rounds):
            for i, (prof, knobs) in enumerate(PROFILES):
                # small: kills in steps 2, 4 and 5 (reset, stream, mix),
                # the one of `stream` during a liquidation
                k = (1 if i in (1, 3, 4) else 0) if small else kills_per_step
                sc.step(prof, knobs, k, during_liq=small and prof == "stream")
    except RuntimeError as e:
        tally.add(sc.prof, "x", ["scenario stopped: %s" % e])
    finally:
        try:
            sc.finish(keep=keep)
        except Exception as e:  # the report still prints
            tally.add("end", "x", ["finish failed: %r" % e])
    return sc
