#!/usr/bin/env bash
# Builds the benchmark harness (benches/publication.rs: the generator, the floor, the phase
# timer) and prints the path of its executable.
#
# Usage: bench/generator.sh bench   the bench profile (optimised), for timing
#        bench/generator.sh dev     the dev profile, shared with the tests' build
# Honours CARGO_TARGET_DIR and CARGO_PROFILE_* like any cargo build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
case "${1:-}" in
  bench) build=(cargo bench --locked -q --bench publication --no-run) ;;
  dev) build=(cargo build --locked -q --bench publication) ;;
  *) echo "usage: $0 bench|dev" >&2; exit 2 ;;
esac
"${build[@]}" --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "publication":
        print(m["executable"])'
