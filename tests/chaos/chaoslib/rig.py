"""rig.py - the processes of a chaos run: `talon venue` and `talon run`
engines on loopback, each with its own config in a temp dir.

The talon binary is the one of the build under test (passed by the
wrapper make writes into <build>/tests/chaos/, so a sanitized run drives
sanitized programs, as tests/support/subproc.c does for the C tests).
Configs are the shipped ones (config/venue.json, config/talon.json) with
free ports, a unique engine name, absolute paths and the journal in the
temp dir; the venue is read over its extra plain-HTTP port.
"""
import json
import os
import signal
import socket
import subprocess
import tempfile
import time


def free_ports(n):
    """n distinct free loopback ports (bound together so none repeats)."""
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


class Rig:
    def __init__(self, talon, repo, tag):
        self.talon = os.path.abspath(talon)
        self.repo = os.path.abspath(repo)
        self.dir = tempfile.mkdtemp(prefix="tl_chaos_%s." % tag)
        self.rest_port, self.plain_port, self.ws_port = free_ports(3)
        self.venue = None
        self.account = "test"  # the venue account talon.json's key names

    def path(self, name):
        return os.path.join(self.dir, name)

    # ---- the venue ---------------------------------------------------------

    def start_venue(self, tweak=None):
        with open(os.path.join(self.repo, "config/venue.json")) as f:
            vj = json.load(f)
        vj["rest"]["port"] = self.rest_port
        vj["rest"]["plain_port"] = self.plain_port
        vj["ws"]["port"] = self.ws_port
        vj["streams"]["mark_interval_ms"] = 200
        # Dozens of restarts a minute (each one reconciles: openOrders
        # without a symbol alone is 40) exhaust the shipped 2400 weight a
        # minute, and 20 real 429s then ban the IP for 2 minutes: the run
        # would measure that ban, not the injected faults. The engine
        # still limits itself to its own 2400 (io/binance/limits.c).
        vj["limits"]["weight_1m"] = 24000
        if tweak:
            tweak(vj)
        cfg = self.path("venue.json")
        with open(cfg, "w") as f:
            json.dump(vj, f, indent=1)
        self.venue = self._spawn("venue.out", ["venue", "-c", cfg])
        end = time.time() + 15
        while time.time() < end:
            try:
                socket.create_connection(("127.0.0.1", self.plain_port), 0.2).close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    # ---- engines -----------------------------------------------------------

    def engine_config(self, name, symbols=None, tweak=None):
        """Write <dir>/<name>.json for engine `name`; returns its path."""
        with open(os.path.join(self.repo, "config/talon.json")) as f:
            tj = json.load(f)
        tj["engine"]["name"] = name
        b = tj["venue"]["binance"]
        b["rest"]["port"] = self.rest_port
        b["ws"]["port"] = self.ws_port
        b["rest"]["ca_file"] = os.path.join(self.repo, "build/tls/ca.pem")
        tj["symbols"]["exchange_info"] = os.path.join(self.repo, "config/exchange_info.json")
        if symbols:
            tj["symbols"]["only"] = list(symbols)
            tj["symbols"]["leverage"] = {s: v for s, v in tj["symbols"]["leverage"].items()
                                         if s in symbols}
        tj["journal"]["path"] = self.path(name + ".db")
        if tweak:
            tweak(tj)
        cfg = self.path(name + ".json")
        with open(cfg, "w") as f:
            json.dump(tj, f, indent=1)
        return cfg

    def _spawn(self, log, args):
        # cwd = the repository: the venue's default cert paths are relative
        with open(self.path(log), "ab") as out:
            return subprocess.Popen([self.talon] + args, cwd=self.repo,
                                    stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT)

    def cleanup(self, keep=False):
        if self.venue:
            stop(self.venue)
        if keep:
            print("chaos: kept %s" % self.dir)
            return
        for n in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, n))
        os.rmdir(self.dir)


def stop(p, timeout=20):
    """SIGTERM, then SIGKILL after `timeout` s; the exit status."""
    if p.poll() is not None:
        return p.returncode
    p.send_signal(signal.SIGTERM)
    try:
        return p.wait(timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        return p.wait()


class Engine:
    """One `talon run -c CFG [--load R]` and `talon ctl -c CFG ...`."""

    def __init__(self, rig, name, load=0, symbols=None, tweak=None):
        self.rig = rig
        self.name = name
        self.load = load
        self.cfg = rig.engine_config(name, symbols, tweak)
        self.db = rig.path(name + ".db")
        self.proc = None
        self.starts = 0

    def start(self, timeout=30):
        args = ["run", "-c", self.cfg]
        if self.load:
            args += ["--load", str(self.load)]
        self.proc = self.rig._spawn(self.name + ".out", args)
        self.starts += 1
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                return False
            st = self.status()
            if st and st.get("alive") and st.get("pid") == self.proc.pid:
                return True
            time.sleep(0.1)
        return False

    def log_tail(self, n=2):
        """The last n lines the engine printed (why it stopped)."""
        try:
            with open(self.rig.path(self.name + ".out"), "rb") as f:
                f.seek(0, 2)
                f.seek(max(0, f.tell() - 4096))
                lines = f.read().decode(errors="replace").strip().splitlines()
            return " | ".join(lines[-n:])
        except OSError:
            return ""

    def kill9(self):
        self.proc.kill()  # SIGKILL
        self.proc.wait()

    def stop(self):
        return stop(self.proc) if self.proc else None

    def ctl(self, *args, timeout=30):
        """`talon ctl -c CFG args...`: (exit code, stdout+stderr)."""
        try:
            r = subprocess.run([self.rig.talon, "ctl", "-c", self.cfg] + list(args),
                               cwd=self.rig.repo, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=timeout)
            return r.returncode, r.stdout.decode(errors="replace")
        except subprocess.TimeoutExpired:
            return -1, "ctl timed out"

    def status(self):
        rc, out = self.ctl("status", "--json")
        try:
            return json.loads(out)
        except ValueError:
            return None

    def wait_state(self, want, timeout):
        end = time.time() + timeout
        while time.time() < end:
            st = self.status()
            if st and st.get("state") in want:
                return st["state"]
            time.sleep(0.1)
        return None

    def replay_verify(self):
        """`talon replay DB -c CFG --verify`: (exit code, output tail)."""
        r = subprocess.run([self.rig.talon, "replay", self.db, "-c", self.cfg, "--verify",
                            "--no-progress"], cwd=self.rig.repo, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
        return r.returncode, r.stdout.decode(errors="replace")[-2000:]
