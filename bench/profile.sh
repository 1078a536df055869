#!/usr/bin/env bash
# Where `calfeed build` spends its time: a release build with debug symbols, profiled on
# the generated N=10000 publication (see bench/README.md, "Profile").
#
# Usage: bench/profile.sh [N] [perf|callgrind|phases]   (default: 10000 perf)
#   perf       perf record (cpu-clock, DWARF call graphs): on-CPU time, kernel included.
#              Needs Debian's linux-perf (installed if missing); hardware counters are not
#              needed (this VM has none).
#   callgrind  valgrind --tool=callgrind: exact instruction counts, user space only,
#              about 50x slower (10 to 20 minutes at N=10000).
#   phases     calfeed-bench phases (tools/bench): wall time and peak RSS of each phase,
#              in-process.
# Outputs go to target/bench/profile/; the top of the report is printed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cd "$repo"
n="${1:-10000}"
tool="${2:-perf}"
work="${BENCH_DIR:-$repo/target/bench}/profile"
mkdir -p "$work"

log() { echo "profile: $*" >&2; }

# A separate target directory, so that the debug-symbol build does not replace the
# ordinary release binary.
export CARGO_TARGET_DIR="$repo/target/prof"
export CARGO_PROFILE_RELEASE_DEBUG=true
log "cargo build --release (with debug symbols) of calfeed and calfeed-bench into $CARGO_TARGET_DIR"
cargo build --release --locked -q
cargo build --release --locked -q -p calfeed-bench
gen="$CARGO_TARGET_DIR/release/calfeed-bench"
calfeed="$CARGO_TARGET_DIR/release/calfeed"
in="$work/in-$n"
# A new output directory each time, and the old ones removed only at the end: creating
# thousands of files right after deleting thousands costs extra system time on this disk
# (see bench/README.md, "A pitfall of this disk").
out="$(mktemp -u -p "$work" "out-$n.XXXXXXXX")"
old_outputs=("$work"/out-*)
trap 'rm -rf "${old_outputs[@]}"' EXIT
rm -rf "$in"
"$gen" gen "$n" "$in/bench-$n.json"

case "$tool" in
  perf)
    if ! perf stat -e cpu-clock true >/dev/null 2>&1; then
      log "installing linux-perf"
      apt-get install -y -qq linux-perf >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq linux-perf >/dev/null; }
    fi
    data="$work/perf-$n.data"
    perf record -q -o "$data" -F 499 -e cpu-clock --call-graph dwarf,16384 \
      "$calfeed" build --in "$in" --out "$out" >/dev/null
    log "build into a fresh directory; report: $work/perf-$n.txt"
    perf report -i "$data" --children --sort symbol --stdio -g none 2>/dev/null |
      grep '%' | sed -E 's/ +-  +- *$//; s/ {2,}/ /g' >"$work/perf-$n.txt"
    # The rebuild: same input, same output directory, nothing to write.
    perf record -q -o "$work/perf-rebuild-$n.data" -F 499 -e cpu-clock --call-graph dwarf,16384 \
      "$calfeed" build --in "$in" --out "$out" >/dev/null
    perf report -i "$work/perf-rebuild-$n.data" --children --sort symbol --stdio -g none 2>/dev/null |
      grep '%' | sed -E 's/ +-  +- *$//; s/ {2,}/ /g' >"$work/perf-rebuild-$n.txt"
    echo "== build, fresh directory (inclusive % of on-CPU samples, calfeed functions and hot spots)"
    grep -E '\] (calfeed::|pulldown_cmark::html::push_html|icalendar::calendar::Calendar as|<std::fs::File>::sync_all|tempfile::Builder::tempfile_in|__memcmp|_int_malloc|_int_free)' \
      "$work/perf-$n.txt" | grep -v '{{closure}}' | head -40
    echo
    echo "== rebuild, nothing changed"
    grep -E '\] (calfeed::|<std::path::Path>::components|__memcmp)' "$work/perf-rebuild-$n.txt" |
      grep -v '{{closure}}' | head -15
    ;;
  callgrind)
    cg="$work/callgrind-$n.out"
    valgrind --tool=callgrind --callgrind-out-file="$cg" "$calfeed" build --in "$in" --out "$out" \
      >/dev/null 2>"$work/callgrind-$n.log"
    callgrind_annotate --inclusive=yes "$cg" 2>/dev/null >"$work/callgrind-$n.txt"
    log "report: $work/callgrind-$n.txt"
    grep -E '^ *[0-9,]+ \([ 0-9.]+%\) .*(calfeed::|pulldown_cmark::html::push_html|icalendar::calendar|__memcmp|malloc)' \
      "$work/callgrind-$n.txt" | grep -v '{{closure}}' | head -40
    ;;
  phases)
    "$gen" phases "$in/bench-$n.json" "$out"
    ;;
  *)
    echo "usage: $0 [N] [perf|callgrind|phases]" >&2
    exit 2
    ;;
esac
