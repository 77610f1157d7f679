#!/usr/bin/env bash
# Comment write benchmark: many writers posting comments while readers load the same articles.
# See bench/README.md, "Comments".
#
#   bench/comments.sh                    # SQLite
#   bench/comments.sh postgres           # PostgreSQL (a fresh database tribune_bench_comments)
#   bench/comments.sh sqlite postgres    # both, one after the other
#   BENCH_DURATION=30 BENCH_WARMUP=3 BENCH_WRITERS=64 BENCH_READERS=16 BENCH_ARTICLES=4 (defaults)
#   BENCH_RATE=1000                      # the second run: posts a second offered in all (0: skip)
#   BENCH_READ_RATE=2000                 # ... and page reads a second offered in all
#   BENCH_NO_BUILD=1                     # use the release binary as it is
#   BENCH_KEEP=1                         # keep the PostgreSQL database afterwards
#
# Per backend: a fresh database with the demo newsroom (`tribune demo`), BENCH_WRITERS journalist
# accounts (`tribune user add --role journalist`, password from TRIBUNE_PASSWORD), the release
# server (`serve`, page cache on as in production), every account logged in through
# POST /api/v1/session; then for BENCH_DURATION seconds each writer posts top-level comments to
# the first BENCH_ARTICLES articles of the home page as fast as it can (one keep-alive connection
# each, a new text every time), while the readers GET those article pages; then the same again
# with the writers together offering BENCH_RATE posts a second and the readers BENCH_READ_RATE
# reads a second, each on its own schedule, with every request's latency counted from when it
# was due. Staff accounts skip
# the rate limits and pre-moderation but not the word lists or the duplicate check.
# Prints a Markdown table on stdout and writes it to bench/out/comments/comments.md.
# Needs: cargo, node (20+), curl, python3 (a free port); for PostgreSQL psql, createdb, dropdb,
# pg_isready and a server on 127.0.0.1:5432 where user postgres may connect without a password.
set -euo pipefail
LOG_NAME=comments
source "$(dirname "${BASH_SOURCE[0]}")/comments-lib.sh"
OUT="$BENCH_DIR/out/comments"
mkdir -p "$OUT"

DURATION="${BENCH_DURATION:-30}"
WARMUP="${BENCH_WARMUP:-3}"
WRITERS="${BENCH_WRITERS:-64}"
READERS="${BENCH_READERS:-16}"
NARTICLES="${BENCH_ARTICLES:-4}"
# The second run offers this many posts a second in all (0: skip it).
RATE="${BENCH_RATE:-1000}"
# ... while the readers offer this many page reads a second (the first run's readers read as
# fast as they can, which keeps both cores busy whatever the writers do).
READ_RATE="${BENCH_READ_RATE:-2000}"
BACKENDS=("$@")
[ ${#BACKENDS[@]} -gt 0 ] || BACKENDS=(sqlite)
for b in "${BACKENDS[@]}"; do
    case "$b" in sqlite|postgres) ;; *) die "unknown backend '$b' (use sqlite and/or postgres)" ;; esac
done
need_tools cargo node curl awk
for b in "${BACKENDS[@]}"; do [ "$b" = postgres ] && ensure_postgres; done

