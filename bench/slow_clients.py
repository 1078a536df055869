#!/usr/bin/env python3
"""Slow-client check of `calfeed serve` (a benchmark, not a test; `make bench` runs it).

Starts `calfeed serve` on a free loopback port with the publications of feeds/, then for
SECONDS (default 20):
  - keeps TRICKLERS connections (default 200) open, each sending a request head one byte
    every 3 s (the server answers 408 once a head has taken 10 s; such a connection is
    opened again at once, so that TRICKLERS are trickling all the time);
  - once a second, a normal client opens a connection and GETs the calendar.
Prints the share of the normal client's requests answered 200 and their latency
percentiles. Goal: 100% and p99 under 100 ms. Exits non-zero when the goal is missed or
serve did not stop cleanly on SIGINT.

Bounded: at most 1000 trickling connections and 120 s, against 127.0.0.1 only, standard
library only.

Usage: bench/slow_clients.py [BINARY] [SECONDS] [TRICKLERS]
       (BINARY defaults to target/release/calfeed; build it first: `cargo build --release`)
"""

import http.client
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INTERVAL = 3.0
HEAD = b"GET /xiaomi-12s.ics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 4000


def start_serve(binary, work):
    feeds = os.path.join(work, "feeds")
    os.mkdir(feeds)
    for name in os.listdir(os.path.join(ROOT, "feeds")):
        if name.endswith((".toml", ".json")):
            shutil.copy(os.path.join(ROOT, "feeds", name), feeds)
    out = open(os.path.join(work, "stdout"), "w+")
    err = open(os.path.join(work, "stderr"), "w+")
    proc = subprocess.Popen(
        [binary, "serve", "--in", feeds, "--addr", "127.0.0.1:0"], stdout=out, stderr=err
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        out.seek(0)
        text = out.read()
        for line in text.splitlines():
            if line.startswith("serving http://"):
                hostport = line[len("serving http://"):].rstrip("/")
                host, port = hostport.rsplit(":", 1)
                return proc, host, int(port), err
        if proc.poll() is not None:
            err.seek(0)
            sys.exit(f"serve exited: {err.read()}")
        time.sleep(0.1)
    proc.kill()
    sys.exit("serve did not start")


class Tricklers:
    """TRICKLERS connections each sending a byte every INTERVAL seconds, staggered."""

    def __init__(self, host, port, count):
        self.host, self.port, self.count = host, port, count
        self.stop = threading.Event()
        self.reopened = 0
        self.answered = {}
        self.thread = threading.Thread(target=self.run, daemon=True)

    def open(self):
        s = socket.create_connection((self.host, self.port), timeout=5)
        s.setblocking(False)
        return [s, 0]

    def run(self):
        sel = selectors.DefaultSelector()
        conns = []
        for i in range(self.count):
            c = self.open()
            conns.append(c)
            sel.register(c[0], selectors.EVENT_READ, i)
        step = INTERVAL / self.count
        i = 0
        next_send = time.monotonic()
        while not self.stop.is_set():
            timeout = max(0.0, next_send - time.monotonic())
            for key, _ in sel.select(timeout):
                # The server answered (408) or closed: read it, open another.
                j = key.data
                s = conns[j][0]
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if data[:12].startswith(b"HTTP/1.1 "):
                    status = data[9:12].decode()
                    self.answered[status] = self.answered.get(status, 0) + 1
                sel.unregister(s)
                s.close()
                conns[j] = self.open()
                sel.register(conns[j][0], selectors.EVENT_READ, j)
                self.reopened += 1
            if time.monotonic() >= next_send:
                c = conns[i]
                if c[1] < len(HEAD):
                    try:
                        c[0].send(HEAD[c[1]:c[1] + 1])
                        c[1] += 1
                    except OSError:
                        pass
                i = (i + 1) % self.count
                next_send += step
        for c in conns:
            c[0].close()


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/calfeed")
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    if not 1 <= seconds <= 120 or not 1 <= count <= 1000:
        sys.exit("SECONDS must be 1..120 and TRICKLERS 1..1000")
    work = tempfile.mkdtemp()
    proc = None
    try:
        proc, host, port, err = start_serve(binary, work)
        tricklers = Tricklers(host, port, count)
        tricklers.thread.start()
        # Let every trickling connection open and send its first byte.
        time.sleep(INTERVAL)
        statuses, latencies = {}, []
        for _ in range(seconds):
            started = time.perf_counter()
            try:
                c = http.client.HTTPConnection(host, port, timeout=15)
                c.request("GET", "/xiaomi-12s.ics", headers={"Connection": "close"})
                r = c.getresponse()
                r.read()
                status = str(r.status)
                c.close()
            except Exception as e:  # noqa: BLE001 (a reset or a timeout is a result)
                status = type(e).__name__
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
            time.sleep(max(0.0, 1.0 - (time.perf_counter() - started)))
        tricklers.stop.set()
        tricklers.thread.join()
        ok = statuses.get("200", 0)
        share = 100.0 * ok / seconds
        p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
        print(
            f"slow-clients: {count} connections trickling a byte every {INTERVAL:.0f}s, "
            f"a request a second for {seconds}s"
        )
        print(
            f"  answers: {statuses}  200s: {share:.0f}%  latency p50 {p50:.1f}ms "
            f"p99 {p99:.1f}ms max {max(latencies) * 1000:.1f}ms"
        )
        print(
            f"  trickling connections answered and reopened: {tricklers.reopened} "
            f"{tricklers.answered}"
        )
        failed = share < 100.0 or p99 >= 100.0
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
        proc = None
        if code != 0:
            print(f"serve exited with {code} on SIGINT", file=sys.stderr)
            failed = True
        err.seek(0)
        if err.read().strip():
            print("serve wrote to stderr", file=sys.stderr)
            failed = True
        print("slow-clients: FAILED (goal: 100% and p99 < 100 ms)" if failed else "slow-clients: ok")
        return 1 if failed else 0
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
