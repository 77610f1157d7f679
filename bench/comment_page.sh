#!/usr/bin/env bash
# Rendering an article page whose comment section is large: the first page of comments (50
# top-level comments with up to 3 replies each) must cost the same with 5,000 comments as with
# 1,000. See bench/README.md, "Comments".
#
#   bench/comment_page.sh                   # SQLite
#   bench/comment_page.sh postgres          # PostgreSQL (a fresh database tribune_bench_page)
#   bench/comment_page.sh sqlite postgres
#   BENCH_DURATION=10 BENCH_WARMUP=2 BENCH_SIZES="1000 5000" BENCH_CONNECTIONS="1 16" (defaults)
#   BENCH_NO_BUILD=1, BENCH_KEEP=1          # as in bench/comments.sh
#
# Per backend: a fresh database with the demo (`tribune demo`), 16 journalist accounts
# (`tribune user add`), the release server with `--no-page-cache` (every request renders), the
# accounts logged in. The first article of the home page is measured as the demo leaves it, then
# filled up through the API (POST /api/v1/articles/ID/comments, 16 writers) to each of
# BENCH_SIZES comments and measured again: GET /nieuws/ID-slug (the HTML page) and
# GET /api/v1/articles/ID/comments (the first page as JSON), each with 1 connection (the
# render time itself, nothing queued) and with 16 (both cores busy), BENCH_DURATION seconds
# each, closed loop, keep-alive (bench/comments-client.mjs read).
# Prints a Markdown table on stdout and writes it to bench/out/comment_page/comment_page.md.
set -euo pipefail
LOG_NAME=comment_page
source "$(dirname "${BASH_SOURCE[0]}")/comments-lib.sh"
OUT="$BENCH_DIR/out/comment_page"
mkdir -p "$OUT"

DURATION="${BENCH_DURATION:-10}"
WARMUP="${BENCH_WARMUP:-2}"
read -r -a SIZES <<<"${BENCH_SIZES:-1000 5000}"
read -r -a CONNS <<<"${BENCH_CONNECTIONS:-1 16}"
BACKENDS=("$@")
[ ${#BACKENDS[@]} -gt 0 ] || BACKENDS=(sqlite)
for b in "${BACKENDS[@]}"; do
    case "$b" in sqlite|postgres) ;; *) die "unknown backend '$b' (use sqlite and/or postgres)" ;; esac
done
need_tools cargo node curl awk
for b in "${BACKENDS[@]}"; do [ "$b" = postgres ] && ensure_postgres; done

build_release
ROWS="$TMP/rows.md"
: >"$ROWS"

comment_count() { # article id
    curl -fsS --max-time 10 "$SERVER_URL/api/v1/articles/$1" >"$TMP/article.json" || die "GET /api/v1/articles/$1 failed"
    jget "$TMP/article.json" j.comment_count
}

measure() { # label what path
    local label="$1" what="$2" path="$3" c res
    for c in "${CONNS[@]}"; do
        res="$OUT/read-$backend-$label-$what-c$c.json"
        wait_quiet "$SERVER_PID" "$SITE_DB"
        measured "$SERVER_PID" "$SITE_DB" node "$CLIENT" read --base "$SERVER_URL" --path "$path" \
            --connections "$c" --duration "$DURATION" --warmup "$WARMUP" --pid "$SERVER_PID" --out "$res" \
            || die "the read client failed"
        local statuses; statuses="$(jget "$res" 'Object.entries(j.statuses).map(([k,v])=>k+": "+v).join(", ")')"
        log "  $label $what, $c conn: $(jget "$res" j.per_second) req/s, p50 $(jget "$res" j.p50_ms) ms, p99 $(jget "$res" j.p99_ms) ms ($statuses); CPU $CPU_LINE"
        printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
            "$LABEL" "$label" "$what" "$c" "$(jget "$res" j.per_second)" "$(jget "$res" j.p50_ms)" \
            "$(jget "$res" j.p99_ms)" "$(jget "$res" j.server_cpu_us_per_request)" "$(jget "$res" j.avg_bytes)" "$statuses" "$CPU_LINE" \
            "$(awk -v p="$(jget "$res" j.p99_ms)" 'BEGIN { print (p < 10) ? "met" : "not met" }')" >>"$ROWS"
    done
}

for backend in "${BACKENDS[@]}"; do
    log "=== $backend"
    LABEL=SQLite; [ "$backend" = postgres ] && LABEL=PostgreSQL
    SERVER_PORT=""
    fresh_site "$backend" page
    SERVER_LOG="$OUT/server-$backend.log"
    : >"$SERVER_LOG"
    run_waited "$BIN" "${SITE_ARGS[@]}" demo >>"$SERVER_LOG" 2>&1 || { tail -n 20 "$SERVER_LOG" >&2; die "tribune demo failed"; }
    make_journalists 16 "$OUT/sessions-$backend.json"
    start_server "$SERVER_LOG" --no-page-cache
    login_all "$OUT/sessions-$backend.json"
    path="$(article_paths 1)"
    [ -n "$path" ] || die "no article link on the home page"
    id="$(path_id "$path")"
    api="/api/v1/articles/$id/comments"
    have="$(comment_count "$id")"
    log "article $path: $have comments from the demo"
    measure "demo ($have)" page "$path"
    measure "demo ($have)" api "$api"
    for size in "${SIZES[@]}"; do
        have="$(comment_count "$id")"
        if [ "$have" -lt "$size" ]; then
            log "posting $(( size - have )) comments to article $id through the API"
            run_waited node "$CLIENT" fill --base "$SERVER_URL" --sessions "$OUT/sessions-$backend.json" \
                --article "$id" --count $(( size - have )) --writers 16 --nonce "f$size" \
                --out "$OUT/fill-$backend-$size.json" || die "filling the article failed"
            log "  $(jget "$OUT/fill-$backend-$size.json" j.posted) posted in $(jget "$OUT/fill-$backend-$size.json" j.seconds) s"
        fi
        have="$(comment_count "$id")"
        [ "$have" -ge "$size" ] || die "article $id has $have comments, wanted $size"
        measure "$have" page "$path"
        measure "$have" api "$api"
    done
    peak="$(awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$SERVER_PID/status")"
    stop_server TERM
    log "server VmHWM $peak MB; WARN/ERROR lines in its log: $(grep -cE ' (WARN|ERROR) ' "$SERVER_LOG" || true)"
done

{
    echo "### First page of comments, page cache off (\`serve --no-page-cache\`)"
    echo
    echo "Commit $COMMIT, $(date -u +%F), $(nproc) cores; article $path; ${DURATION} s per run after ${WARMUP} s warm-up;"
    echo "page = GET $path (HTML), api = GET /api/v1/articles/$id/comments (JSON); 50 top-level comments a page."
    echo
    echo "Server CPU per request: the Tribune process only (on PostgreSQL the backends' share is in the CPU column)."
    echo
    echo "| Backend | Comments on the article | What | Connections | Requests/s | p50 (ms) | p99 (ms) | Server CPU per request (µs) | Bytes | Answers | CPU (cores) | p99 < 10 ms |"
    echo "|---|---|---|---:|---:|---:|---:|---:|---:|---|---|---|"
    cat "$ROWS"
} | tee "$OUT/comment_page.md"
