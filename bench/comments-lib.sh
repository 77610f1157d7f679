# Shared by bench/comments.sh, bench/comment_page.sh and bench/crash.sh (sourced, not run).
# Starting and stopping Tribune on a fresh SQLite data dir or a fresh PostgreSQL database,
# journalist accounts, CPU accounting. Only ever talks to 127.0.0.1; every process started here
# is stopped on exit (trap), whatever happens.

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
CLIENT="$BENCH_DIR/comments-client.mjs"
PG_HOST=127.0.0.1
PG_PORT=5432
PG_USER=postgres
PG_URL="postgres://$PG_USER@$PG_HOST:$PG_PORT"
# The servers get their settings from the command line only.
unset TRIBUNE_DATABASE TRIBUNE_DATA_DIR TRIBUNE_MEDIA_DIR TRIBUNE_LISTEN TRIBUNE_DEMO \
    TRIBUNE_NO_PAGE_CACHE TRIBUNE_PREMODERATE_FIRST TRIBUNE_PASSWORD
# The password of the benchmark's journalist accounts (fresh databases only, never kept).
BENCH_PASSWORD="bench-journalist-typt-snel-2026"

log() { printf '[%s %s] %s\n' "${LOG_NAME:-bench}" "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit "${DIE_STATUS:-1}"; }

need_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found"
    done
}

# --- cleanup ----------------------------------------------------------------------------------
PIDS=()
PG_DROP=()       # databases this run created, dropped on exit unless BENCH_KEEP=1
PG_STARTED=0
PG_CLUSTER=""
TMP="$(mktemp -d /tmp/tribune-comments.XXXXXX)"
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    local pid
    for pid in "${PIDS[@]}"; do
        kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null || true
    done
    if [ "${BENCH_KEEP:-0}" != 1 ]; then
        local db
        for db in "${PG_DROP[@]}"; do
            PGOPTIONS="-c client_min_messages=warning" dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" \
                --if-exists --force "$db" 2>/dev/null || log "could not drop database $db"
        done
    fi
    if [ "$PG_STARTED" = 1 ]; then
        log "stopping the PostgreSQL cluster $PG_CLUSTER/main that this script started"
        pg_ctlcluster --skip-systemctl-redirect "$PG_CLUSTER" main stop >&2 || true
    fi
    rm -rf "$TMP"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

forget_pid() {
    local p kept=()
    for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
    PIDS=("${kept[@]}")
}

