#!/usr/bin/env bash
# Browser harness: builds the seed publication (feeds/) with calfeed, serves it on 127.0.0.1,
# opens the generated pages in Debian's Chromium through playwright-core (page.test.mjs) and
# runs the Nu HTML Checker (vnu.jar from the vnu-jar package) on every generated HTML file.
#
# Usage: tests/browser/run.sh BIN          e.g. tests/browser/run.sh target/debug/calfeed
#        BROWSER_VERBOSE=1 tests/browser/run.sh BIN   also lists the checks that pass
#        BROWSER_KEEP=1 ...                           keeps the temporary output directory
#
# Needs node 20+ with npm and python3 (for the static file server). Installs what is missing:
#   /usr/bin/chromium              Debian's `chromium` (apt-get; needs root)
#   java                           Debian's `default-jre-headless` (apt-get; needs root)
#   tests/browser/node_modules     `npm ci --ignore-scripts` (again when package-lock.json changes)
# Without root and without chromium/java it prints "SKIP: ..." and exits 0; in no other case.
# No browser or Java runtime is ever downloaded from anywhere but Debian's repositories.
# Screenshots: tests/artifacts/page-desktop.png, page-phone.png, page-phone-dark.png.
# Last line: `browser: N passed, M failed`; exit status non-zero on any failure.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BIN   (the calfeed binary, e.g. target/debug/calfeed)" >&2
  exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
seed="$repo/feeds/xiaomi-12s.toml"
artifacts="$repo/tests/artifacts"
chromium_bin=/usr/bin/chromium
vnu_jar="$here/node_modules/vnu-jar/build/dist/vnu.jar"

log() { echo "browser: $*" >&2; }
fail_early() {
  echo "FAIL $*"
  echo "browser: 0 passed, 1 failed"
  exit 1
}

bin="$1"
if [[ "$bin" != /* ]]; then
  if [[ "$bin" == */* ]]; then
    bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
  else
    bin="$(command -v "$bin" || true)"
  fi
fi
[[ -n "$bin" && -x "$bin" ]] || fail_early "calfeed binary '$1' not found or not executable"

# --- System packages: Chromium and a Java runtime, from Debian, only when missing.
need_apt=()
[[ -x "$chromium_bin" ]] || need_apt+=(chromium)
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
if [[ ${#need_apt[@]} -gt 0 ]]; then
  if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    echo "SKIP: browser tests need ${need_apt[*]} (Debian packages); they are not installed and" \
      "cannot be installed here (apt-get as root is needed). Install them and run again."
    exit 0
  fi
  log "installing ${need_apt[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || fail_early "apt-get update failed"
  apt-get install -y -qq "${need_apt[@]}" >&2 \
    || fail_early "apt-get install ${need_apt[*]} failed"
  [[ -x "$chromium_bin" ]] || fail_early "$chromium_bin is still missing after installing chromium"
  command -v java >/dev/null 2>&1 || fail_early "java is still missing after installing default-jre-headless"
fi

# --- Node side: npm ci when node_modules is missing or package-lock.json is newer than the stamp.
# --ignore-scripts: vnu-jar's postinstall would otherwise try to download a Java runtime.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || fail_early "node and npm are needed"
node_stamp="$here/node_modules/.browser-lock.stamp"
if [[ ! -d "$here/node_modules/playwright-core" || ! -f "$vnu_jar" || ! -f "$node_stamp" \
  || "$here/package-lock.json" -nt "$node_stamp" ]]; then
  log "npm ci in $here"
  (cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2) || fail_early "npm ci failed"
  touch "$node_stamp"
fi
[[ -f "$vnu_jar" ]] || fail_early "$vnu_jar is missing after npm ci"

# --- Build the seed publication into a fresh temporary folder.
tmp="$(mktemp -d "${TMPDIR:-/tmp}/calfeed-browser.XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ -n "${BROWSER_KEEP:-}" ]]; then
    log "kept output in $tmp"
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

out="$tmp/public"
passed=0
failed=0
if "$bin" build --in "$repo/feeds" --out "$out" >"$tmp/build.log" 2>&1; then
  passed=$((passed + 1))
else
  echo "FAIL calfeed build --in feeds exited non-zero:"
  sed 's/^/    /' "$tmp/build.log"
  echo "browser: 0 passed, 1 failed"
  exit 1
fi

# --- Serve it on 127.0.0.1 with a port the kernel picks; the port is read from the server's log.
python3 -u -m http.server --bind 127.0.0.1 --directory "$out" 0 >"$tmp/server.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 1 100); do
  port="$(sed -n 's/^Serving HTTP on [^ ]* port \([0-9][0-9]*\).*/\1/p' "$tmp/server.log" | head -n 1)"
  [[ -n "$port" ]] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ -z "$port" ]]; then
  echo "FAIL the HTTP server did not start:"
  sed 's/^/    /' "$tmp/server.log"
  echo "browser: $passed passed, $((failed + 1)) failed"
  exit 1
fi
base_url="http://127.0.0.1:$port/"
log "serving $out at $base_url"

# --- The browser checks.
mkdir -p "$artifacts"
results="$tmp/results.json"
node_rc=0
BASE_URL="$base_url" SEED_TOML="$seed" ARTIFACTS_DIR="$artifacts" RESULTS_FILE="$results" \
  CHROMIUM="$chromium_bin" node "$here/page.test.mjs" || node_rc=$?
if [[ -f "$results" ]]; then
  read -r p f < <(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(r.passed, r.failed)' "$results")
  passed=$((passed + p))
  failed=$((failed + f))
  if [[ $node_rc -ne 0 && $f -eq 0 ]]; then
    echo "FAIL page.test.mjs exited with status $node_rc"
    failed=$((failed + 1))
  fi
else
  echo "FAIL page.test.mjs exited with status $node_rc before reporting its results"
  failed=$((failed + 1))
fi

# --- The Nu HTML Checker, errors only, on every generated HTML file.
while IFS= read -r -d '' html; do
  name="${html#"$out"/}"
  if vnu_out="$(java -jar "$vnu_jar" --errors-only --format gnu "$html" 2>&1)"; then
    passed=$((passed + 1))
    [[ -n "${BROWSER_VERBOSE:-}" ]] && echo "ok   vnu: $name has no errors"
  else
    failed=$((failed + 1))
    echo "FAIL vnu: $name has errors (Nu HTML Checker):"
    while IFS= read -r message; do
      message="${message#\"file:"$out"/}"
      message="${message/\":/:}"
      echo "    $message"
      # Show the generated line the message points at (gnu format: FILE:LINE.COL-LINE.COL: ...).
      if [[ "$message" =~ ^[^:]+:([0-9]+)\.[0-9]+ ]]; then
        echo "      > $(sed -n "${BASH_REMATCH[1]}p" "$html" | cut -c1-200)"
      fi
    done <<<"$vnu_out"
  fi
done < <(find "$out" -name '*.html' -print0 | sort -z)

echo "browser: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
