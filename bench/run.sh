#!/usr/bin/env bash
# Benchmark of `calfeed build` on generated publications (see bench/README.md).
#
# Usage: bench/run.sh [--large] [--toml] [--reps N] [--no-check] [--peers]
#   --large      also N=100000 (a 550 MB input; one repetition; checks the large outputs too)
#   --toml       also the same publications written as TOML
#   --reps N     repetitions per size (default 3; the median is reported)
#   --no-check   skip the correctness checks with Python icalendar / feedparser
#   --peers      also the Node peer (bench/peers/node: ical-generator + feed), paired run by
#                run with calfeed's build, up to N=10000 (BENCH_PEER_MAX_N overrides); needs
#                Node 20+ and npm (`npm ci` on first use). BENCH_PEERS=1 does the same.
#
# For each N (1000, 10000): generates bench-N.json (N events + N articles, deterministic),
# runs `target/release/calfeed build` into a fresh directory REPS times, and prints the
# median wall time, CPU time, throughput, output size and peak RSS, then a rebuild into the
# same directory (nothing changed: the build cache's no-op, beside calfeed's load time of
# the same input, and once without the cache) and the floor (serde_json parse of the same input +
# plain writes of the same bytes in the same number of files); then checks every size's
# output with bench/check.py (Python icalendar, feedparser, ical.js). Nothing is asserted
# about time; the exit status is non-zero only if a build or a correctness check fails.
# Work files go to /dev/shm/calfeed-bench/ (tmpfs) when it has room, else target/bench/
# (BENCH_DIR overrides; BENCH_SIZES="1000" for a quick try).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"

large=0 toml=0 reps=3 check=1 peers=${BENCH_PEERS:-0}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --large) large=1 ;;
    --toml) toml=1 ;;
    --reps) reps="$2"; shift ;;
    --no-check) check=0 ;;
    --peers) peers=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "bench: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

log() { echo "bench: $*" >&2; }

# GNU time for peak RSS; eatmydata (fsync as a no-op) to show what the fsyncs cost.
apt_install() {
  apt-get install -y -qq "$@" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$@" >/dev/null; }
}
if [[ ! -x /usr/bin/time ]]; then
  log "installing GNU time (Debian package 'time') for peak RSS"
  apt_install time
fi
if ! command -v eatmydata >/dev/null; then
  log "installing eatmydata (Debian package) to time a build without fsync"
  apt_install eatmydata || log "eatmydata unavailable: that column stays empty"
fi
eatmydata="$(command -v eatmydata || true)"

# calfeed, and the benchmark tool (tools/bench: the generator and the floor), both release.
log "cargo build --release (calfeed, then calfeed-bench)"
cargo build --release --locked -q
cargo build --release --locked -q -p calfeed-bench
calfeed="${CARGO_TARGET_DIR:-$repo/target}/release/calfeed"
gen="${CARGO_TARGET_DIR:-$repo/target}/release/calfeed-bench"

