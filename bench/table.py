#!/usr/bin/env python3
"""Prints the tables of bench/run.sh from its runs.tsv (label, wall ms, user s, sys s, max RSS KiB, exit)."""

import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
sizes = {r[1]: r[2:] for r in rows if r[0] == "size"}
peersizes = {r[1]: r[2:] for r in rows if r[0] == "peersize"}
def runs(kind, key):
    return [r for r in rows if r[0] == f"{kind} {key}" and r[5] == "0"]
def median(kind, key):
    rs = sorted(runs(kind, key), key=lambda r: int(r[1]))
    return rs[(len(rs) - 1) // 2] if rs else None
def mb(b):
    return f"{int(b) / 1e6:.1f} MB"
def secs(r):
    return f"{int(r[1]) / 1000:.2f} s" if r else "-"
def cpu(r):
    return f"{float(r[2]) + float(r[3]):.2f} s" if r else "-"
def mib(r):
    return f"{int(r[4]) / 1024:.0f} MiB" if r else "-"
def show(table):
    widths = [max(len(str(row[i])) for row in table) for i in range(len(table[0]))]
    for k, row in enumerate(table):
        print("| " + " | ".join(str(c).rjust(w) for c, w in zip(row, widths)) + " |")
        if k == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    print()
main = [["input", "N", "input size", "wall", "CPU (user+sys)", "CPU / wall", "items/s", "output", "files",
         "out MB/s", "peak RSS", "RSS / input", "rebuild, no change"]]
noop = [["input", "N", "full build", "load only (read, parse, validate)", "rebuild, no change",
         "no change / load", "rebuild, one event edited", "rebuild without the cache"]]
# The Node peer (run.sh --peers): calfeed's build i is paired with the peer's run i, right
# after it; "calfeed / peer" is the median of the paired ratios of wall (and of CPU) time.
peer = [["input", "N", "calfeed wall", "calfeed CPU", "calfeed peak RSS", "calfeed output", "peer wall",
         "peer CPU", "peer peak RSS", "peer output", "calfeed / peer, wall", "calfeed / peer, CPU"]]
floor = [["input", "N", "calfeed wall", "calfeed, fsync no-op", "floor", "floor RSS",
          "floor + fsync each file", "floor + one syncfs", "calfeed / floor"]]
for key, (n, inp, outb, files) in sizes.items():
    fmt = key.split()[0]
    b = median("build", key)
    if b is None:
        main.append([fmt, n, mb(inp), "FAILED"] + [""] * (len(main[0]) - 4))
        continue
    wall = int(b[1]) / 1000
    peak = max(int(r[4]) for r in runs("build", key))
    main.append([fmt, n, mb(inp), secs(b), cpu(b), f"{(float(b[2]) + float(b[3])) / wall:.2f}",
                 f"{2 * int(n) / wall:,.0f}", mb(outb), files,
                 f"{int(outb) / 1e6 / wall:.0f}", f"{peak / 1024:.0f} MiB",
                 f"{peak * 1024 / int(inp):.1f}x", secs(median("rebuild", key))])
    re, ld = median("rebuild", key), median("load", key)
    if re and ld:
        noop.append([fmt, n, secs(b), secs(ld), secs(re), f"{int(re[1]) / max(int(ld[1]), 1):.2f}x",
                     secs(median("edit", key)), secs(median("uncached", key))])
    fl = median("floor", key)
    if fl:
        floor.append([fmt, n, secs(b), secs(median("nosync", key)), secs(fl), mib(fl),
                      secs(median("fsync-each", key)), secs(median("syncfs", key)),
                      f"{int(b[1]) / max(int(fl[1]), 1):.1f}x"])
    ps = runs("peer", key)
    if ps:
        pairs = list(zip(runs("build", key), ps))
        def ratio(f):
            rs = sorted(f(c) / max(f(p), 1e-9) for c, p in pairs)
            return f"{rs[(len(rs) - 1) // 2]:.3f}"
        pm = median("peer", key)
        pbytes, pfiles = peersizes.get(key, ("0", "0"))
        peer.append([fmt, n, secs(b), cpu(b), f"{peak / 1024:.0f} MiB", f"{mb(outb)}, {files} files",
                     secs(pm), cpu(pm), f"{max(int(r[4]) for r in ps) / 1024:.0f} MiB",
                     f"{mb(pbytes)}, {pfiles} files",
                     ratio(lambda r: int(r[1])), ratio(lambda r: float(r[2]) + float(r[3]))])
show(main)
if len(noop) > 1:
    show(noop)
if len(floor) > 1:
    show(floor)
if len(peer) > 1:
    show(peer)
