#!/usr/bin/env bash
# Crash test: kill -9 the server in the middle of a burst of comment posts, restart it on the same
# data, and check that nothing acknowledged was lost and that the counts match the rows.
# See bench/README.md, "Comments". Exits 0 on PASS, 1 on FAIL, 2 when the test could not run.
#
#   bench/crash.sh                       # SQLite, release build
#   bench/crash.sh --debug               # the debug binary (cargo build -p tribune), e.g. in CI
#   bench/crash.sh --bin PATH            # a binary built elsewhere (no build)
#   bench/crash.sh sqlite postgres       # both backends (PostgreSQL: a fresh database
#                                        # tribune_bench_crash, dropped afterwards)
#   CRASH_ROUNDS=3 CRASH_WRITERS=16 CRASH_KILL_AFTER=2 (defaults; seconds after the first answer)
#
# Per backend: a fresh database with the demo (`tribune demo`), CRASH_WRITERS journalist accounts
# (`tribune user add`), the server, a session per account. Then CRASH_ROUNDS times: every writer
# posts top-level comments to two demo articles as fast as it can, each 2xx answer's comment id
# and text is written to a file the moment it arrives, and CRASH_KILL_AFTER (±0.5) seconds into
# the burst the server gets SIGKILL; it is started again on the same data dir / database, and
#   1. every comment acknowledged so far (all rounds) is there: GET /api/v1/comments/ID is 200
#      with the same id and text;
#   2. for each article involved, comment_count (GET /api/v1/articles/ID) equals the public
#      comments found by paging GET /api/v1/articles/ID/comments to the end (top-level comments
#      + replies), and every acknowledged visible comment is among them;
#   3. the database agrees: comment_count equals the count of public rows (visible, not deleted,
#      not shadowed); on SQLite also PRAGMA integrity_check.
# Needs: cargo (unless --bin), node (20+), curl, python3; for PostgreSQL psql, createdb, dropdb,
# pg_isready and a server on 127.0.0.1:5432 where user postgres may connect without a password.
set -euo pipefail
LOG_NAME=crash
DIE_STATUS=2
source "$(dirname "${BASH_SOURCE[0]}")/comments-lib.sh"
OUT="$BENCH_DIR/out/crash"
mkdir -p "$OUT"

ROUNDS="${CRASH_ROUNDS:-3}"
WRITERS="${CRASH_WRITERS:-16}"
KILL_AFTER="${CRASH_KILL_AFTER:-2}"
PROFILE=release
BIN=""
BACKENDS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --debug) PROFILE=debug ;;
        --release) PROFILE=release ;;
        --bin) BIN="$2"; PROFILE=given; shift ;;
        sqlite|postgres) BACKENDS+=("$1") ;;
        *) die "unknown argument '$1' (see the top of $0)" ;;
    esac
    shift