# The Node peer (--peers): its pinned packages (bench/peers/node/package-lock.json) go into
# bench/peers/node/node_modules (git-ignored) with `npm ci` when they are missing or older
# than the lock file.
peer_dir="$here/peers/node"
peer_max_n=${BENCH_PEER_MAX_N:-10000}
if [[ $peers -eq 1 ]]; then
  command -v node >/dev/null && command -v npm >/dev/null || { log "--peers needs node and npm"; exit 2; }
  if [[ ! -f "$peer_dir/node_modules/.package-lock.json" || "$peer_dir/package-lock.json" -nt "$peer_dir/node_modules/.package-lock.json" ]]; then
    log "npm ci in bench/peers/node (the Node peer's pinned packages)"
    (cd "$peer_dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
  log "the Node peer: node $(node --version)"
fi

# On tmpfs (/dev/shm) when it has room, as the issue's figures are: the disk's noise is
# out, and so is the pitfall below (an ext4 thing), so each run's output can go as soon as
# it has been measured. Otherwise target/bench/ on the disk. BENCH_DIR overrides.
need_gb=$(( large == 1 ? 12 : 4 ))
shm_free_gb=$(df -P -BG /dev/shm 2>/dev/null | awk 'NR == 2 {sub("G", "", $4); print $4}')
if [[ -z "${BENCH_DIR:-}" && "$(stat -f -c %T /dev/shm 2>/dev/null)" == tmpfs && ${shm_free_gb:-0} -ge $need_gb ]]; then
  work=/dev/shm/calfeed-bench
else
  work="${BENCH_DIR:-$repo/target/bench}"
fi
mkdir -p "$work"
on_tmpfs=0
[[ "$(stat -f -c %T "$work")" == tmpfs ]] && on_tmpfs=1
log "work files in $work"

# BENCH_SIZES="1000" overrides the sizes (a quick try of the script itself).
read -r -a sizes <<<"${BENCH_SIZES:-1000 10000}"
[[ $large -eq 1 ]] && sizes+=(100000)
formats=(json)
[[ $toml -eq 1 ]] && formats+=(toml)

# Every run writes into a directory of its own, created by the run. On ext4 without a
# journal (this machine's disk), creating files right after deleting thousands of others
# in the same place makes the kernel scan past the recently deleted inodes
# (`recently_deleted` in `find_inode_bit`): a build into a directory just emptied with
# `rm -rf` took 4.8 s of system time instead of 1.7 s, and the effect lasts minutes (60 to
# 300 s per inode). So nothing is deleted while runs are timed: each run gets a directory
# of its own, and all of them are removed at the end. The effect is file-system wide: a
# second invocation started right after the first ends (or after any large rm) pays some of
# it; wait five minutes, and trust CPU user time over wall and system time.
scratch="$work/scratch"
if [[ -e "$scratch" ]]; then
  log "removing $scratch, left by an interrupted run"
  rm -rf "$scratch"
fi
fresh() {
  mkdir -p "$scratch"
  mktemp -u -p "$scratch" run.XXXXXXXX
}
# A run's output once measured: removed at once on tmpfs (no pitfall there, and memory is
# short), kept until the end elsewhere.
measured() {
  [[ $on_tmpfs -eq 1 ]] && rm -rf "$1"
  return 0
}
# Changes the title of the first event of a generated JSON input (as one edit), and raises
# its sequence, as the publish guard asks of a changed event.
edit_first_event() {
  python3 - "$1" "$2" <<'PY'
import re, sys
path, mark = sys.argv[1], sys.argv[2]
text = open(path, encoding="utf-8").read()
start = text.index('"id": "', text.index('"events"'))
end = text.index('"id": "', start + 1)
event = text[start:end].replace('"title": "', '"title": "' + mark + " ", 1)
if re.search(r'"sequence": \d+', event):
    event = re.sub(r'"sequence": (\d+)', lambda m: f'"sequence": {int(m.group(1)) + 1}', event, 1)
else:
    event = event.replace(",", ', "sequence": 1,', 1)
open(path, "w", encoding="utf-8").write(text[:start] + event + text[end:])
PY
}
# run LABEL OUTDIR CMD...: appends "label wall user sys maxrss_kib rc" to $work/runs.tsv.
runs="$work/runs.tsv"
# What subscribers fetch (the budgeted outputs) and the largest page, per build.
outputs="$work/outputs.txt"
: >"$outputs"
# The same for the Node peer (--peers), which has no budgets.
peer_outputs="$work/peer-outputs.txt"
: >"$peer_outputs"
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
    # Inputs over calfeed's default limit (256 MiB) need --max-input-size, where it exists.
    limit=()
    if [[ $input_bytes -gt $((256 << 20)) ]]; then
      if "$calfeed" build --help | grep -q -- --max-input-size; then
        limit=(--max-input-size "$(( (input_bytes >> 20) + 64 ))M")
      else
        log "N=$n: input is over 256 MiB and calfeed has no --max-input-size; the build may refuse it"
      fi
    fi
    r=$reps
    [[ $n -ge 100000 ]] && r=1
    ok=1
    [[ -e "$out" ]] && mv "$out" "$(fresh)"
    # One build first, not measured (hyperfine's --warmup): the input goes into the page
    # cache, and the memory a build writes into is touched once. On this virtual machine
    # the first touch of memory the host has not backed lately costs several times the
    # copy into it (system time of the one N = 100000 build ranged from 7 to 16 s); the
    # floor, which runs after other runs, never paid it.
    dir="$(fresh)"
    log "N=$n $fmt: calfeed build, warm-up (not measured)"
    "$calfeed" build "${limit[@]}" --in "$in" --out "$dir" >/dev/null 2>&1 || true
    measured "$dir"
    for ((i = 1; i <= r; i++)); do
      dir="$(fresh)"
      log "N=$n $fmt: calfeed build, run $i of $r (load average $(cut -d' ' -f1 /proc/loadavg))"
      run "build $fmt $n" "$dir" "$calfeed" build "${limit[@]}" --in "$in" --out "$dir" || { ok=0; status=1; break; }
      if [[ $i -eq $r ]]; then mv "$dir" "$out"; else measured "$dir"; fi
      # The Node peer on the same input, right after calfeed's run i (paired run by run).
      if [[ $peers -eq 1 && $fmt == json && $n -le $peer_max_n ]]; then
        pdir="$(fresh)"
        log "N=$n: the Node peer, run $i of $r (load average $(cut -d' ' -f1 /proc/loadavg))"
        if run "peer $fmt $n" "$pdir" node "$peer_dir/peer.mjs" "$file" "$pdir"; then
          if [[ $i -eq $r ]]; then
            printf 'peersize\t%s\t%s\t%s\n' "$fmt $n" \
              "$(find "$pdir" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.0f\n", s}')" \
              "$(find "$pdir" -type f | wc -l)" >>"$runs"
            {
              printf '%-12s' "peer $n"
              for ext in ics xml atom json; do
                printf '  .%s %9s B' "$ext" "$(stat -c %s "$pdir/bench-$n.$ext" 2>/dev/null || echo -)"
              done
              printf '  VEVENTs %5s' "$(grep -c '^BEGIN:VEVENT' "$pdir/bench-$n.ics" 2>/dev/null || echo -)"
              printf '  one-event files %s\n' "$(find "$pdir/bench-$n" -name '*.ics' | wc -l)"
            } >>"$peer_outputs"
          fi
        else
          status=1
        fi
        measured "$pdir"
      elif [[ $peers -eq 1 && $fmt == json && $i -eq 1 ]]; then
        log "N=$n: the Node peer is not run above N=$peer_max_n (BENCH_PEER_MAX_N)"
      fi
    done
    if [[ $ok -eq 1 ]]; then
      out_bytes=$(find "$out" -type f ! -name .calfeed-manifest ! -name .calfeed-cache -printf '%s\n' | awk '{s += $1} END {printf "%.0f\n", s}')
      out_files=$(find "$out" -type f ! -name .calfeed-manifest ! -name .calfeed-cache | wc -l)
      {
        printf '%-12s' "$fmt $n"
        for ext in ics xml atom json; do
          printf '  .%s %9s B' "$ext" "$(stat -c %s "$out/bench-$n.$ext" 2>/dev/null || echo -)"
        done
        printf '  VEVENTs %5s' "$(grep -c '^BEGIN:VEVENT' "$out/bench-$n.ics" 2>/dev/null || echo -)"
        printf '  largest page %s\n' "$(find "$out" -name '*.html' -printf '%s B %P\n' | sort -n | tail -1)"
      } >>"$outputs"
      # A rebuild with nothing changed (the build cache confirms the input and the outputs:
      # nothing is loaded or rendered), paired run by run with the time calfeed takes to
      # load the same input (read, parse, validate) and nothing else; then once without the
      # cache (every output rendered again and compared with the published file). At least
      # 3 runs, as they are cheap: the first, right after the build, also hashes the outputs
      # whose times were too recent to trust (see bench/README.md).
      rr=$(( r < 3 ? 3 : r ))
      for ((i = 1; i <= rr; i++)); do
        log "N=$n $fmt: rebuild into the same directory (nothing changed), run $i of $rr"
        run "rebuild $fmt $n" "$out" "$calfeed" build "${limit[@]}" --in "$in" --out "$out" || status=1
        log "N=$n $fmt: load only (calfeed-bench load), run $i of $rr"
        run "load $fmt $n" "$out" "$gen" load "$file" || status=1
      done
      # A rebuild after editing one event's title (JSON inputs): what the build cache
      # spares when one item changed.
      if [[ $fmt == json ]]; then
        for ((i = 1; i <= rr; i++)); do
          edit_first_event "$file" "Edit$i"
          log "N=$n $fmt: rebuild after editing one event, run $i of $rr"
          run "edit $fmt $n" "$out" "$calfeed" build "${limit[@]}" --in "$in" --out "$out" || status=1
        done
      fi
      log "N=$n $fmt: rebuild without the build cache (every output rendered and compared)"
      rm -f "$out/.calfeed-cache"
      run "uncached $fmt $n" "$out" "$calfeed" build "${limit[@]}" --in "$in" --out "$out" || status=1
      if [[ $fmt == json ]]; then
        for ((i = 1; i <= r; i++)); do
          if [[ -n "$eatmydata" ]]; then
            dir="$(fresh)"
            log "N=$n: calfeed build with fsync made a no-op (eatmydata), run $i of $r"
            run "nosync $fmt $n" "$dir" "$eatmydata" "$calfeed" build "${limit[@]}" --in "$in" --out "$dir" || status=1
            measured "$dir"
          fi
          for variant in floor fsync-each syncfs; do
            dir="$(fresh)"
            flag=()
            [[ $variant != floor ]] && flag=("--$variant")
            log "N=$n: floor ($variant), run $i of $r"
            run "$variant $fmt $n" "$dir" "$gen" floor "$file" "$dir" "$out_bytes" "$out_files" "${flag[@]}" || status=1
            measured "$dir"
          done
        done
      fi
    else
      out_bytes=0 out_files=0
    fi
    printf 'size\t%s\t%s\t%s\t%s\t%s\n' "$fmt $n" "$n" "$input_bytes" "$out_bytes" "$out_files" >>"$runs"
  done
