#!/usr/bin/env python3
"""How soon `calfeed serve` answers, and how much memory it holds, beside the time to load.

Usage: serve_first.py CALFEED CALFEED_BENCH INPUT [RUNS] [-- SERVE_ARGS...]

INPUT is a folder holding the publication, or a number N: the publication is then generated
(`calfeed-bench gen N`, N events and N articles) into a temporary folder, on /dev/shm when
there is one, and deleted at the end. Each run, in turn (paired, so that the machine's state
is shared):
  - `calfeed-bench load DIR/pub.json`: the time to parse the input (the floor);
  - `calfeed serve --in DIR --addr 127.0.0.1:0 --previous <empty>`: the time from start to the
    `serving http://...` line, and to the first response to `GET /`; resident memory (VmRSS)
    then, and after fetching the publication's page, calendar, feeds, archive and a
    permalink (VmRSS and the peak, VmHWM).
Prints the medians, and the input's size.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def load_time(bench, path):
    start = time.monotonic()
    subprocess.run([bench, "load", path], check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - start


def fetch(url):
    with urllib.request.urlopen(url, timeout=600) as response:
        return response.read()


def serve_once(calfeed, input_dir, extra):
    slug = next(
        name.rsplit(".", 1)[0]
        for name in sorted(os.listdir(input_dir))
        if name.endswith((".json", ".toml"))
    )
    with tempfile.TemporaryDirectory() as empty:
        start = time.monotonic()
        proc = subprocess.Popen(
            [calfeed, "serve", "--in", input_dir, "--addr", "127.0.0.1:0",
             "--previous", empty, *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            base = None
            for line in proc.stdout:
                if line.startswith("serving "):
                    base = line.split()[1]
                    break
            if base is None:
                raise SystemExit("calfeed serve did not start")
            serving = time.monotonic() - start
            fetch(base)
            first = time.monotonic() - start
            rss_first = rss_kib(proc.pid)
            for path in [f"{slug}/", f"{slug}.ics", f"{slug}.xml", f"{slug}.atom",
                         f"{slug}.json", f"{slug}/archive/"]:
                fetch(base + path)
            rss_after = rss_kib(proc.pid)
            peak = rss_kib(proc.pid, "VmHWM")
            return serving, first, rss_first, rss_after, peak
        finally:
            proc.terminate()
            proc.wait()


def main():
    args = sys.argv[1:]
    extra = []
    if "--" in args:
        extra = args[args.index("--") + 1:]
        args = args[: args.index("--")]
    calfeed, bench, input_dir = args[:3]
    runs = int(args[3]) if len(args) > 3 else 3
    if input_dir.isdigit():
        n = input_dir
        base = "/dev/shm" if os.path.isdir("/dev/shm") else None
        with tempfile.TemporaryDirectory(dir=base) as folder:
            subprocess.run([bench, "gen", n, os.path.join(folder, "pub.json")], check=True,
                           stdout=subprocess.DEVNULL)
            if int(n) > 20000 and "--max-input-size" not in extra:
                extra = [*extra, "--max-input-size", "1G"]
            measure(calfeed, bench, folder, runs, extra)
    else:
        measure(calfeed, bench, input_dir, runs, extra)


def measure(calfeed, bench, input_dir, runs, extra):
    inputs = [os.path.join(input_dir, n) for n in sorted(os.listdir(input_dir))
              if n.endswith((".json", ".toml"))]
    size = sum(os.path.getsize(p) for p in inputs)
    rows = []
    for _ in range(runs):
        load = sum(load_time(bench, p) for p in inputs)
        rows.append((load, *serve_once(calfeed, input_dir, extra)))
    med = [statistics.median(col) for col in zip(*rows)]
    load, serving, first, rss_first, rss_after, peak = med
    mib = 1024
    print(f"input: {size / 2**20:.1f} MiB in {len(inputs)} file(s); {runs} paired run(s), medians")
    print(f"load (calfeed-bench load): {load:.3f} s")
    print(f"serve: 'serving' line after {serving:.3f} s, first response after {first:.3f} s "
          f"({first / load:.2f}x the load)")
    print(f"serve: resident {rss_first / mib:.0f} MiB at the first response, "
          f"{rss_after / mib:.0f} MiB after the page, calendar, feeds and archive; "
          f"peak {peak / mib:.0f} MiB (input {size / 2**20:.0f} MiB)")


if __name__ == "__main__":
    main()
