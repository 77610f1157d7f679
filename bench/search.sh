#!/usr/bin/env bash
# Search benchmark: how long `tribune reindex` takes over the demo + 100,000 generated
# articles, and how fast /api/v1/search answers a mix of readers' queries (p50/p95).
# See bench/README.md, "Search".
#
#   bench/search.sh                       # ~6 min the first time (generating the articles),
#                                         # then ~2 min; + the release build
#   BENCH_ARTICLES=100000                 # generated articles besides the demo
#   BENCH_ROUNDS=20                       # times each query of the mix is asked
#   BENCH_PORT=18391                      # the server listens on 127.0.0.1:PORT only
#   BENCH_REGENERATE=1 bench/search.sh    # make the database again
#   CARGO_TARGET_DIR=/elsewhere bench/search.sh
#
# SQLite only: the index is the same whichever database fills it, and queries never touch
# the database. Needs cargo, curl, awk. Every step has a time limit (timeout) and the server
# is stopped on exit, whatever happens. Prints a Markdown table on stdout (also written to
# bench/out/search.md); progress goes to stderr.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
OUT="$BENCH_DIR/out"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET_DIR/release/tribune"
ARTICLES="${BENCH_ARTICLES:-100000}"
ROUNDS="${BENCH_ROUNDS:-20}"
PORT="${BENCH_PORT:-18391}"
DATA="$OUT/search-$ARTICLES"
BASE="http://127.0.0.1:$PORT"
unset TRIBUNE_DATABASE TRIBUNE_DATA_DIR TRIBUNE_MEDIA_DIR TRIBUNE_LISTEN TRIBUNE_DEMO TRIBUNE_NO_PAGE_CACHE

log() { printf '[search-bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT

mkdir -p "$OUT"
log "building the release binary"
(cd "$ROOT" && timeout 3600 cargo build --release -p tribune >&2) || die "build failed"

if [[ -n "${BENCH_REGENERATE:-}" || ! -f "$DATA/tribune.db" ]]; then
    rm -rf "$DATA"
    log "generating the demo + $ARTICLES articles in $DATA"
    started=$(date +%s)
    timeout 1800 "$BIN" --data-dir "$DATA" demo --articles "$ARTICLES" >&2 || die "demo failed"
    log "generated in $(( $(date +%s) - started )) s"
fi

log "rebuilding the search index"
rm -rf "$DATA/search"
started=$(date +%s.%N)
timeout 1800 "$BIN" --data-dir "$DATA" reindex >&2 || die "reindex failed"
BUILD_S=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
INDEX_MB=$(du -sm "$DATA/search" | cut -f1)
DOCS=$(sqlite3 "$DATA/tribune.db" "SELECT count(*) FROM articles WHERE status = 'published'" 2>/dev/null || echo "?")

log "starting the server on $BASE"
timeout 1200 "$BIN" --data-dir "$DATA" serve --listen "127.0.0.1:$PORT" 2>"$OUT/search-server.log" &
SERVER_PID=$!
for _ in $(seq 1 600); do
    if curl -sf "$BASE/api/v1/search?q=club" 2>/dev/null | grep -q '"complete":true'; then
        break
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server stopped: see $OUT/search-server.log"
    sleep 0.1
done
curl -sf "$BASE/api/v1/search?q=club" | grep -q '"complete":true' || die "the index never became ready"

# What readers type: club and player names, football words, stop words, accents, filters,
# paging, and a word that is nowhere.
QUERIES=(
    "q=transfer"
    "q=club+brugge"
    "q=strafschop"
    "q=doelman+blessure"
    "q=rode+duivels"
    "q=de+trainer+van+anderlecht"
    "q=scheidsrechter"
    "q=fenerbahce"
    "q=middenvelder&topic=club-brugge"
    "q=spits&kind=rumour"
    "q=derby&sort=newest"
    "q=miljoen+euro&page=3"
    "q=zege&from=2026-11-01&to=2026-11-30"
    "q=goal+gescoord+winnen"
    "q=zzonbekendwoord"
)

log "warming up"
for q in "${QUERIES[@]}"; do
    curl -sf -o /dev/null "$BASE/api/v1/search?$q" || die "query failed: $q"
done

log "asking ${#QUERIES[@]} queries $ROUNDS times each"
: >"$OUT/search-times.txt"
for _ in $(seq 1 "$ROUNDS"); do
    for q in "${QUERIES[@]}"; do
        t=$(curl -sf -o /dev/null -w '%{time_total}' --max-time 5 "$BASE/api/v1/search?$q") || die "query failed: $q"
        printf '%s\t%s\n' "$q" "$t" >>"$OUT/search-times.txt"
    done
done

pct() { # percentile ($1, 0-100) of the numbers on stdin, in ms
    sort -n | awk -v p="$1" '{ v[NR] = $1 } END { i = int((NR * p + 99) / 100); if (i < 1) i = 1; printf "%.1f", v[i] * 1000 }'
}
P50=$(cut -f2 "$OUT/search-times.txt" | pct 50)
P95=$(cut -f2 "$OUT/search-times.txt" | pct 95)
MAX=$(cut -f2 "$OUT/search-times.txt" | pct 100)
N=$(wc -l <"$OUT/search-times.txt")

{
    echo "### Search — $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores"
    echo
    echo "| what | figure |"
    echo "|---|---|"
    echo "| articles indexed (published) | $DOCS |"
    echo "| \`tribune reindex\` (wall clock, includes reading SQLite) | $BUILD_S s |"
    echo "| index size on disk | $INDEX_MB MB |"
    echo "| queries asked (${#QUERIES[@]} kinds × $ROUNDS, one at a time, curl over 127.0.0.1) | $N |"
    echo "| p50 / p95 / max | $P50 / $P95 / $MAX ms |"
    echo
    echo "| query | p50 ms | p95 ms | results |"
    echo "|---|---|---|---|"
    for q in "${QUERIES[@]}"; do
        total=$(curl -sf "$BASE/api/v1/search?$q" | sed -n 's/.*"total":\([0-9]*\).*/\1/p')
        p50=$(awk -F'\t' -v q="$q" '$1 == q { print $2 }' "$OUT/search-times.txt" | pct 50)
        p95=$(awk -F'\t' -v q="$q" '$1 == q { print $2 }' "$OUT/search-times.txt" | pct 95)
        echo "| \`$q\` | $p50 | $p95 | $total |"
    done
} | tee "$OUT/search.md"
log "done; the table is also in $OUT/search.md"