# Runs a command in the background and waits for it, so a signal to the script is handled at
# once and cleanup stops the command.
run_waited() {
    "$@" &
    local pid=$! status=0
    PIDS+=("$pid")
    wait "$pid" || status=$?
    forget_pid "$pid"
    return "$status"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null && return
    local p
    for _ in $(seq 1 100); do
        p=$(( 20000 + RANDOM % 30000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
    done
    die "no free port found"
}

wait_http() { # url pid seconds
    local url="$1" pid="$2" limit="${3:-60}"
    for _ in $(seq 1 $(( limit * 10 ))); do
        if curl -fsS --max-time 2 -o /dev/null "$url" 2>/dev/null; then return 0; fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# --- the binary -----------------------------------------------------------------------------------
build_release() {
    local target="${CARGO_TARGET_DIR:-$ROOT/target}"
    BIN="$target/release/tribune"
    if [ "${BENCH_NO_BUILD:-0}" = 1 ]; then
        log "BENCH_NO_BUILD=1: using $BIN as it is"
    else
        log "building the release binary (target dir: $target)"
        run_waited env CARGO_TARGET_DIR="$target" cargo build --manifest-path "$ROOT/Cargo.toml" \
            --release -p tribune >&2 || die "the build failed"
    fi
    [ -x "$BIN" ] || die "no binary at $BIN"
    COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    if [ -n "$(git -C "$ROOT" status --porcelain -- crates Cargo.toml Cargo.lock 2>/dev/null)" ]; then
        COMMIT="$COMMIT + uncommitted changes"
    fi
}

# --- PostgreSQL ---------------------------------------------------------------------------------
pg() { psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -X -q -v ON_ERROR_STOP=1 "$@"; }
ensure_postgres() {
    need_tools psql createdb dropdb pg_isready
    if ! pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; then
        PG_CLUSTER="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)"
        [ -n "$PG_CLUSTER" ] || die "PostgreSQL does not answer on $PG_HOST:$PG_PORT and no cluster in /etc/postgresql"
        log "PostgreSQL does not answer on $PG_HOST:$PG_PORT; starting cluster $PG_CLUSTER/main"
        PG_STARTED=1
        pg_ctlcluster --skip-systemctl-redirect "$PG_CLUSTER" main start >&2 \
            || die "could not start PostgreSQL ($PG_CLUSTER/main)"
        local i
        for i in $(seq 1 300); do
            pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break
            [ "$i" = 300 ] && die "PostgreSQL did not come up within 30 s"
            sleep 0.1
        done
    fi
    PG_VERSION="$(pg -d postgres -Atc 'SHOW server_version')" || die "cannot connect to $PG_URL/postgres"
    PG_DATADIR="$(pg -d postgres -Atc 'SHOW data_directory')"
}
# A fresh, empty database for this run; dropped on exit (unless BENCH_KEEP=1).
pg_fresh() { # database
    PGOPTIONS="-c client_min_messages=warning" dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" --if-exists --force "$1"
    createdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$1" || die "could not create database $1"
    PG_DROP+=("$1")
}

# --- a site on a fresh database ------------------------------------------------------------------
# SITE_DIR (data dir: SQLite database and photos), SITE_DB ("" or the PostgreSQL database),
# SITE_ARGS (the global arguments for every tribune command on it).
fresh_site() { # backend name
    local backend="$1" name="$2"
    SITE_DIR="$OUT/data-$name-$backend"
    rm -rf "$SITE_DIR"
    mkdir -p "$SITE_DIR"
    SITE_DB=""
    SITE_ARGS=(--data-dir "$SITE_DIR")
    if [ "$backend" = postgres ]; then
        SITE_DB="tribune_bench_$name"
        pg_fresh "$SITE_DB"
        SITE_ARGS=(--database "$PG_URL/$SITE_DB" --data-dir "$SITE_DIR")
    fi
}

# BENCH_NICE=-10 runs the server and the load client at that niceness (root only), so that
# compiles of other people on the same cores disturb the measurement less. PostgreSQL's backends
# keep their niceness.
NICE=()
if [ -n "${BENCH_NICE:-}" ]; then
    NICE=(nice -n "$BENCH_NICE")
fi

SERVER_PID=""
SERVER_URL=""
SERVER_PORT=""
start_server() { # logfile [serve flags...]  (on SITE_ARGS; SERVER_PORT is kept across restarts)
    local logfile="$1"; shift
    [ -n "$SERVER_PORT" ] || SERVER_PORT="$(free_port)"
    log "starting tribune on 127.0.0.1:$SERVER_PORT: ${SITE_ARGS[*]} serve $*"
    "${NICE[@]}" "$BIN" "${SITE_ARGS[@]}" serve "$@" --listen "127.0.0.1:$SERVER_PORT" >>"$logfile" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    SERVER_URL="http://127.0.0.1:$SERVER_PORT"
    if ! wait_http "$SERVER_URL/healthz" "$SERVER_PID" 120; then
        tail -n 20 "$logfile" >&2 || true
        die "tribune did not come up; see $logfile"
    fi
}
stop_server() { # [signal]
    local pid="$SERVER_PID"
    [ -n "$pid" ] || return 0
    kill "-${1:-TERM}" "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
    SERVER_PID=""
}

# Journalist accounts journalist-001@bench.tribune.invalid ... through the CLI, then logged in
# through the API: the sessions (cookies) go to FILE as JSON.
make_journalists() { # count sessions_file
    local n="$1" file="$2" i email
    local emails="$TMP/emails.txt"
    : >"$emails"
    log "creating $n journalist accounts (tribune user add --role journalist)"
    for i in $(seq 1 "$n"); do
        email="$(printf 'journalist-%03d@bench.tribune.invalid' "$i")"
        TRIBUNE_PASSWORD="$BENCH_PASSWORD" "$BIN" "${SITE_ARGS[@]}" user add --role journalist "$email" \
            >>"$TMP/user-add.log" 2>&1 || { tail -n 5 "$TMP/user-add.log" >&2; die "tribune user add $email failed"; }
        echo "$email" >>"$emails"
    done
    cp "$emails" "$OUT/journalists.txt"
}
login_all() { # sessions_file
    log "logging in every account"
    run_waited node "$CLIENT" login --base "$SERVER_URL" --emails "$OUT/journalists.txt" \
        --password "$BENCH_PASSWORD" --out "$1" || die "logging in failed"
}

# The ids and paths of the first COUNT articles on the home page (newest first).
article_paths() { # count  -> prints "/nieuws/ID-slug" lines
    curl -fsS --max-time 10 "$SERVER_URL/" | grep -o 'href="/nieuws/[0-9][^"#?]*"' \
        | sed 's/^href="//; s/"$//' | awk '!seen[$0]++' | head -n "$1"
}
path_id() { basename "$1" | cut -d- -f1; }

# --- CPU accounting --------------------------------------------------------------------------------
HZ="$(getconf CLK_TCK)"
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
proc_ticks() { # pid: utime + stime
    local stat rest
    local -a f
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || { echo 0; return; }
    rest="${stat##*) }"
    read -r -a f <<<"$rest"
    echo $(( f[11] + f[12] ))
}
# utime + stime of every PostgreSQL backend of one database (0 for SQLite). Backends that exit
# during a run take their time with them; the pool keeps its connections, so few do.
db_ticks() { # database_or_empty
    [ -n "$1" ] || { echo 0; return; }
    local main p cmd stat rest total=0
    local -a kids f
    read -r main 2>/dev/null <"$PG_DATADIR/postmaster.pid" || { echo 0; return; }
    read -r -a kids 2>/dev/null <"/proc/$main/task/$main/children" || true
    for p in "${kids[@]}"; do
        cmd=""
        IFS= read -r -d '' cmd 2>/dev/null <"/proc/$p/cmdline" || true
        case "$cmd" in *" $1 "*) ;; *) continue ;; esac
        read -r stat 2>/dev/null <"/proc/$p/stat" || continue
        rest="${stat##*) }"
        read -r -a f <<<"$rest"
        total=$(( total + f[11] + f[12] ))
    done
    echo "$total"
}
# PostgreSQL's own processes (checkpointer, WAL writer, ...) count as the database's too.
pg_aux_ticks() {
    [ -n "$1" ] || { echo 0; return; }
    local main p cmd stat rest total=0
    local -a kids f
    read -r main 2>/dev/null <"$PG_DATADIR/postmaster.pid" || { echo 0; return; }
    read -r -a kids 2>/dev/null <"/proc/$main/task/$main/children" || true
    for p in "${kids[@]}"; do
        cmd=""
        IFS= read -r -d '' cmd 2>/dev/null <"/proc/$p/cmdline" || true
        case "$cmd" in *"walwriter"*|*"checkpointer"*|*"background writer"*) ;; *) continue ;; esac
        read -r stat 2>/dev/null <"/proc/$p/stat" || continue
        rest="${stat##*) }"
        read -r -a f <<<"$rest"
        total=$(( total + f[11] + f[12] ))
    done
    echo "$total"
}
cores() { awk -v t="$1" -v s="$2" -v hz="$HZ" 'BEGIN { v = t / hz / s; if (v < 0) v = 0; printf "%.2f", v }'; }

