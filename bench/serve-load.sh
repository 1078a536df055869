#!/usr/bin/env bash
# Load check of `calfeed serve` (a benchmark, not a test; `make test` does not run it).
#
# Builds calfeed (release), starts `calfeed serve` on a free loopback port with the seed
# publications from feeds/, and from a second process runs, one phase after the other:
#   full         GET of the calendar (.ics), identity
#   gzip         GET of the calendar with Accept-Encoding: gzip
#   conditional  GET of the calendar with If-None-Match: <its ETag> (answered 304)
# printing for each phase requests/s, errors (must be zero) and latency percentiles.
# Exits non-zero if any phase had an error, or if serve did not stop cleanly on SIGINT.
#
# Load generator: wrk (Debian package `wrk`; installed with apt-get when missing and
# allowed), else a small Python one (standard library only, slower: it measures itself
# as much as the server, so compare its numbers only with its own).
#
# Bounded: each phase runs SECONDS (default 10, at most 60) with CONNECTIONS keep-alive
# connections (default 4, at most 8), against 127.0.0.1
# only; the Python generator also stops after 200000 requests per phase.
#
# Usage: bench/serve-load.sh [SECONDS] [CONNECTIONS]
#        LOAD_TOOL=python bench/serve-load.sh   # force the Python generator
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-10}
connections=${2:-4}
[[ $seconds =~ ^[0-9]+$ && $seconds -ge 1 && $seconds -le 60 ]] ||
    { echo "SECONDS must be 1..60" >&2; exit 2; }
[[ $connections =~ ^[0-9]+$ && $connections -ge 1 && $connections -le 8 ]] ||
    { echo "CONNECTIONS must be 1..8" >&2; exit 2; }

cargo build --release --quiet
bin=target/release/calfeed

