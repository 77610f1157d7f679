#!/usr/bin/env bash
# SSE load benchmark: many browsers following one live match (GET /live/match/ID) on a release
# build of Tribune on 127.0.0.1. See bench/sse/README.md.
#
#   bash bench/sse/run.sh [CLIENTS]          # default 20000
#   TRIBUNE_BIN=path/to/tribune              # default target/release/tribune (not built here)
#   FAKE=1 bash bench/sse/run.sh 2000        # against fake-server.mjs: tests these scripts only
#
# Knobs (environment): BENCH_WORKERS (one per 5,000 clients), BENCH_CONCURRENCY (500 connects in
# flight per worker), BENCH_EVENTS (60), BENCH_SETTLE (8 s after the last entry),
# BENCH_TIMEOUT (360 s for everything), FAKE_DROP (fake only: chance a stream is cut per entry).
#
# Starts the server on a fresh data dir (`serve --demo`), gets a desk token and the live match,
# then runs driver.mjs, which prints the report on stdout and writes bench/sse/last-run.json.
# Progress goes to stderr. Every process it starts is stopped on exit (trap), whatever happens,
# and the temporary data dir is removed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
log() { printf '[sse %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

CLIENTS="${1:-20000}"
[[ "$CLIENTS" =~ ^[1-9][0-9]*$ ]] || die "CLIENTS must be a positive number, not '$CLIENTS'"
FAKE="${FAKE:-0}"
BIN="${TRIBUNE_BIN:-$ROOT/target/release/tribune}"
TIMEOUT="${BENCH_TIMEOUT:-360}"
EVENTS="${BENCH_EVENTS:-60}"
SETTLE="${BENCH_SETTLE:-8}"
CONCURRENCY="${BENCH_CONCURRENCY:-500}"
WORKERS="${BENCH_WORKERS:-$(( (CLIENTS + 4999) / 5000 ))}"
STARTED_AT=$SECONDS

for tool in node curl setsid timeout; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is needed"
done
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || die "node 20 or later is needed"
if [ "$FAKE" != 1 ]; then
    [ -x "$BIN" ] || die "no Tribune binary at $BIN (cargo build --release -p tribune, or set TRIBUNE_BIN)"
fi

# --- cleanup: every process started here runs in its own process group (setsid) -------------
PIDS=()
TMP="$(mktemp -d /tmp/tribune-sse.XXXXXX)"
cleanup() {
    local status=$?
    trap - EXIT INT TERM USR1
    local pid
    for pid in "${PIDS[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$TMP"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'log "global timeout of ${TIMEOUT} s reached; stopping everything"; exit 124' USR1

# The global time limit: signals this script, whose trap stops everything.
setsid bash -c "sleep $TIMEOUT; kill -USR1 $$" </dev/null >/dev/null 2>&1 &
PIDS+=("$!")

# Streams are file descriptors: the server and the workers inherit this limit.
ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
log "open files per process: $(ulimit -n)"

free_port() {
    node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
wait_http() { # url pid seconds
    local url="$1" pid="$2" limit="$3"
    for _ in $(seq 1 $(( limit * 5 ))); do
        if [ "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "$url" 2>/dev/null)" = 200 ]; then return 0; fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.2
    done
    return 1
}

# --- the server ---------------------------------------------------------------------------------
PORT="$(free_port)"
DATA="$TMP/data"
mkdir -p "$DATA"
SERVER_LOG="$HERE/last-server.log"
: >"$SERVER_LOG"
if [ "$FAKE" = 1 ]; then
    TOKEN="${FAKE_TOKEN:-trb_fake_$RANDOM$RANDOM}"
    log "FAKE=1: starting fake-server.mjs on 127.0.0.1:$PORT (tests the bench scripts only)"
    FAKE_TOKEN="$TOKEN" setsid node "$HERE/fake-server.mjs" --listen "127.0.0.1:$PORT" >"$SERVER_LOG" 2>&1 </dev/null &
else
    log "starting $BIN --data-dir $DATA serve --demo --listen 127.0.0.1:$PORT"
    setsid "$BIN" --data-dir "$DATA" serve --demo --demo-still --listen "127.0.0.1:$PORT" >"$SERVER_LOG" 2>&1 </dev/null &
fi
SERVER_PID=$!
PIDS+=("$SERVER_PID")
BASE="http://127.0.0.1:$PORT"
if ! wait_http "$BASE/" "$SERVER_PID" 90; then
    tail -n 20 "$SERVER_LOG" >&2 || true
    die "the server did not answer GET / with 200 within 90 s (log: $SERVER_LOG)"
fi
log "server up (pid $SERVER_PID) after $(( SECONDS - STARTED_AT )) s"

if [ "$FAKE" != 1 ]; then
    TOKEN="$(timeout 60 "$BIN" --data-dir "$DATA" user token redactie@demo.tribune.invalid bench 2>"$TMP/token.err" | grep -m1 '^trb_' || true)"
    [ -n "$TOKEN" ] || { cat "$TMP/token.err" >&2; die "'tribune user token' printed no trb_ token"; }
fi

curl -fsS --max-time 10 "$BASE/api/v1/matches?live=true" >"$TMP/matches.json" || die "GET /api/v1/matches?live=true failed"
MATCH_LINE="$(node -e '
    const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const m = (j.matches || [])[0];
    if (!m || !Number.isInteger(m.id)) process.exit(1);
    console.log(`${m.id}\t${m.home.name} - ${m.away.name} (${m.status})`);
' "$TMP/matches.json")" || die "no live match in $(head -c 300 "$TMP/matches.json")"
MATCH="${MATCH_LINE%%$'\t'*}"
log "live match $MATCH: ${MATCH_LINE#*$'\t'}"
# The stream must answer before thousands of clients try it.
code="$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "$BASE/live/match/$MATCH" || true)"
[ "$code" = 200 ] || die "GET /live/match/$MATCH answered $code, not 200"

# --- the benchmark ----------------------------------------------------------------------------------
LEFT=$(( TIMEOUT - (SECONDS - STARTED_AT) ))
CONNECT_LIMIT=$(( LEFT - EVENTS - SETTLE - 70 ))
[ "$CONNECT_LIMIT" -gt 120 ] && CONNECT_LIMIT=120
[ "$CONNECT_LIMIT" -ge 10 ] || die "not enough time left (${LEFT} s) for the benchmark"
LABEL="tribune $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
[ "$FAKE" = 1 ] && LABEL="FAKE server, scripts test only"
TRIBUNE_BENCH_TOKEN="$TOKEN" setsid node "$HERE/driver.mjs" \
    --port "$PORT" --match "$MATCH" --server-pid "$SERVER_PID" --clients "$CLIENTS" \
    --workers "$WORKERS" --concurrency "$CONCURRENCY" --events "$EVENTS" --settle "$SETTLE" \
    --connect-limit "$CONNECT_LIMIT" --out "$HERE/last-run.json" --label "$LABEL" </dev/null &
DRIVER_PID=$!
PIDS+=("$DRIVER_PID")
status=0
wait "$DRIVER_PID" || status=$?
[ "$status" = 0 ] || die "driver.mjs failed (exit $status); server log: $SERVER_LOG"
log "done in $(( SECONDS - STARTED_AT )) s; JSON in ${HERE#"$ROOT"/}/last-run.json"
