#!/usr/bin/env bash
# Browser harness: builds the seed publication (feeds/) with calfeed, and beside it
# (archive-site/) a generated publication whose archive needs several pages, serves both on
# 127.0.0.1, opens the generated pages in Debian's Chromium through playwright-core
# (page.test.mjs: the subscribe pages, and a walk through the paginated archive) and runs the
# Nu HTML Checker (vnu.jar from the vnu-jar package) on every generated HTML file.
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

# --- A publication with a paginated archive, built into archive-site/ beside the seed: 2021
# on one page, January 2023 too full for one page (two parts), February 2023, and 2030.
archive_feeds="$tmp/archive-feeds"
mkdir -p "$archive_feeds"
archive_items="$(python3 - "$archive_feeds/history.toml" <<'PY'
import sys
out = ['[channel]\ntitle = "History"\ndescription = "A paginated archive"\n'
       'link = "https://history.example.org/"\nlanguage = "en"\ntimezone = "UTC"\n'
       'updated = "2025-01-01T00:00:00Z"\n'
       # A calendar and a feed per category (page.test.mjs follows the "By category" links).
       'by_category = { feed_items = 5 }\n']
items = 0
def event(i, start):
    global items
    items += 1
    category = ["Talks", "Café; bar", "東京"][i % 3]
    out.append(f'\n[[events]]\nid = "e{i}"\ntitle = "Event {i}"\nstart = "{start}"\nduration = "1h"\n'
               f'categories = ["{category}"]\n')
def article(i, published):
    global items
    items += 1
    category = ["Talks", "Café; bar", "東京"][i % 3]
    out.append(f'\n[[articles]]\nid = "a{i}"\ntitle = "Article {i}"\npublished = "{published}"\n'
               f'content = "The body of article {i}."\ncategories = ["{category}"]\n')
n = 0
for d in range(1, 6):
    event(n, f"2021-03-{d:02}T10:00"); article(n, f"2021-04-{d:02}"); n += 1
for i in range(300):
    event(n, f"2023-01-{1 + i % 28:02}T{i % 24:02}:00")
    if i < 260:
        article(n, f"2023-01-{1 + i % 28:02}T{i % 24:02}:30")
    n += 1
for d in range(1, 21):
    event(n, f"2023-02-{d:02}T10:00"); n += 1
for d in range(1, 4):
    event(n, f"2030-05-{d:02}T10:00"); n += 1
open(sys.argv[1], "w").write("".join(out))
print(items)
PY
)"
if "$bin" build --in "$archive_feeds" --out "$out/archive-site" >"$tmp/build-archive.log" 2>&1; then
  passed=$((passed + 1))
else
  echo "FAIL calfeed build of the archive publication exited non-zero:"
  sed 's/^/    /' "$tmp/build-archive.log"
  echo "browser: $passed passed, 1 failed"
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
  ARCHIVE_ITEMS="$archive_items" CHROMIUM="$chromium_bin" node "$here/page.test.mjs" || node_rc=$?
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
done < <(find "$out" -path "$out/archive-site" -prune -o -name '*.html' -print0 | sort -z)

# The archive publication's pages (its archive and every permalink), in one run of the checker.
archive_html=()
while IFS= read -r -d '' html; do archive_html+=("$html"); done \
  < <(find "$out/archive-site" -name '*.html' -print0 | sort -z)
if vnu_out="$(java -jar "$vnu_jar" --errors-only --format gnu "${archive_html[@]}" 2>&1)"; then
  passed=$((passed + 1))
  [[ -n "${BROWSER_VERBOSE:-}" ]] && echo "ok   vnu: the ${#archive_html[@]} pages of archive-site have no errors"
else
  failed=$((failed + 1))
  echo "FAIL vnu: pages of archive-site have errors (Nu HTML Checker):"
  head -n 20 <<<"$vnu_out" | sed "s|\"file:$out/||; s/^/    /"
fi

echo "browser: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
