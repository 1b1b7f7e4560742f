#!/usr/bin/env python3
"""test_chaos.py - the chaos test (docs/recovery.md "Chaos test"): a real
`talon venue` and `talon run --load` on loopback through the fault
profiles, operator actions and kill -9 + restart, judged on the venue's
own records (chaoslib/scenario.py, chaoslib/checks.py).

  make test TESTS=chaos   the small run: every profile once, 3 kills
  make chaos              the long run: --long (6 rounds, 2 kills a step)

Run through the wrapper make writes to <build>/tests/chaos/test_chaos,
which passes --talon <build>/talon. CHAOS_SEED=N reproduces a run's
choices (the seed is printed); CHAOS_KEEP=1 keeps the temp dir.
"""
import argparse
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from chaoslib import scenario  # noqa: E402
from chaoslib.report import Tally  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--talon", required=True)
    ap.add_argument("--long", action="store_true")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--kills-per-step", type=int, default=2)
    a = ap.parse_args()
    if not os.access(a.talon, os.X_OK):
        print("chaos: no talon binary at %s" % a.talon)
        return 77
    seed = int(os.environ.get("CHAOS_SEED", int(time.time())))
    print("chaos: seed %d (CHAOS_SEED=%d reproduces the choices), %s run" % (
        seed, seed, "long" if a.long else "small"), flush=True)
    tally = Tally()
    t = time.time()
    scenario.run(a.talon, REPO, tally, seed, a.rounds if a.long else 1, a.kills_per_step,
                 small=not a.long, keep=bool(os.environ.get("CHAOS_KEEP")))
    tally.print_table()
    print("chaos: %.0f s" % (time.time() - t))
    return tally.finish("chaos.long" if a.long else "chaos.small")


if __name__ == "__main__":
    sys.exit(main())