done
[ ${#BACKENDS[@]} -gt 0 ] || BACKENDS=(sqlite)
need_tools node curl awk python3
for b in "${BACKENDS[@]}"; do [ "$b" = postgres ] && ensure_postgres; done

if [ -n "$BIN" ]; then
    [ -x "$BIN" ] || die "no executable at $BIN"
    BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
else
    need_tools cargo
    target="${CARGO_TARGET_DIR:-$ROOT/target}"
    flags=(); [ "$PROFILE" = release ] && flags=(--release)
    log "building the $PROFILE binary (target dir: $target)"
    run_waited env CARGO_TARGET_DIR="$target" cargo build --manifest-path "$ROOT/Cargo.toml" \
        "${flags[@]}" -p tribune >&2 || die "the build failed"
    BIN="$target/$PROFILE/tribune"
fi
log "binary: $BIN"
START=$(date +%s)

# The database's own view: for each article, comment_count and its public rows; and all rows.
db_check() { # backend article_ids(comma) -> JSON on stdout
    local backend="$1" ids="$2"
    if [ "$backend" = postgres ]; then
        pg -d "$SITE_DB" -Atc "
            SELECT json_build_object('articles', json_agg(json_build_object('id', a.id,
                   'comment_count', a.comment_count,
                   'public_rows', (SELECT count(*) FROM comments c WHERE c.article_id = a.id
                                   AND c.verdict = 'visible' AND NOT c.deleted AND NOT c.shadow),
                   'public_flag_rows', (SELECT count(*) FROM comments c WHERE c.article_id = a.id AND c.public),
                   'rows', (SELECT count(*) FROM comments c WHERE c.article_id = a.id)) ORDER BY a.id),
                   'integrity', 'not checked (PostgreSQL)')
            FROM articles a WHERE a.id IN ($ids)"
    else
        python3 - "$SITE_DIR/tribune.db" "$ids" <<'EOF'
import json, sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
out = {"articles": []}
for i in [int(x) for x in sys.argv[2].split(",")]:
    (count,) = db.execute("SELECT comment_count FROM articles WHERE id = ?", (i,)).fetchone()
    (pub,) = db.execute("SELECT count(*) FROM comments WHERE article_id = ? AND verdict = 'visible' AND deleted = 0 AND shadow = 0", (i,)).fetchone()
    (flag,) = db.execute("SELECT count(*) FROM comments WHERE article_id = ? AND public = 1", (i,)).fetchone()
    (rows,) = db.execute("SELECT count(*) FROM comments WHERE article_id = ?", (i,)).fetchone()
    out["articles"].append({"id": i, "comment_count": count, "public_rows": pub, "public_flag_rows": flag, "rows": rows})
out["integrity"] = "; ".join(r[0] for r in db.execute("PRAGMA integrity_check"))
print(json.dumps(out))
EOF
    fi
}

OVERALL=0
SUMMARY="$TMP/summary.txt"
: >"$SUMMARY"

for backend in "${BACKENDS[@]}"; do
    log "=== $backend"
    SERVER_PORT=""
    fresh_site "$backend" crash
    SERVER_LOG="$OUT/server-$backend.log"
    : >"$SERVER_LOG"
    ACKED="$OUT/acked-$backend.jsonl"
    : >"$ACKED"
    SESSIONS="$OUT/sessions-$backend.json"
    run_waited "$BIN" "${SITE_ARGS[@]}" demo >>"$SERVER_LOG" 2>&1 || { tail -n 20 "$SERVER_LOG" >&2; die "tribune demo failed"; }
    make_journalists "$WRITERS" "$SESSIONS"
    start_server "$SERVER_LOG"
    login_all "$SESSIONS"
    mapfile -t paths < <(article_paths 2)
    [ ${#paths[@]} -eq 2 ] || die "found ${#paths[@]} article links on the home page, wanted 2"
    ids="$(path_id "${paths[0]}"),$(path_id "${paths[1]}")"
    log "articles $ids"

    db_check "$backend" "$ids" >"$OUT/db-$backend-0.json" || die "the database check failed"
    base_rows="$(jget "$OUT/db-$backend-0.json" 'j.articles.reduce((n, a) => n + a.rows, 0)')"
    log "the two articles hold $base_rows comments from the demo"
    failed=0
    for round in $(seq 1 "$ROUNDS"); do
        before=$(wc -l <"$ACKED")
        node "$CLIENT" burst --base "$SERVER_URL" --sessions "$SESSIONS" --articles "$ids" \
            --writers "$WRITERS" --limit 30 --acked "$ACKED" --nonce "r${round}${backend}" \
            --out "$OUT/burst-$backend-$round.json" 2>>"$OUT/client-$backend.log" &
        client=$!
        PIDS+=("$client")
        # The first answer, then CRASH_KILL_AFTER ± 0.5 s more, so the kill lands mid-stream.
        for _ in $(seq 1 200); do
            [ "$(wc -l <"$ACKED")" -gt "$before" ] && break
            sleep 0.05
        done
        [ "$(wc -l <"$ACKED")" -gt "$before" ] || die "round $round: no comment acknowledged within 10 s (see $OUT/client-$backend.log, $SERVER_LOG)"
        sleep "$(awk -v k="$KILL_AFTER" -v r="$RANDOM" 'BEGIN { printf "%.2f", k - 0.5 + r / 32767 }')"
        kill -0 "$client" 2>/dev/null || die "round $round: the burst ended before the kill"
        kill -KILL "$SERVER_PID"
        at_kill=$(wc -l <"$ACKED")
        echo "--- round $round: SIGKILL at $(date +%T.%N)" >>"$SERVER_LOG"
        log "round $round: kill -9 of the server (pid $SERVER_PID) with $(( at_kill - before )) comments acknowledged in this burst"
        wait "$SERVER_PID" 2>/dev/null || true
        forget_pid "$SERVER_PID"
        wait "$client" || die "round $round: the burst client failed (see $OUT/client-$backend.log)"
        forget_pid "$client"
        burst_acked=$(( $(wc -l <"$ACKED") - before ))
        late=$(( $(wc -l <"$ACKED") - at_kill ))
        log "round $round: $burst_acked acknowledged in all ($late answers read by the client after the kill: already sent), answers: $(jget "$OUT/burst-$backend-$round.json" 'JSON.stringify(j.statuses)')"

        echo "--- round $round: restart at $(date +%T.%N)" >>"$SERVER_LOG"
        t0=$(date +%s.%N)
        start_server "$SERVER_LOG"
        restart_s="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')"
        VERIFY="$OUT/verify-$backend-$round.json"
        node "$CLIENT" verify --base "$SERVER_URL" --acked "$ACKED" --articles "$ids" --out "$VERIFY" \
            2>>"$OUT/client-$backend.log" || die "round $round: the verify client failed"
        db_check "$backend" "$ids" >"$OUT/db-$backend-$round.json" || die "round $round: the database check failed"
        ok="$(jget "$VERIFY" j.ok)"
        found="$(jget "$VERIFY" j.found)"
        total="$(jget "$VERIFY" j.acked)"
        counts="$(jget "$VERIFY" 'j.articles.map(a => `article ${a.article}: comment_count ${a.comment_count_shown}, listed ${a.public_total} (${a.public_roots}+${a.public_replies}) on ${a.pages} pages`).join("; ")')"
        dbline="$(jget "$OUT/db-$backend-$round.json" 'j.articles.map(a => `article ${a.id}: comment_count ${a.comment_count}, public rows ${a.public_rows} (flag ${a.public_flag_rows}), all rows ${a.rows}`).join("; ") + "; integrity: " + j.integrity')"
        dbok="$(jget "$OUT/db-$backend-$round.json" 'j.articles.every(a => a.comment_count === a.public_rows && a.public_rows === a.public_flag_rows) && (j.integrity === "ok" || j.integrity.startsWith("not checked"))')"
        rows="$(jget "$OUT/db-$backend-$round.json" 'j.articles.reduce((n, a) => n + a.rows, 0)')"
        unanswered=$(( rows - base_rows - total ))
        log "round $round: restarted in ${restart_s} s; acknowledged comments found: $found of $total; $counts"
        log "round $round: stored without an answer (in flight at the kill), all rounds: $unanswered"
        log "round $round: database: $dbline"
        if [ "$ok" = true ] && [ "$dbok" = true ]; then
            echo "$backend round $round: PASS — $found of $total acknowledged comments found (this burst: $burst_acked, $late read after the kill); $unanswered stored but never answered (all rounds so far); $counts; database: $dbline" >>"$SUMMARY"
        else
            failed=1
            echo "$backend round $round: FAIL — $found of $total acknowledged comments found; $counts; database: $dbline" >>"$SUMMARY"
            jget "$VERIFY" 'j.problems.join("\n")' | sed 's/^/    /' >>"$SUMMARY"
            [ "$dbok" = true ] || echo "    the database's counters do not match its rows (see $OUT/db-$backend-$round.json)" >>"$SUMMARY"
        fi
    done
    stop_server TERM
    [ "$failed" = 0 ] || OVERALL=1
done

elapsed=$(( $(date +%s) - START ))
echo
echo "Crash test ($ROUNDS rounds of kill -9 mid-burst per backend, $WRITERS writers, $(basename "$BIN") $PROFILE, ${elapsed} s):"
cat "$SUMMARY"
if [ "$OVERALL" = 0 ]; then
    echo "PASS"
else
    echo "FAIL (details: $OUT)"
fi
exit "$OVERALL"
