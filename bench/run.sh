#!/usr/bin/env bash
# Benchmark of `calfeed build` on generated publications (see bench/README.md).
#
# Usage: bench/run.sh [--large] [--toml] [--reps N] [--no-check]
#   --large      also N=100000 (a 550 MB input; one repetition; checks the large outputs too)
#   --toml       also the same publications written as TOML
#   --reps N     repetitions per size (default 3; the median is reported)
#   --no-check   skip the correctness checks with Python icalendar / feedparser
#
# For each N (1000, 10000): generates bench-N.json (N events + N articles, deterministic),
# runs `target/release/calfeed build` into a fresh directory REPS times, and prints the
# median wall time, CPU time, throughput, output size and peak RSS, then a rebuild into the
# same directory (nothing changed) and the floor (serde_json parse of the same input +
# plain writes of the same bytes in the same number of files). Nothing is asserted about
# time; the exit status is non-zero only if a build or a correctness check fails.
# Work files go to target/bench/ (BENCH_DIR overrides).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"

large=0 toml=0 reps=3 check=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --large) large=1 ;;
    --toml) toml=1 ;;
    --reps) reps="$2"; shift ;;
    --no-check) check=0 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "bench: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

log() { echo "bench: $*" >&2; }

if [[ ! -x /usr/bin/time ]]; then
  log "installing GNU time (Debian package 'time') for peak RSS"
  apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
fi

log "cargo build --release"
cargo build --release --locked -q
calfeed="$repo/target/release/calfeed"
gen="$(cargo bench --locked -q --bench publication --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "publication":
        print(m["executable"])')"
[[ -x "$gen" ]] || { log "could not build benches/publication.rs"; exit 1; }

work="${BENCH_DIR:-$repo/target/bench}"
mkdir -p "$work"
results="$work/results.tsv"
: >"$results"

sizes=(1000 10000)
[[ $large -eq 1 ]] && sizes+=(100000)
formats=(json)
[[ $toml -eq 1 ]] && formats+=(toml)

# run LABEL OUTDIR CMD...: appends "label wall user sys maxrss_kib rc" to $work/runs.tsv.
runs="$work/runs.tsv"
: >"$runs"
run() {
  local label="$1" out="$2"
  shift 2
  local t0 t1 rc=0
  t0=$(date +%s%N)
  /usr/bin/time -f '%U %S %M' -o "$work/time.txt" "$@" >"$work/last.log" 2>&1 || rc=$?
  t1=$(date +%s%N)
  read -r user sys rss < <(tail -n 1 "$work/time.txt") || true
  if [[ $rc -ne 0 ]]; then
    log "$label failed (exit $rc):"
    tail -n 5 "$work/last.log" | sed 's/^/    /' >&2
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$(( (t1 - t0) / 1000000 ))" "${user:-0}" "${sys:-0}" "${rss:-0}" "$rc" >>"$runs"
  return $rc
}

status=0
for n in "${sizes[@]}"; do
  for fmt in "${formats[@]}"; do
    in="$work/in-$fmt-$n"
    out="$work/out-$fmt-$n"
    file="$in/bench-$n.$fmt"
    rm -rf "$in"
    mkdir -p "$in"
    "$gen" gen "$n" "$file"
    input_bytes=$(stat -c %s "$file")
    r=$reps
    [[ $n -ge 100000 ]] && r=1
    ok=1
    for ((i = 1; i <= r; i++)); do
      rm -rf "$out"
      log "N=$n $fmt: calfeed build, run $i of $r (load average $(cut -d' ' -f1 /proc/loadavg))"
      run "build $fmt $n" "$out" "$calfeed" build --in "$in" --out "$out" || { ok=0; status=1; break; }
    done
    if [[ $ok -eq 1 ]]; then
      out_bytes=$(find "$out" -type f ! -name .calfeed-manifest -printf '%s\n' | awk '{s += $1} END {print s + 0}')
      out_files=$(find "$out" -type f ! -name .calfeed-manifest | wc -l)
      log "N=$n $fmt: rebuild into the same directory (nothing changed)"
      run "rebuild $fmt $n" "$out" "$calfeed" build --in "$in" --out "$out" || status=1
      if [[ $fmt == json ]]; then
        for ((i = 1; i <= r; i++)); do
          rm -rf "$work/floor"
          log "N=$n: floor, run $i of $r"
          run "floor $fmt $n" "$work/floor" "$gen" floor "$file" "$work/floor" "$out_bytes" "$out_files" || status=1
        done
        rm -rf "$work/floor"
      fi
    else
      out_bytes=0 out_files=0
    fi
    printf 'size\t%s\t%s\t%s\t%s\t%s\n' "$fmt $n" "$n" "$input_bytes" "$out_bytes" "$out_files" >>"$runs"
  done
