#!/usr/bin/env bash
# Interop harness: builds the seed feeds and the interop fixtures with calfeed, then reads the
# output back with independent parsers (Python icalendar + feedparser + jsonschema, and Mozilla's
# ical.js) and checks them against hand-written facts (expected.json) and against each other
# (the Atom and JSON Feed files against the RSS feed of the same slug). See compare.py.
#
# Usage: tests/interop/run.sh BIN        e.g. tests/interop/run.sh target/debug/calfeed
#        INTEROP_VERBOSE=1 tests/interop/run.sh BIN   also lists the checks that pass
#        INTEROP_KEEP=1 ...                           keeps the temporary output directory
#
# Needs python3 (3.10+, with venv and pip) and node 20+ with npm. Installs what is missing:
#   <repo>/.tools/venv                 from requirements.txt (again when that file changes)
#   tests/interop/node_modules         `npm ci` (again when package-lock.json changes)
# Last line: `interop: N passed, M failed`; exit status non-zero on any failure.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BIN   (the calfeed binary, e.g. target/debug/calfeed)" >&2
  exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

bin="$1"
if [[ "$bin" != /* ]]; then
  if [[ "$bin" == */* ]]; then
    bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
  else
    bin="$(command -v "$bin" || true)"
  fi
fi
if [[ -z "$bin" || ! -x "$bin" ]]; then
  echo "interop: calfeed binary '$1' not found or not executable" >&2
  echo "interop: 0 passed, 1 failed"
  exit 1
fi

log() { echo "interop: $*" >&2; }

# --- Python side: a venv under .tools, rebuilt when requirements.txt is newer than its stamp.
venv="$repo/.tools/venv"
py_stamp="$venv/.interop-requirements.stamp"
if [[ ! -x "$venv/bin/python" ]]; then
  log "creating $venv"
  mkdir -p "$repo/.tools"
  python3 -m venv "$venv"
fi
if [[ ! -f "$py_stamp" || "$here/requirements.txt" -nt "$py_stamp" ]]; then
  log "installing $here/requirements.txt into $venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  touch "$py_stamp"
fi

# --- Node side: npm ci when node_modules is missing or package-lock.json is newer.
node_stamp="$here/node_modules/.interop-lock.stamp"
if [[ ! -d "$here/node_modules/ical.js" || ! -f "$node_stamp" || "$here/package-lock.json" -nt "$node_stamp" ]]; then
  log "npm ci in $here"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
  touch "$node_stamp"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/calfeed-interop.XXXXXX")"
if [[ -n "${INTEROP_KEEP:-}" ]]; then
  log "keeping output in $tmp"
else
  trap 'rm -rf "$tmp"' EXIT
fi

# --- Build both inputs. A failed build is a failed check; the checks still run on whatever
# was produced (compare.py then also fails each expected file that is missing).
builds_passed=0
builds_failed=0
build() {
  local in="$1" out="$2"
  local build_log="$tmp/build-$(basename "$out").log" rc=0
  "$bin" build --in "$in" --out "$out" >"$build_log" 2>&1 || rc=$?
  if [[ $rc -eq 0 ]]; then
    builds_passed=$((builds_passed + 1))
  else
    builds_failed=$((builds_failed + 1))
    echo "FAIL  calfeed build --in $in --out $out (exit status $rc):"
    sed 's/^/      /' "$build_log"
  fi
  mkdir -p "$out"
}
build "$repo/feeds" "$tmp/seed"
build "$repo/tests/fixtures/interop" "$tmp/multi"

status=0
# zoneinfo reads the pinned tzdata package, not the machine's /usr/share/zoneinfo.
export PYTHONTZPATH=""
# Repeating events: calfeed's own expansion against recurring-ical-events on the .ics it
# wrote, over the whole of 2024 (a DST change, an exception, an extra date, a moved and a
# cancelled occurrence, an all-day monthly rule).
build "$repo/tests/fixtures/recurring" "$tmp/recurring"
"$bin" occurrences --in "$repo/tests/fixtures/recurring" --from 2024-01-01 --until 2025-01-01 \
  --format json >"$tmp/occurrences.jsonl" || status=1
"$venv/bin/python" "$here/check_recurrence.py" "$tmp/occurrences.jsonl" \
  "$tmp/recurring/shows.ics" 2024-01-01 2025-01-01 || status=1
# The example GitHub workflow: its shape, pinned actions, and its calfeed commands run here.
"$venv/bin/python" "$here/check_workflow.py" "$repo" "$bin" || status=1
args=(--builds-passed "$builds_passed" --builds-failed "$builds_failed")
[[ -n "${INTEROP_VERBOSE:-}" ]] && args+=(-v)
"$venv/bin/python" "$here/compare.py" "${args[@]}" "$tmp/seed" "$tmp/multi" || status=$?
exit "$status"