# The sum of comment_count (GET /api/v1/articles/ID) over some articles.
count_sum() { # id,id,...
    local id total=0 n
    for id in ${1//,/ }; do
        curl -fsS --max-time 10 "$SERVER_URL/api/v1/articles/$id" >"$TMP/article.json" || die "GET /api/v1/articles/$id failed"
        n="$(jget "$TMP/article.json" j.comment_count)"
        total=$(( total + n ))
    done
    echo "$total"
}

build_release
ROWS="$TMP/rows.md"
: >"$ROWS"
NOTES="$TMP/notes.md"
: >"$NOTES"

for backend in "${BACKENDS[@]}"; do
    log "=== $backend"
    SERVER_PORT=""
    fresh_site "$backend" comments
    SERVER_LOG="$OUT/server-$backend.log"
    : >"$SERVER_LOG"
    log "loading the demo newsroom"
    run_waited "$BIN" "${SITE_ARGS[@]}" demo >>"$SERVER_LOG" 2>&1 || { tail -n 20 "$SERVER_LOG" >&2; die "tribune demo failed"; }
    make_journalists "$WRITERS" "$OUT/sessions-$backend.json"
    start_server "$SERVER_LOG"
    login_all "$OUT/sessions-$backend.json"
    mem_login="$(awk '/^VmHWM:/ { h = $2 } /^VmRSS:/ { r = $2 } END { printf "%.0f / %.0f", h / 1024, r / 1024 }' "/proc/$SERVER_PID/status")"
    log "server memory after the logins (VmHWM / VmRSS, MB): $mem_login"

    mapfile -t paths < <(article_paths "$NARTICLES")
    [ ${#paths[@]} -eq "$NARTICLES" ] || die "found ${#paths[@]} article links on the home page, wanted $NARTICLES"
    printf '%s\n' "${paths[@]}" >"$OUT/paths.txt"
    ids="$(for p in "${paths[@]}"; do path_id "$p"; done | paste -sd, -)"
    log "articles: $ids (${paths[*]})"
    for phase in fast paced; do
    if [ "$phase" = fast ]; then rate_args=(); load_label="as fast as they can"
    elif [ "$RATE" -gt 0 ]; then rate_args=(--rate "$RATE" --read-rate "$READ_RATE"); load_label="$RATE/s offered (reads: $READ_RATE/s offered)"
    else continue; fi
    before="$(count_sum "$ids")"

    wait_quiet "$SERVER_PID" "$SITE_DB"
    RESULT="$OUT/result-$backend-$phase.json"
    log "load ($load_label): $WRITERS writers, $READERS readers, ${WARMUP} s warm-up + ${DURATION} s"
    measured "$SERVER_PID" "$SITE_DB" node "$CLIENT" load --base "$SERVER_URL" \
        --sessions "$OUT/sessions-$backend.json" --articles "$ids" --paths "$OUT/paths.txt" \
        --writers "$WRITERS" --readers "$READERS" --duration "$DURATION" --warmup "$WARMUP" --pid "$SERVER_PID" \
        "${rate_args[@]}" --out "$RESULT" || die "the load client failed"
    log "CPU (cores, over warm-up + run): $CPU_LINE"

    # Every stored comment is counted: the counts shown grew by every 201 "visible" answer.
    after="$(count_sum "$ids")"
    peak="$(awk '/^VmHWM:/ { h = $2 } /^VmRSS:/ { r = $2 } END { printf "%.0f / %.0f", h / 1024, r / 1024 }' "/proc/$SERVER_PID/status")"
    problems="$(grep -cE ' (WARN|ERROR) ' "$SERVER_LOG" || true)"

    label=SQLite; [ "$backend" = postgres ] && label=PostgreSQL
    acc="$(jget "$RESULT" j.posts.accepted_per_second)"
    p50="$(jget "$RESULT" j.posts.p50_ms)"; p95="$(jget "$RESULT" j.posts.p95_ms)"; p99="$(jget "$RESULT" j.posts.p99_ms)"
    rps="$(jget "$RESULT" j.reads.per_second)"; rp50="$(jget "$RESULT" j.reads.p50_ms)"; rp99="$(jget "$RESULT" j.reads.p99_ms)"
    pstat="$(jget "$RESULT" 'Object.entries(j.posts.statuses).map(([k,v])=>k+": "+v).join(", ")')"
    rstat="$(jget "$RESULT" 'Object.entries(j.reads.statuses).map(([k,v])=>k+": "+v).join(", ")')"
    verdicts="$(jget "$RESULT" 'Object.entries(j.posts.verdicts).map(([k,v])=>k+": "+v).join(", ")')"
    total_posts="$(jget "$RESULT" j.posts.count)"
    # As fast as they can: is there room for 1,000 a second? Paced: is each post quick
    # enough at the offered rate (with nothing refused)? A closed loop of 64 writers has a
    # p99 of at least 64 / rate by construction, so its p99 is reported but not judged.
    if [ "$phase" = fast ]; then
        target="capacity ≥ 1,000/s: not met"; awk -v a="$acc" 'BEGIN { exit !(a >= 1000) }' && target="capacity ≥ 1,000/s: met"
    else
        target="p99 < 50 ms: not met"
        awk -v a="$acc" -v r="$RATE" -v p="$p99" 'BEGIN { exit !(a >= 0.99 * r && p < 50) }' && target="p99 < 50 ms: met"
    fi
    printf '| %s | %s | %s | %s | %s / %s / %s | %s | %s / %s | %s | %s | %s | %s |\n' \
        "$label" "$load_label" "$acc" "$total_posts" "$p50" "$p95" "$p99" "$rps" "$rp50" "$rp99" \
        "$pstat; reads $rstat" "$CPU_LINE" "$target" "$mem_login → $peak" >>"$ROWS"
    {
        echo "- $label, $load_label: verdicts of the 201 answers: $verdicts. Comment counts of the $NARTICLES articles:"
        echo "  $before before, $after after ($(( after - before )) more; warm-up and requests still in flight at the end included)."
        echo "  201 answers per second (p99 ms) in each 5 s of the run: $(jget "$RESULT" 'j.posts.timeline.map(t => `${t.per_second} (${t.p99_ms})`).join(", ")')."
        echo "  WARN/ERROR lines in the server log: $problems. Error samples: $(jget "$RESULT" 'JSON.stringify(j.posts.error_samples)')"
        echo "  The load client's own lateness (a 10 ms tick), p50 / p99 / max ms: $(jget "$RESULT" '[j.client_lag.p50_ms, j.client_lag.p99_ms, j.client_lag.max_ms].join(" / ")')"
    } >>"$NOTES"
    done
    stop_server TERM
done

{
    echo "### Comment writes: $WRITERS writers + $READERS readers, ${DURATION} s (after ${WARMUP} s warm-up)"
    echo
    echo "Commit $COMMIT, $(date -u +%F), $(nproc) cores; articles ${ids}; page cache on."
    echo
    echo "| Backend | Writers | Accepted comments/s | Posts | Post p50 / p95 / p99 (ms) | Reads/s | Read p50 / p99 (ms) | Answers | CPU (cores) | Target (SQLite) | Server memory, VmHWM / VmRSS (MB): after logins → at the end |"
    echo "|---|---|---:|---:|---|---:|---|---|---|---|---:|"
    cat "$ROWS"
    echo
    cat "$NOTES"
} | tee "$OUT/comments.md"