done

echo
echo "calfeed build on generated publications: N events + N articles; $(nproc) cores; median of $reps runs (1 at N=100000)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (a busy machine slows wall time, not CPU time)"
echo
python3 - "$runs" <<'EOF'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
sizes = {r[1]: r[2:] for r in rows if r[0] == "size"}
def runs(kind, key):
    return [r for r in rows if r[0] == f"{kind} {key}" and r[5] == "0"]
def median_run(rs):
    rs = sorted(rs, key=lambda r: int(r[1]))
    return rs[(len(rs) - 1) // 2] if rs else None
def mb(b):
    return f"{int(b) / 1e6:.1f} MB"
def secs(ms):
    return f"{int(ms) / 1000:.2f} s"
def cpu(r):
    return f"{float(r[2]) + float(r[3]):.2f} s"
def mib(kib):
    return f"{int(kib) / 1024:.0f} MiB"
head = ["input", "N", "input size", "wall", "CPU (user+sys)", "items/s", "output", "files",
        "out MB/s", "peak RSS", "rebuild (no change)", "floor wall", "floor RSS", "wall / floor"]
table = [head]
for key, (n, inp, outb, files) in sizes.items():
    fmt = key.split()[0]
    b = median_run(runs("build", key))
    if b is None:
        table.append([fmt, n, mb(inp), "FAILED"] + [""] * (len(head) - 4))
        continue
    wall = int(b[1]) / 1000
    rb = median_run(runs("rebuild", key))
    fl = median_run(runs("floor", key))
    table.append([
        fmt, n, mb(inp), secs(b[1]), cpu(b), f"{2 * int(n) / wall:,.0f}", mb(outb), files,
        f"{int(outb) / 1e6 / wall:.0f}", mib(max(int(r[4]) for r in runs("build", key))),
        secs(rb[1]) if rb else "-", secs(fl[1]) if fl else "-", mib(fl[4]) if fl else "-",
        f"{int(b[1]) / max(int(fl[1]), 1):.1f}x" if fl else "-",
    ])
widths = [max(len(str(row[i])) for row in table) for i in range(len(head))]
for k, row in enumerate(table):
    print("| " + " | ".join(str(c).rjust(w) for c, w in zip(row, widths)) + " |")
    if k == 0:
        print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
EOF
echo
echo "items/s counts events + articles; out MB/s is output bytes written per wall second;"
echo "peak RSS is the largest of the runs (GNU time); the floor is benches/publication.rs floor."

if [[ $check -eq 1 ]]; then
  venv="$repo/.tools/venv"
  if ! "$venv/bin/python" -c 'import icalendar, feedparser' 2>/dev/null; then
    log "installing tests/interop/requirements.txt into $venv (as tests/interop/run.sh does)"
    [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$repo/tests/interop/requirements.txt"
  fi
  check_sizes=(1000)
  [[ $large -eq 1 ]] && check_sizes=("${sizes[@]}")
  echo
  for n in "${check_sizes[@]}"; do
    out="$work/out-json-$n"
    [[ -d "$out" ]] || { echo "check N=$n: no output to check"; status=1; continue; }
    PYTHONTZPATH="" "$venv/bin/python" "$here/check.py" "$out" "bench-$n" "$n" || status=1
  done
fi
exit $status
