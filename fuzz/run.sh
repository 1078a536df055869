#!/usr/bin/env bash
# Runs every cargo-fuzz target of calfeed for a bounded time.
#
# Usage: fuzz/run.sh [SECONDS] [TARGET...]
#   SECONDS  how long each target runs (default 60)
#   TARGET   load_toml, load_json, ical_text (default: all three)
#
# Targets (fuzz/fuzz_targets/, checks in tests/integration/support/fuzz.rs):
#   load_toml, load_json  arbitrary bytes through calfeed::load::parse_publication: never a
#                         panic; whatever is accepted renders to calendars that parse (lines
#                         of at most 75 octets), well-formed XML and valid JSON
#   ical_text             arbitrary text as titles, descriptions, location and category,
#                         through the .ics writer and back through the icalendar crate's
#                         parser: every value comes back exactly
#
# Needs cargo-fuzz (installed with `cargo install cargo-fuzz --locked` when missing) and
# libFuzzer's sanitizer flags, which need a nightly compiler: `cargo +nightly` when a
# nightly toolchain is installed, else the stable one with RUSTC_BOOTSTRAP=1.
#
# The corpus grows in fuzz/corpus/<target>/ (seeded from feeds/, tests/fixtures/ and
# fuzz/seeds/); crashes land in fuzz/artifacts/<target>/. Keep a crash as a regression:
#   cargo fuzz tmin <target> fuzz/artifacts/<target>/crash-...    (from fuzz/)
#   cp the minimised input to tests/fuzz-regressions/<target>/<name>
# tests/integration/fuzz_replays.rs replays every file there.
#
# CALFEED_FUZZ_VALID_JSON_ONLY=1 makes load_json skip inputs serde_json refuses (the
# JSON locator's runaway on `[}`, which it found, is fixed and kept as a regression).
#
# Last line: `fuzz: N passed, M failed`; exit status non-zero when a target failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
seconds="${1:-60}"
shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(load_toml load_json ical_text)
fi
if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 [SECONDS] [TARGET...]" >&2
  exit 2
fi

log() { echo "fuzz: $*" >&2; }

if ! cargo fuzz --version >/dev/null 2>&1; then
  log "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

cargo_fuzz=(cargo fuzz)
if rustup run nightly rustc --version >/dev/null 2>&1; then
  cargo_fuzz=(cargo +nightly fuzz)
else
  log "no nightly toolchain: using stable with RUSTC_BOOTSTRAP=1"
  export RUSTC_BOOTSTRAP=1
fi

# Seeds: the real publications, and the hand-made ones under fuzz/seeds/.
seed() {
  local target="$1"
  mkdir -p "$here/corpus/$target"
  case "$target" in
    load_toml)
      cp -n "$repo"/feeds/*.toml "$repo"/tests/fixtures/interop/*.toml "$here/corpus/$target/" 2>/dev/null || true
      ;;
  esac
  if [[ -d "$here/seeds/$target" ]]; then
    cp -n "$here/seeds/$target"/* "$here/corpus/$target/" 2>/dev/null || true
  fi
  if [[ -d "$repo/tests/fuzz-regressions/$target" ]]; then
    cp -n "$repo/tests/fuzz-regressions/$target"/* "$here/corpus/$target/" 2>/dev/null || true
  fi
}

passed=0
failed=0
cd "$here"
for target in "${targets[@]}"; do
  seed "$target"
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536)
  case "$target" in
    load_toml) options+=(-dict="$here/dict/toml.dict") ;;
    load_json) options+=(-dict="$here/dict/json.dict") ;;
  esac
  log "$target for ${seconds}s"
  if "${cargo_fuzz[@]}" run "$target" "corpus/$target" -- "${options[@]}"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    log "$target FAILED: see fuzz/artifacts/$target/"
  fi
done
echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
