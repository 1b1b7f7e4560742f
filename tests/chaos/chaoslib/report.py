"""report.py - the closing summary of a chaos run and the TLTEST line
scripts/run-tests.sh reads (tests = the checks, failed = the checks with
at least one violation, plus one for a run that could not be set up)."""

CHECKS = [("a", "no order after cancel/PAUSED/LIQUIDATING"),
          ("b", "no exposure growth while LIQUIDATING"),
          ("c", "no client id placed twice"),
          ("d", "positions == venue after restart"),
          ("e", "replay --verify exits 0"),
          ("x", "engine alive (no crash, starts, reconciles)")]


class Tally:
    def __init__(self, checks=None):
        self.checks = checks or CHECKS
        self.rows = {}   # profile -> dict(steps, kills, placed, a..x)
        self.seen = set()
        self.lines = []

    def row(self, prof):
        return self.rows.setdefault(prof, dict(steps=0, kills=0, placed=0,
                                               **{k: 0 for k, _ in self.checks}))

    def add(self, prof, check, lines):
        """Count and print violations not reported before."""
        for ln in lines:
            if ln in self.seen:
                continue
            self.seen.add(ln)
            self.row(prof)[check] += 1
            self.lines.append("[%s] %s" % (prof, ln))
            print("VIOLATION [%s] %s" % (prof, ln), flush=True)

    def total(self, check):
        return sum(r[check] for r in self.rows.values())

    def print_table(self):
        ks = [k for k, _ in self.checks]
        print("\nchaos summary (violations per check; legend below)")
        print("%-16s %5s %5s %7s " % ("profile", "steps", "kills", "placed") +
              " ".join("%4s" % k for k in ks))
        for p, r in self.rows.items():
            print("%-16s %5d %5d %7d " % (p, r["steps"], r["kills"], r["placed"]) +
                  " ".join("%4d" % r[k] for k in ks))
        print("%-16s %5d %5d %7d " % ("total", sum(r["steps"] for r in self.rows.values()),
                                      sum(r["kills"] for r in self.rows.values()),
                                      sum(r["placed"] for r in self.rows.values())) +
              " ".join("%4d" % self.total(k) for k in ks))
        for k, what in self.checks:
            print("  %s: %s" % (k, what))

    def finish(self, suite, setup_failed=False):
        """Print the TLTEST line; the exit status."""
        failed = sum(1 for k, _ in self.checks if self.total(k)) + (1 if setup_failed else 0)
        n = len(self.checks) + (1 if setup_failed else 0)
        print("TLTEST suite=%s tests=%d failed=%d asserts=%d" % (suite, n, failed,
                                                                   len(self.seen) + n))
        return 1 if failed else 0
