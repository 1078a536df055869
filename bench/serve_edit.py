#!/usr/bin/env python3
"""How long an edit takes to be served by `calfeed serve` on a large publication (a
benchmark, not a test; `make bench` runs it). `bench/serve_first.py` times the first
response and the memory held.

For each N (default 10000): generates the benchmark's publication of N events and N
articles (`calfeed-bench gen`, on /dev/shm when there is one), times calfeed's own loading
of it (`calfeed-bench load`, the median of 3), then starts `calfeed serve` on a free
loopback port and measures:
  - edit: REPS times, the first event's title is changed in the JSON the way an editor
    saves (a new file renamed over the old one), then its page (`<slug>/<event-id>.html`)
    is fetched every 20 ms until it shows the new title: the time from the rename to
    that answer. Between edits it waits 1.5 s, so each edit is built on its own;
  - RSS: resident memory after the edits (VmRSS), and its peak (VmHWM): during a
    rebuild, the new model while it loads (the served one is released meanwhile).
Prints one row per N. Nothing is asserted; the exit status is non-zero only when serve
failed to start, an edit was not served within 60 s, or serve did not stop on SIGINT.

Usage: bench/serve_edit.py [N ...] [--reps R]
       (build first: `cargo build --release --locked && cargo build --release --locked -p calfeed-bench`)
       N = 100000 needs about 0.6 GB on /dev/shm and passes --max-input-size 1G.
"""

import http.client
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CALFEED = os.path.join(ROOT, "target", "release", "calfeed")
BENCH = os.path.join(ROOT, "target", "release", "calfeed-bench")
SLUG = "pub"
EVENT = "ev000000-launch"


def get(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def rss_kib(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            fields[name] = value.strip()
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def load_time(feed):
    times = []
    for _ in range(3):
        started = time.monotonic()
        subprocess.run([BENCH, "load", feed], check=True, stdout=subprocess.DEVNULL)
        times.append(time.monotonic() - started)
    return statistics.median(times)


def save_like_an_editor(feed, text):
    temporary = feed + ".saving"
    with open(temporary, "w", encoding="utf-8") as out:
        out.write(text)
    os.rename(temporary, feed)


def measure(n, reps, base):
    work = tempfile.mkdtemp(prefix=f"serve-edit-{n}-", dir=base)
    try:
        feeds = os.path.join(work, "feeds")
        os.mkdir(feeds)
        feed = os.path.join(feeds, SLUG + ".json")
        subprocess.run([BENCH, "gen", str(n), feed], check=True, stdout=subprocess.DEVNULL)
        size_mb = os.path.getsize(feed) / 1e6
        load = load_time(feed)
        command = [CALFEED, "serve", "--in", feeds, "--addr", "127.0.0.1:0"]
        if n > 50000:
            command += ["--max-input-size", "1G"]
        # In the work folder, so that `--previous`'s default (`public`) names nothing.
        serve = subprocess.Popen(
            command, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        lines = []
        port = None
        for line in serve.stdout:
            lines.append(line)
            found = re.search(r"serving http://127\.0\.0\.1:(\d+)/", line)
            if found:
                port = int(found.group(1))
                break
        if port is None:
            raise RuntimeError("serve did not start:\n" + "".join(lines))
        # Keep reading its output, so that it never blocks on a full pipe.
        threading.Thread(target=lambda: [None for _ in serve.stdout], daemon=True).start()
        page = f"/{SLUG}/{EVENT}.html"
        status, _ = get(port, page)
        if status != 200:
            raise RuntimeError(f"GET {page} answered {status}")

        with open(feed, encoding="utf-8") as source:
            text = source.read()
        title = re.search(r'"title": "([^"]*)"', text[text.index('"events"') :]).group(1)
        edits = []
        for rep in range(reps):
            new_title = f"Edited {rep} {time.time_ns()}"
            text = text.replace(f'"title": "{title}"', f'"title": "{new_title}"', 1)
            title = new_title
            save_like_an_editor(feed, text)
            saved = time.monotonic()
            while True:
                status, body = get(port, page)
                if status == 200 and new_title.encode() in body:
                    break
                if time.monotonic() - saved > 60:
                    raise RuntimeError(f"edit {rep} not served after 60 s")
                time.sleep(0.02)
            edits.append(time.monotonic() - saved)
            time.sleep(1.5)
        rss, peak = rss_kib(serve.pid)
        serve.send_signal(signal.SIGINT)
        if serve.wait(timeout=60) != 0:
            raise RuntimeError("serve did not stop cleanly")
        return {
            "n": n,
            "input": size_mb,
            "load": load,
            "rss": rss / 1024,
            "peak": peak / 1024,
            "edits": edits,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv):
    reps = 5
    sizes = []
    args = iter(argv)
    for arg in args:
        if arg == "--reps":
            reps = int(next(args))
        else:
            sizes.append(int(arg))
    sizes = sizes or [10000]
    for binary in (CALFEED, BENCH):
        if not os.access(binary, os.X_OK):
            sys.exit(f"{binary} is missing: build it first (see --help)")
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    print(
        "      N |    input | load (median of 3) | edit served: median (min to max)"
        " | RSS after | peak RSS"
    )
    for n in sizes:
        r = measure(n, reps, base)
        edits = r["edits"]
        print(
            f"{r['n']:7d} | {r['input']:5.1f} MB | {r['load']:16.2f} s |"
            f" {statistics.median(edits):.2f} s ({min(edits):.2f} to {max(edits):.2f} s),"
            f" {len(edits)} edits | {r['rss']:5.0f} MiB | {r['peak']:4.0f} MiB"
        )


if __name__ == "__main__":
    if "--help" in sys.argv[1:] or "-h" in sys.argv[1:]:
        print(__doc__)
        sys.exit(0)
    main(sys.argv[1:])