# Other people may be compiling on the same cores: wait (up to BENCH_IDLE_BUDGET seconds in all)
# until processes other than the server use less than 0.15 core.
IDLE_BUDGET="${BENCH_IDLE_BUDGET:-120}"
wait_quiet() { # server_pid database_or_empty
    local m0 p0 m1 p1 other waited=0
    while :; do
        m0="$(machine_ticks)"; p0=$(( $(proc_ticks "$1") + $(db_ticks "$2") ))
        sleep 1
        m1="$(machine_ticks)"; p1=$(( $(proc_ticks "$1") + $(db_ticks "$2") ))
        other="$(cores $(( m1 - m0 - (p1 - p0) )) 1)"
        if awk -v o="$other" 'BEGIN { exit !(o < 0.15) }'; then
            [ "$waited" = 1 ] && log "  machine quiet again"
            return 0
        fi
        if [ "$IDLE_BUDGET" -le 0 ]; then
            log "  machine busy (other processes: $other cores); idle-wait budget spent, measuring anyway"
            return 0
        fi
        [ "$waited" = 0 ] && log "  machine busy (other processes: $other cores); waiting (budget ${IDLE_BUDGET} s)"
        waited=1
        IDLE_BUDGET=$(( IDLE_BUDGET - 2 ))
        sleep 1
    done
}

# Runs a client command while counting who used the cores: CPU_LINE gets
# "server S / PostgreSQL D / client C / else E" (cores) over the command's wall time.
measured() { # server_pid database_or_empty command...
    local pid="$1" db="$2"; shift 2
    local t0 t1 m0 m1 s0 s1 d0 d1 c0 c1 secs
    t0="$(date +%s.%N)"; m0="$(machine_ticks)"; s0="$(proc_ticks "$pid")"
    d0=$(( $(db_ticks "$db") + $(pg_aux_ticks "$db") ))
    times >"$TMP/times0"
    run_waited "${NICE[@]}" "$@" || return $?
    times >"$TMP/times1"
    t1="$(date +%s.%N)"; m1="$(machine_ticks)"; s1="$(proc_ticks "$pid")"
    d1=$(( $(db_ticks "$db") + $(pg_aux_ticks "$db") ))
    c0="$(child_ticks "$TMP/times0")"; c1="$(child_ticks "$TMP/times1")"
    secs="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
    CPU_SERVER="$(cores $(( s1 - s0 )) "$secs")"
    CPU_DB="$(cores $(( d1 - d0 )) "$secs")"
    CPU_CLIENT="$(cores $(( c1 - c0 )) "$secs")"
    CPU_ELSE="$(cores $(( (m1 - m0) - (s1 - s0) - (d1 - d0) - (c1 - c0) )) "$secs")"
    if [ -n "$db" ]; then
        CPU_LINE="server $CPU_SERVER + PostgreSQL $CPU_DB / client $CPU_CLIENT / else $CPU_ELSE"
    else
        CPU_LINE="server $CPU_SERVER / client $CPU_CLIENT / else $CPU_ELSE"
    fi
}
child_ticks() { # file with the output of `times`: children's user + system, in ticks
    awk -v hz="$HZ" 'NR == 2 {
        t = 0
        for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2] }
        printf "%.0f", t * hz }' "$1"
}

# A field of a JSON file: jget FILE 'expression on j' (node, no jq needed).
jget() { node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const v = (new Function("j", "return " + process.argv[2]))(j); console.log(typeof v === "object" ? JSON.stringify(v) : v)' "$1" "$2"; }