done

log "removing the runs' output directories ($scratch)"
rm -rf "$scratch"

echo
echo "calfeed build on generated publications: N events + N articles; $(nproc) cores; median of $reps runs (1 at N=100000)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (a busy machine slows wall time, not CPU time)"
echo
python3 "$here/table.py" "$runs" || status=1
echo
echo "Medians of wall time. items/s counts events + articles; out MB/s is output bytes per wall"
echo "second; peak RSS is the largest of the runs (GNU time). The floor parses the same JSON"
echo "with serde_json and writes the same bytes in as many files (calfeed-bench floor);"
echo "'fsync no-op' is calfeed run under eatmydata."
[[ $peers -eq 1 ]] && echo "The Node peer (bench/peers/node) ran right after each calfeed build, on the same input."
echo
echo "Outputs within their budgets (bytes of each subscribable output, the calendar's VEVENTs,"
echo "the largest HTML page):"
cat "$outputs"
if [[ -s "$peer_outputs" ]]; then
  echo
  echo "The Node peer's outputs (no budgets: every event and every article):"
  cat "$peer_outputs"
fi

if [[ $check -eq 1 ]]; then
  venv="$repo/.tools/venv"
  if ! "$venv/bin/python" -c 'import icalendar, feedparser' 2>/dev/null; then
    log "installing tests/interop/requirements.txt into $venv (as tests/interop/run.sh does)"
    [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$repo/tests/interop/requirements.txt"
  fi
  if [[ ! -d "$repo/tests/interop/node_modules/ical.js" ]]; then
    log "npm ci in tests/interop (ical.js, as tests/interop/run.sh does)"
    (cd "$repo/tests/interop" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
  # Every size that was built (N = 100000 only with --large, where its check takes about
  # 25 minutes and 17 GB of memory).
  check_sizes=("${sizes[@]}")
  echo
  for n in "${check_sizes[@]}"; do
    out="$work/out-json-$n"
    [[ -d "$out" ]] || { echo "check N=$n: no output to check"; status=1; continue; }
    PYTHONTZPATH="" "$venv/bin/python" "$here/check.py" "$out" "bench-$n" "$n" || status=1
  done
fi
exit $status
