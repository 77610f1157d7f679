#!/usr/bin/env bash
# Browser end-to-end tests for Tribune.
#
# Builds the binary (unless TRIBUNE_BIN points to one), starts a demo newsroom on a free
# loopback port with a fresh data directory, runs every *.test.js in this folder (one file
# after the other) against it, and always stops the server and removes the data directory.
# Exits with the test runner's exit code.
#
# The tests get TRIBUNE_URL (the server), TRIBUNE_DATA_DIR (its --data-dir: mail without an
# SMTP relay lands in DATA_DIR/outbox, and `tribune user add` works on the same database
# while the server runs) and TRIBUNE_BIN (the binary).
#
# The server runs with --premoderate-first 0, so a new account's first comment shows at once
# (the comment story needs no moderator), and --public-url set to its own address, so links
# in mails point at it.
#
# Usage: bash e2e/run.sh [test files, e.g. comments.test.js]   (default: all of them)
#
# Needs: node >= 20.10, npm, curl, Chromium at /usr/bin/chromium (or CHROMIUM_PATH), and
# Linux loopback (xss.test.js registers from 127.0.0.10-24: registrations are limited per
# client address).
set -euo pipefail

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$E2E_DIR/.." && pwd)"

SERVER_PID=""
DATA_DIR=""
SERVER_LOG=""

cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    # Give it a moment to shut down cleanly, then insist.
    for _ in $(seq 1 50); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ -n "$DATA_DIR" && -d "$DATA_DIR" ]]; then
    rm -rf -- "$DATA_DIR"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_server_log() {
  if [[ -n "$SERVER_LOG" && -f "$SERVER_LOG" ]]; then
    echo "---- last lines of the server log ----" >&2
    tail -n 40 "$SERVER_LOG" >&2 || true
    echo "--------------------------------------" >&2
  fi
}

# 1. JavaScript dependencies.
if [[ ! -d "$E2E_DIR/node_modules" ]]; then
  echo "e2e: installing node dependencies (npm ci)"
  (cd "$E2E_DIR" && npm ci --no-audit --no-fund)
fi

# 2. The binary.
if [[ -n "${TRIBUNE_BIN:-}" ]]; then
  if [[ ! -x "$TRIBUNE_BIN" ]]; then
    echo "e2e: TRIBUNE_BIN=$TRIBUNE_BIN is not an executable file" >&2
    exit 2
  fi
  # Absolute: the tests run from another directory.
  BIN="$(cd "$(dirname "$TRIBUNE_BIN")" && pwd)/$(basename "$TRIBUNE_BIN")"
else
  echo "e2e: building tribune (cargo build -p tribune)"
  (cd "$ROOT" && cargo build -p tribune)
  TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
  [[ "$TARGET_DIR" = /* ]] || TARGET_DIR="$ROOT/$TARGET_DIR"
  BIN="$TARGET_DIR/debug/tribune"
fi

# 3. A free port (ask the kernel for one, then release it for the server).
PORT="$(node -e '
  const s = require("net").createServer();
  s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });
')"
URL="http://127.0.0.1:$PORT"

# 4. The server, on a fresh data directory.
DATA_DIR="$(mktemp -d -t tribune-e2e.XXXXXX)"
SERVER_LOG="$DATA_DIR/server.log"
SERVE_FLAGS=(--demo --listen "127.0.0.1:$PORT")
SERVE_HELP="$("$BIN" serve --help 2>&1 || true)"
for flag in "--premoderate-first 0" "--public-url $URL" "--demo-still"; do
  if grep -q -- "${flag%% *}" <<<"$SERVE_HELP"; then
    # shellcheck disable=SC2206 # two words on purpose: the flag and its value
    SERVE_FLAGS+=($flag)
  else
    echo "e2e: warning: \`tribune serve\` has no ${flag%% *}; starting without it" >&2
  fi
done
echo "e2e: starting $BIN serve ${SERVE_FLAGS[*]} (data dir $DATA_DIR/data)"
"$BIN" --data-dir "$DATA_DIR/data" serve "${SERVE_FLAGS[@]}" >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!

# 5. Wait for /healthz, at most 60 s.
deadline=$((SECONDS + 60))
until curl -fsS --max-time 2 "$URL/healthz" >/dev/null 2>&1; do
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "e2e: the server exited before it became healthy" >&2
    show_server_log
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    echo "e2e: $URL/healthz did not answer within 60 s" >&2
    show_server_log
    exit 1
  fi
  sleep 0.5
done
echo "e2e: server healthy at $URL"

# 6. The tests: every *.test.js here, one file at a time (they share one server, and the
# hostile-input test fills comment sections other tests look at).
set +e
(
  cd "$E2E_DIR" &&
    TRIBUNE_URL="$URL" TRIBUNE_DATA_DIR="$DATA_DIR/data" TRIBUNE_BIN="$BIN" \
      node --test --test-concurrency=1 "$@"
)
status=$?
set -e

if ((status != 0)); then
  show_server_log
fi
exit "$status"
