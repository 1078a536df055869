#!/usr/bin/env bash
# The benchmark's generated publication at N = 1000 (bench/README.md), built by BIN and read
# back by bench/check.py with Python icalendar, feedparser and Mozilla's ical.js: the large-input
# code paths (streamed loading, texts kept out of memory, feeds written in pieces, two render
# threads) checked by independent parsers on every `make test`. `make bench` runs the same
# checks on N = 10 000 and 100 000. Rebuilds (nothing changed, then two events and one
# article edited in place, which the build cache renders again incrementally) are compared
# byte for byte with clean builds.
#
# Usage: tests/interop/generated.sh BIN [N]    (run after tests/interop/run.sh, which installs
#        the venv and ical.js)
# Last line: `check N=...: P passed, F failed`; exit status non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
n="${2:-1000}"
cd "$repo"

# The generator is the benchmark tool (tools/bench, package calfeed-bench), built with the
# dev profile: it reuses the library `cargo build` compiled, so only the tool is compiled.
cargo build --locked -q -p calfeed-bench
gen="${CARGO_TARGET_DIR:-$repo/target}/debug/calfeed-bench"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/calfeed-generated.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/in"
"$gen" gen "$n" "$tmp/in/bench-$n.json" >&2
"$bin" build -q --in "$tmp/in" --out "$tmp/out"
# A rebuild writes nothing (each output is compared with the file as it is rendered), and
# --check agrees.
again="$("$bin" build --in "$tmp/in" --out "$tmp/out" 2>&1 | tail -1)"
if ! grep -Eq ': 0 file\(s\) written, [0-9]+ unchanged, 0 removed' <<<"$again"; then
  echo "FAIL  a rebuild with nothing changed wrote files: $again"
  echo "check N=$n: 0 passed, 1 failed"
  exit 1
fi
"$bin" build --check -q --in "$tmp/in" --out "$tmp/out"
# That rebuild rendered nothing (the build cache): its output is a clean build's, byte for
# byte. Then, in the same file (so that the cache renders again only the permalinks and
# one-event files that show an edit), one event's description, another's title (which
# the articles related to it show) and one article's title edited: a rebuild into the same
# folder gives, byte for byte, the files of a clean build of the edited input.
"$bin" build -q --in "$tmp/in" --out "$tmp/clean"
if ! diff -r -x .calfeed-cache "$tmp/out" "$tmp/clean" >&2; then
  echo "FAIL  a rebuild with nothing changed differs from a clean build"
  echo "check N=$n: 0 passed, 1 failed"
  exit 1
fi
python3 - "$tmp/in/bench-$n.json" <<'PY'
import json, sys
data = json.load(open(sys.argv[1], encoding="utf-8"))
data["events"][len(data["events"]) // 2]["description"] += " (edited)"
data["events"][0]["title"] += " (edited)"
data["events"][0]["sequence"] = data["events"][0].get("sequence", 0) + 1
data["articles"][0]["title"] += " (edited)"
json.dump(data, open(sys.argv[1], "w", encoding="utf-8"), ensure_ascii=False)
PY
"$bin" build -q --in "$tmp/in" --out "$tmp/out"
"$bin" build -q --in "$tmp/in" --out "$tmp/clean-edited"
if ! diff -r -x .calfeed-cache "$tmp/out" "$tmp/clean-edited" >&2; then
  echo "FAIL  a rebuild after an edit differs from a clean build of the edited input"
  echo "check N=$n: 0 passed, 1 failed"
  exit 1
fi
if diff -rq -x .calfeed-cache "$tmp/out" "$tmp/clean" >/dev/null; then
  echo "FAIL  the edit changed no output"
  echo "check N=$n: 0 passed, 1 failed"
  exit 1
fi
PYTHONTZPATH="" "$repo/.tools/venv/bin/python" "$repo/bench/check.py" \
  "$tmp/out" "bench-$n" "$n" "$tmp/in/bench-$n.json"
