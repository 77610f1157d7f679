#!/usr/bin/env bash
# Two builds side by side, in one run: rendering (page cache off) of the home page and of one
# article, on SQLite and on PostgreSQL, alternating between the builds so that whatever else
# the machine does weighs on both alike. Used to show that a redesign costs nothing (issue 18).
#
#   bench/beside.sh OLD_BINARY NEW_BINARY
#   BENCH_ROUNDS=3 BENCH_DURATION=10s BENCH_BACKENDS="sqlite postgres" (defaults)
#
# Per backend and build: a fresh demo newsroom (`serve --demo --demo-still --no-page-cache`),
# then per round `wrk -t2 -c64 -d$BENCH_DURATION` on / and on the first article of the home
# page, after a 2 s warm-up. Prints a Markdown table of the median requests/s per build.
# Comment write throughput beside the previous release: bench/comments.sh with
# CARGO_TARGET_DIR pointing at each build and BENCH_NO_BUILD=1.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 OLD_BINARY NEW_BINARY" >&2; exit 2; }
OLD="$(realpath "$1")"
NEW="$(realpath "$2")"
ROUNDS="${BENCH_ROUNDS:-3}"
DURATION="${BENCH_DURATION:-10s}"
read -r -a BACKENDS <<<"${BENCH_BACKENDS:-sqlite postgres}"
PG="postgres://postgres@127.0.0.1:5432"
OUT="$(dirname "$0")/out/beside"
mkdir -p "$OUT"
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 2; }

SERVER=""
stop() {
    if [ -n "$SERVER" ]; then
        kill "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true # a server stopped by TERM answers 143
    fi
    SERVER=""
}
trap stop EXIT

start() { # binary backend tag
    local bin="$1" backend="$2" tag="$3" dir="$OUT/data-$3" db=()
    rm -rf "$dir"
    mkdir -p "$dir"
    if [ "$backend" = postgres ]; then
        dropdb -h 127.0.0.1 -U postgres --if-exists "bench_beside_$tag" >/dev/null
        createdb -h 127.0.0.1 -U postgres "bench_beside_$tag"
        db=(--database "$PG/bench_beside_$tag")
    fi
    "$bin" "${db[@]}" --data-dir "$dir" serve --demo --demo-still --no-page-cache \
        --listen 127.0.0.1:8931 >"$OUT/$tag.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 1 600); do
        curl -fs -o /dev/null http://127.0.0.1:8931/ && break
        kill -0 "$SERVER" 2>/dev/null || { echo "server $tag died, see $OUT/$tag.log" >&2; exit 1; }
        sleep 0.2
    done
    if [ "$backend" = postgres ]; then psql -q -h 127.0.0.1 -U postgres "bench_beside_$tag" -c ANALYZE; fi
}

rps() { # url -> requests/s
    wrk -t2 -c64 -d2s "$1" >/dev/null
    wrk -t2 -c64 -d"$DURATION" "$1" | awk '/^Requests\/sec/ { printf "%d", $2 }'
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

declare -A R
for backend in "${BACKENDS[@]}"; do
    for round in $(seq 1 "$ROUNDS"); do
        for build in old new; do
            bin="$OLD"; [ "$build" = new ] && bin="$NEW"
            start "$bin" "$backend" "$backend-$build"
            article="$(curl -fs http://127.0.0.1:8931/ | grep -o 'href="/nieuws/[^"]*"' | sed -n 1p | cut -d'"' -f2)"
            [ -n "$article" ] || { echo "no article link on the home page" >&2; exit 1; }
            R[$backend-$build-home]+="$(rps http://127.0.0.1:8931/) "
            R[$backend-$build-article]+="$(rps "http://127.0.0.1:8931$article") "
            stop
            echo "round $round $backend $build: home ${R[$backend-$build-home]}, article ${R[$backend-$build-article]}" >&2
        done
    done
done

echo "| backend | page | old req/s (median of $ROUNDS) | new req/s | new / old |"
echo "|---|---|---|---|---|"
for backend in "${BACKENDS[@]}"; do
    for page in home article; do
        o="$(echo "${R[$backend-old-$page]}" | median)"
        n="$(echo "${R[$backend-new-$page]}" | median)"
        echo "| $backend | $page | $o | $n | $(awk -v o="$o" -v n="$n" 'BEGIN { printf "%.2f", n / o }') |"
    done
done