work=$(mktemp -d)
server=
cleanup() {
    if [[ -n $server ]] && kill -0 "$server" 2>/dev/null; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    if [[ -n ${KEEP_WORK:-} ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

mkdir "$work/feeds"
cp feeds/*.toml "$work/feeds/" 2>/dev/null || true
cp feeds/*.json "$work/feeds/" 2>/dev/null || true

"$bin" serve --in "$work/feeds" --addr 127.0.0.1:0 >"$work/stdout" 2>"$work/stderr" &
server=$!
for _ in $(seq 100); do
    grep -q '^serving http://' "$work/stdout" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || { cat "$work/stderr" >&2; exit 1; }
    sleep 0.1
done
base=$(sed -n 's/^serving \(http:\/\/[^ ]*\)$/\1/p' "$work/stdout" | head -n1)
[[ $base == http://127.* ]] || { echo "serve did not start on loopback: $base" >&2; exit 1; }
url=$(awk '$1 == "calendar" { print $2; exit }' "$work/stdout")
[[ $url == "$base"* ]] || { echo "no calendar URL in serve's output" >&2; exit 1; }

# The ETag, and a check that the conditional request really is answered 304.
read -r etag size < <(python3 - "$url" <<'EOF'
import sys, urllib.request
url = sys.argv[1]
with urllib.request.urlopen(url) as r:
    body = r.read()
    etag = r.headers["ETag"]
req = urllib.request.Request(url, headers={"If-None-Match": etag})
try:
    urllib.request.urlopen(req)
    sys.exit("conditional GET was not answered 304")
except urllib.error.HTTPError as e:
    if e.code != 304:
        sys.exit(f"conditional GET answered {e.code}")
print(etag, len(body))
EOF
)

tool=${LOAD_TOOL:-}
if [[ -z $tool ]]; then
    if ! command -v wrk >/dev/null && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        apt-get install -y -qq wrk >/dev/null 2>&1 || true
    fi
    if command -v wrk >/dev/null; then tool=wrk; else tool=python; fi
fi

echo "serve-load: $url ($size bytes), $connections connection(s), ${seconds}s per phase, load from $tool"
printf '%-12s %10s %8s %9s %9s %9s %9s\n' phase 'req/s' errors p50 p90 p99 max

failed=0

run_wrk() { # phase, extra header or ""
    local phase=$1 header=$2 out
    local args=(-t "$(( connections < 2 ? 1 : 2 ))" -c "$connections" -d "${seconds}s" --latency --timeout 5s)
    [[ -n $header ]] && args+=(-H "$header")
    out=$(wrk "${args[@]}" "$url")
    echo "$out" >"$work/wrk-$phase.txt"
    local rps errors p50 p90 p99 max
    rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    # wrk reports socket errors (connect/read/write/timeout) and non-2xx/3xx responses.
    errors=$(awk '
        /Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 }
        /Non-2xx or 3xx responses:/ { n += $5 }
        END { print n + 0 }' <<<"$out")
    p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
    p90=$(awk '$1 == "90%" { print $2 }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
    max=$(awk '$1 == "Latency" { print $4; exit }' <<<"$out")
    printf '%-12s %10s %8s %9s %9s %9s %9s\n' "$phase" "$rps" "$errors" "$p50" "$p90" "$p99" "$max"
    [[ $errors == 0 ]] || failed=1
}

run_python() { # phase, extra header or "", expected status
    local phase=$1 header=$2 status=$3 line
    line=$(python3 - "$url" "$connections" "$seconds" "$header" "$status" <<'EOF'
import http.client, sys, threading, time, urllib.parse
url, conns, seconds, header, expected = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], int(sys.argv[5])
u = urllib.parse.urlsplit(url)
headers = dict([header.split(": ", 1)]) if header else {}
MAX = 200_000
lock = threading.Lock()
lat, errors, count = [], [0], [0]
stop = time.monotonic() + seconds
def worker():
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
    mine = []
    while time.monotonic() < stop:
        with lock:
            if count[0] >= MAX: break
            count[0] += 1
        t = time.perf_counter()
        try:
            c.request("GET", u.path, headers=headers)
            r = c.getresponse(); r.read()
            if r.status != expected: errors[0] += 1
        except Exception:
            errors[0] += 1
            c.close(); c = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
        mine.append(time.perf_counter() - t)
    with lock: lat.extend(mine)
start = time.monotonic()
ts = [threading.Thread(target=worker) for _ in range(conns)]
[t.start() for t in ts]; [t.join() for t in ts]
elapsed = time.monotonic() - start
lat.sort()
pct = lambda p: f"{lat[min(len(lat) - 1, int(p * len(lat)))] * 1000:.2f}ms" if lat else "-"
print(f"{len(lat) / elapsed:.1f} {errors[0]} {pct(0.5)} {pct(0.9)} {pct(0.99)} {pct(1.0)}")
EOF
)
    read -r rps errors p50 p90 p99 max <<<"$line"
    printf '%-12s %10s %8s %9s %9s %9s %9s\n' "$phase" "$rps" "$errors" "$p50" "$p90" "$p99" "$max"
    [[ $errors == 0 ]] || failed=1
}

if [[ $tool == wrk ]]; then
    run_wrk full ""
    run_wrk gzip "Accept-Encoding: gzip"
    run_wrk conditional "If-None-Match: $etag"
else
    run_python full "" 200
    run_python gzip "Accept-Encoding: gzip" 200
    run_python conditional "If-None-Match: $etag" 304
fi

# serve must have logged no error and must stop cleanly on Ctrl-C.
kill -INT "$server"
status=0
wait "$server" || status=$?
server=
if [[ $status != 0 ]]; then
    echo "serve exited with $status on SIGINT" >&2
    failed=1
fi
if grep -q . "$work/stderr"; then
    echo "serve wrote to stderr:" >&2
    cat "$work/stderr" >&2
    failed=1
fi
if [[ $failed == 0 ]]; then echo "serve-load: ok (no errors)"; else echo "serve-load: FAILED" >&2; fi
exit "$failed"
