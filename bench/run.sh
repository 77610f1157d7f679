#!/usr/bin/env bash
# Load benchmarks for Tribune, on SQLite and on PostgreSQL: see bench/README.md.
#
#   bench/run.sh                          # everything: ~14 min on a quiet machine, up to 2½ min
#                                         # more waiting out other load; + ~7 min the first time, to
#                                         # generate the 100,000-article databases; + the build
#   CARGO_TARGET_DIR=/elsewhere bench/run.sh
#   BENCH_BACKENDS=sqlite bench/run.sh    # one backend only ("sqlite postgres" by default)
#   BENCH_REGENERATE=1 bench/run.sh       # rebuild the 1,000/100,000-article databases (both backends)
#   BENCH_DURATION=10s BENCH_WARMUP=2s BENCH_CONNECTIONS=64 BENCH_THREADS=2 (defaults)
#   BENCH_SCALE_ROUNDS=3                  # alternating rounds of the 1,000/100,000 comparison
#   BENCH_PG_SCALE_ROUNDS=3               # the same on PostgreSQL (default: BENCH_SCALE_ROUNDS)
#   BENCH_IDLE_BUDGET=150                 # seconds the script may spend waiting out other load
#
# Needs: cargo, wrk, nginx, curl; for PostgreSQL also psql, createdb, dropdb, pg_isready and a
# server on 127.0.0.1:5432 where user postgres may connect without a password (started with
# pg_ctlcluster if it is down, and then stopped again at the end). Only ever talks to 127.0.0.1.
# Prints Markdown tables on stdout and writes them to bench/out/results.md; progress goes to
# stderr. Every process it starts is stopped on exit (trap), whatever happens.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
OUT="$BENCH_DIR/out"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET_DIR/release/tribune"
DURATION="${BENCH_DURATION:-10s}"
CONNECTIONS="${BENCH_CONNECTIONS:-64}"
THREADS="${BENCH_THREADS:-2}"
WARMUP="${BENCH_WARMUP:-2s}"
case "$DURATION" in
    *s) DURATION_S="${DURATION%s}" ;;
    *m) DURATION_S=$(( ${DURATION%m} * 60 )) ;;
    *) DURATION_S="$DURATION" ;;
esac
SMALL=1000
ROUNDS="${BENCH_SCALE_ROUNDS:-3}"
PG_ROUNDS="${BENCH_PG_SCALE_ROUNDS:-$ROUNDS}"
LARGE=100000
PG_HOST=127.0.0.1
PG_PORT=5432
PG_USER=postgres
PG_URL="postgres://$PG_USER@$PG_HOST:$PG_PORT"
PG_PREFIX=tribune_bench_ # databases: tribune_bench_demo, tribune_bench_1000, tribune_bench_100000
# The servers get their settings from the command line only.
unset TRIBUNE_DATABASE TRIBUNE_DATA_DIR TRIBUNE_MEDIA_DIR TRIBUNE_LISTEN TRIBUNE_DEMO TRIBUNE_NO_PAGE_CACHE

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Backends to measure, in a fixed order (SQLite first: nginx serves the first backend's bytes).
HAS_SQLITE=0 HAS_PG=0
for b in ${BENCH_BACKENDS-sqlite postgres}; do
    case "$b" in
        sqlite) HAS_SQLITE=1 ;;
        postgres|postgresql|pg) HAS_PG=1 ;;
        *) die "BENCH_BACKENDS: unknown backend '$b' (use sqlite and/or postgres)" ;;
    esac
done
BACKENDS=""
[ "$HAS_SQLITE" = 1 ] && BACKENDS="sqlite"
[ "$HAS_PG" = 1 ] && BACKENDS="${BACKENDS:+$BACKENDS }postgres"
[ -n "$BACKENDS" ] || die "BENCH_BACKENDS is empty (use sqlite and/or postgres)"
FIRST_BACKEND="${BACKENDS%% *}"
backend_label() { case "$1" in sqlite) echo SQLite ;; postgres) echo PostgreSQL ;; esac; }
backend_rounds() { if [ "$1" = postgres ]; then echo "$PG_ROUNDS"; else echo "$ROUNDS"; fi; }

for tool in cargo wrk nginx curl awk; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (apt-get install -y wrk nginx curl)"
done
if [ "$HAS_PG" = 1 ]; then
    for tool in psql createdb dropdb pg_isready; do
        command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found (apt-get install -y postgresql-client)"
    done
fi

# --- cleanup: every process this script starts is recorded here and stopped on exit ---------
PIDS=()
PG_STARTED=0
PG_CLUSTER=""
TMP="$(mktemp -d /tmp/tribune-bench.XXXXXX)"
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    local pid
    for pid in "${PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            # The process group, for commands run_waited started in their own; else the process.
            kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
        fi
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
    # A PostgreSQL cluster this script started (it was down) is stopped again, after the servers.
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

# Drops a finished process from PIDS, so cleanup never signals a recycled PID.
forget_pid() {
    local p kept=()
    for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || kept+=("$p"); done
    PIDS=("${kept[@]}")
}

# Stops one process we started: SIGTERM, then SIGKILL after 10 s. (Not SIGINT: background jobs of
# a non-interactive bash start with SIGINT and SIGQUIT ignored.)
stop_pid() {
    local pid="$1" signal="${2:-TERM}"
    kill -0 "$pid" 2>/dev/null || return 0
    kill "-$signal" "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid did not stop after SIG$signal; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    forget_pid "$pid"
}

# Runs a command in the background, in its own process group, and waits for it: a signal to this
# script is then handled at once (bash runs traps only between foreground commands), and cleanup
# stops the command with everything it started (cargo's rustc processes).
run_waited() {
    setsid "$@" &
    local pid=$! status=0
    PIDS+=("$pid")
    wait "$pid" || status=$?
    forget_pid "$pid"
    return "$status"
}

free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
        return
    fi
    local p
    for _ in $(seq 1 100); do
        p=$(( 20000 + RANDOM % 30000 ))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return
        fi
    done
    die "no free port found"
}

wait_http() { # url pid seconds
    local url="$1" pid="$2" limit="${3:-120}"
    for _ in $(seq 1 $(( limit * 10 ))); do
        if curl -fsS --max-time 2 -o /dev/null "$url" 2>/dev/null; then return 0; fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# --- Tribune server ---------------------------------------------------------------------------
SERVER_PID=""
SERVER_URL=""
SERVER_DB="" # the PostgreSQL database the server uses; empty for SQLite (DATA_DIR/tribune.db)
declare -A IDLE_CPU
start_tribune() { # name pg_database_or_empty data_dir [serve flags...]
    local name="$1" db="$2" dir="$3"; shift 3
    local port; port="$(free_port)"
    local logfile="$OUT/server-$name.log"
    local -a database=()
    [ -n "$db" ] && database=(--database "$PG_URL/$db")
    log "starting tribune ($name) on 127.0.0.1:$port: ${database[*]}${database[*]:+ }--data-dir ${dir#"$ROOT"/} serve $*"
    "$BIN" "${database[@]}" --data-dir "$dir" serve "$@" --listen "127.0.0.1:$port" >"$logfile" 2>&1 &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    SERVER_URL="http://127.0.0.1:$port"
    SERVER_DB="$db"
    if ! wait_http "$SERVER_URL/healthz" "$SERVER_PID" 180; then
        tail -n 20 "$logfile" >&2 || true
        die "tribune ($name) did not come up; see $logfile"
    fi
    IDLE_CPU[$name]="$(idle_cpu_pct "$SERVER_PID" 3 "$db")"
    log "  idle CPU over 3 s: ${IDLE_CPU[$name]} % of a core"
}

# --- PostgreSQL ---------------------------------------------------------------------------------
pg() { # psql against the local server as postgres; -d DB among the arguments
    psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -X -q -v ON_ERROR_STOP=1 "$@"
}
ensure_postgres() {
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
    PG_SHARED_BUFFERS="$(pg -d postgres -Atc 'SHOW shared_buffers')"
    PG_DATADIR="$(pg -d postgres -Atc 'SHOW data_directory')"
    PG_MAIN_PID="$(head -n 1 "$PG_DATADIR/postmaster.pid" 2>/dev/null)" || true
    [ -n "$PG_MAIN_PID" ] && [ -d "/proc/$PG_MAIN_PID" ] \
        || die "cannot find the PostgreSQL postmaster (for its CPU figures) in $PG_DATADIR/postmaster.pid"
}
# The comment on a database ("" when there is none or no such database): generated databases
# are marked complete there, next to the .complete file of their data directory.
pg_db_comment() { # database
    pg -d postgres -Atc "SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database WHERE datname = '$1'"
}
pg_recreate() { # database
    PGOPTIONS="-c client_min_messages=warning" dropdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" --if-exists --force "$1"
    createdb -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$1"
}

# VmHWM (peak resident set) of a running process, in MB.
peak_mb() {
    awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"
}

# The first article link on a home page.
first_article_path() { # base_url
    local href
    href="$(curl -fsS --max-time 10 "$1/" | grep -o 'href="/nieuws/[^"]*"' | head -n 1 | sed 's/^href="//; s/"$//')" || true
    [ -n "$href" ] || die "no /nieuws/ link on $1/"
    echo "$href"
}

check_200() { # url
    local code
    code="$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$1")" || die "cannot fetch $1"
    [ "$code" = 200 ] || die "$1 answered HTTP $code, not 200"
}

# --- wrk ----------------------------------------------------------------------------------------
RESULTS="$TMP/results.tsv" # see get() for the columns
: >"$RESULTS"

# wrk prints latencies as 812.00us / 1.23ms / 2.01s / 1.00m; this turns them into ms.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v; sub(/[a-z]+$/, "", n); u = v; sub(/^[0-9.]+/, "", u);
        f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : -1;
        if (f < 0) { print "?"; exit }
        printf "%.2f", n * f }'
}

# --- CPU accounting: who used the two cores during a run -------------------------------------
HZ="$(getconf CLK_TCK)"
now_s() { date +%s.%N; }
# Busy ticks of the whole machine (user + nice + system + irq + softirq).
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
# utime + stime of a process and its direct children (nginx's workers), in ticks.
proc_ticks() {
    local total=0 p stat rest
    local -a f
    for p in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do
        stat="$(cat "/proc/$p/stat" 2>/dev/null)" || continue
        rest="${stat##*) }"
        read -r -a f <<<"$rest"
        total=$(( total + f[11] + f[12] ))
    done
    echo "$total"
}
# utime + stime of the PostgreSQL backends connected to one database, in ticks (0 for SQLite).
# Backends are children of the postmaster; their process title names user and database:
# "postgres: 15/main: postgres tribune_bench_1000 127.0.0.1(51234) idle". Good for idle
# periods; during a run, see db_sampler.
pg_backends() { # database: prints "pid ticks" for each of its backends
    local db="$1" main="" p cmd stat rest
    local -a kids f
    # Read each time: someone else may restart PostgreSQL during the run.
    read -r main 2>/dev/null <"$PG_DATADIR/postmaster.pid" || true
    [ -n "$main" ] || return 0
    read -r -a kids 2>/dev/null <"/proc/$main/task/$main/children" || true
    for p in "${kids[@]}"; do
        cmd=""
        IFS= read -r -d '' cmd 2>/dev/null <"/proc/$p/cmdline" || true
        case "$cmd" in *" $db "*) ;; *) continue ;; esac
        read -r stat 2>/dev/null <"/proc/$p/stat" || continue
        rest="${stat##*) }"
        read -r -a f <<<"$rest"
        echo "$p $(( f[11] + f[12] ))"
    done
}
db_ticks() { # database_or_empty
    if [ -z "$1" ]; then echo 0; return; fi
    pg_backends "$1" | awk '{ t += $2 } END { print t + 0 }'
}
# A backend's CPU time goes with it when it exits, and backends do exit at the end of every
# run: when wrk closes its connections, the requests in flight are dropped, and the pool
# discards the connections whose queries were cancelled. So during a run the backends are
# sampled every 0.2 s until STOPFILE exists (then once more), and OUTFILE gets the ticks they
# used since the first sample: per backend, its last value seen minus its first (0 for one
# that connected later). What a backend used in its last 0.2 s before exiting is missed.
db_sampler() { # database stopfile outfile readyfile
    local db="$1" stop="$2" out="$3" ready="$4" first=1 stopping p t total=0
    local -A base=() last=()
    while :; do
        stopping=0
        [ -e "$stop" ] && stopping=1
        while read -r p t; do
            if [ "$first" = 1 ]; then base[$p]="$t"; fi
            last[$p]="$t"
        done < <(pg_backends "$db")
        if [ "$first" = 1 ]; then first=0; : >"$ready"; fi
        [ "$stopping" = 1 ] && break
        sleep 0.2
    done
    for p in "${!last[@]}"; do total=$(( total + last[$p] - ${base[$p]:-0} )); done
    # And the sampler's own CPU (with its sleeps and subshells), which is the harness's.
    local stat rest
    local -a f
    read -r stat <"/proc/$BASHPID/stat"
    rest="${stat##*) }"
    read -r -a f <<<"$rest"
    echo "$total $(( f[11] + f[12] + f[13] + f[14] ))" >"$out"
}
SAMPLER_PID=""
start_db_sampler() { # database_or_empty
    SAMPLER_PID=""
    [ -n "$1" ] || return 0
    rm -f "$TMP/sampler.stop" "$TMP/sampler.out" "$TMP/sampler.ready"
    db_sampler "$1" "$TMP/sampler.stop" "$TMP/sampler.out" "$TMP/sampler.ready" &
    SAMPLER_PID=$!
    PIDS+=("$SAMPLER_PID")
    local i
    for i in $(seq 1 100); do
        [ -e "$TMP/sampler.ready" ] && return 0
        sleep 0.05
    done
    die "the PostgreSQL CPU sampler did not start"
}
DB_TICKS=0
SAMPLER_TICKS=0
stop_db_sampler() { # the ticks into DB_TICKS and SAMPLER_TICKS (in this shell: the sampler is its child)
    DB_TICKS=0 SAMPLER_TICKS=0
    [ -n "$SAMPLER_PID" ] || return 0
    : >"$TMP/sampler.stop"
    wait "$SAMPLER_PID" || true
    forget_pid "$SAMPLER_PID"
    SAMPLER_PID=""
    read -r DB_TICKS SAMPLER_TICKS 2>/dev/null <"$TMP/sampler.out" || true
    DB_TICKS="${DB_TICKS:-0}" SAMPLER_TICKS="${SAMPLER_TICKS:-0}"
}
# The server and, on PostgreSQL, its database's backends.
own_ticks() { # server_pid database_or_empty
    echo $(( $(proc_ticks "$1") + $(db_ticks "$2") ))
}
# CPU of this shell's finished children (wrk), in ticks, into CHILD_TICKS. From bash's `times`,
# which must run in this shell itself (a subshell starts with zero child times).
children_ticks() {
    times >"$TMP/times"
    CHILD_TICKS="$(awk -v hz="$HZ" 'NR == 2 {
        t = 0
        for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2] }
        printf "%.0f", t * hz }' "$TMP/times")"
}
cores() { # ticks seconds
    awk -v t="$1" -v s="$2" -v hz="$HZ" 'BEGIN { v = t / hz / s; if (v < 0) v = 0; printf "%.2f", v }'
}

# Another engineer may be compiling on the same two cores: before each run, wait until processes
# other than the server (and its PostgreSQL backends) use less than 0.15 core, and measure again (up to 3 attempts) when they
# used 0.1 core or more during the run; all within BENCH_IDLE_BUDGET seconds for the whole script.
# The "else" CPU figure of the kept attempt is reported either way.
IDLE_BUDGET="${BENCH_IDLE_BUDGET:-150}"
wait_quiet() { # server_pid database_or_empty
    local m0 p0 m1 p1 other waited=0
    while :; do
        m0="$(machine_ticks)"; p0="$(own_ticks "$1" "$2")"
        sleep 1
        m1="$(machine_ticks)"; p1="$(own_ticks "$1" "$2")"
        other="$(cores $(( m1 - m0 - (p1 - p0) )) 1)"
        if awk -v o="$other" 'BEGIN { exit !(o < 0.15) }'; then break; fi
        if [ "$IDLE_BUDGET" -le 0 ]; then
            log "  machine busy (other processes: $other cores); idle-wait budget spent, measuring anyway"
            break
        fi
        [ "$waited" = 0 ] && log "  machine busy (other processes: $other cores); waiting"
        waited=1
        IDLE_BUDGET=$(( IDLE_BUDGET - 2 ))
        sleep 1
    done
}

# Idle CPU of a freshly started server (its background work: the change follower), with its
# PostgreSQL backends.
idle_cpu_pct() { # pid seconds database_or_empty
    local p0 p1
    p0="$(own_ticks "$1" "$3")"; sleep "$2"; p1="$(own_ticks "$1" "$3")"
    awk -v t=$(( p1 - p0 )) -v s="$2" -v hz="$HZ" 'BEGIN { printf "%.1f", 100 * t / hz / s }'
}

# One measurement: warm-up, then wrk with --latency; raw output kept in bench/out/wrk-ID.txt.
# On PostgreSQL the CPU of the database's backends is measured too, apart from the server's.
measure() { # id url pid [database]
    local id="$1" url="$2" pid="$3" db="${4:-}" raw="$OUT/wrk-$1.txt"
    check_200 "$url"
    local attempt t0 m0 s0 d0 w0 t1 m1 s1 d1 w1 secs server_cpu db_cpu wrk_cpu other_cpu
    local rps p50 p99 non2xx sockerr requests
    for attempt in 1 2 3; do
        wait_quiet "$pid" "$db"
        run_waited wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$url" >/dev/null 2>&1 || true
        log "wrk $id: $url ($DURATION, $CONNECTIONS connections)"
        start_db_sampler "$db"
        children_ticks; w0="$CHILD_TICKS"; t0="$(now_s)"; m0="$(machine_ticks)"; s0="$(proc_ticks "$pid")"
        run_waited wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$raw" 2>&1 \
            || die "wrk failed for $id; see $raw"
        t1="$(now_s)"; m1="$(machine_ticks)"; s1="$(proc_ticks "$pid")"; children_ticks; w1="$CHILD_TICKS"
        stop_db_sampler; d0=0; d1="$DB_TICKS"; w1=$(( w1 + SAMPLER_TICKS ))
        secs="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
        server_cpu="$(cores $(( s1 - s0 )) "$secs")"
        db_cpu="$(cores $(( d1 - d0 )) "$secs")"
        wrk_cpu="$(cores $(( w1 - w0 )) "$secs")"
        other_cpu="$(cores $(( (m1 - m0) - (s1 - s0) - (d1 - d0) - (w1 - w0) )) "$secs")"

        rps="$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$raw")"
        p50="$(to_ms "$(awk '$1 == "50%" { print $2 }' "$raw")")"
        p99="$(to_ms "$(awk '$1 == "99%" { print $2 }' "$raw")")"
        non2xx="$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$raw")"
        sockerr="$(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$raw")"
        requests="$(awk '/requests in/ { print $1 }' "$raw")"
        [ -n "$rps" ] || die "could not read wrk output for $id; see $raw"
        log "  -> ${rps} req/s, p50 ${p50} ms, p99 ${p99} ms, non-2xx/3xx ${non2xx:-0}, socket errors ${sockerr:-0};" \
            "CPU cores: server $server_cpu${db:+, PostgreSQL $db_cpu}, wrk $wrk_cpu, other $other_cpu"
        # Someone else used the cores during the run: measure again, while the idle budget lasts.
        if awk -v o="$other_cpu" 'BEGIN { exit !(o >= 0.10) }' && [ "$IDLE_BUDGET" -gt 0 ] && [ "$attempt" -lt 3 ]; then
            log "  other processes used $other_cpu cores during this run; measuring again"
            IDLE_BUDGET=$(( IDLE_BUDGET - DURATION_S ))
            continue
        fi
        break
    done
    local us_per_request db_us_per_request bytes_per_response
    # "17738 requests in 10.01s, 480.83MB read" (wrk's units are powers of 1024)
    bytes_per_response="$(awk '/requests in/ {
        v = $(NF - 1); n = v; sub(/[A-Za-z]+$/, "", n); u = v; sub(/^[0-9.]+/, "", u)
        f = (u == "B") ? 1 : (u == "KB") ? 1024 : (u == "MB") ? 1048576 : (u == "GB") ? 1073741824 : (u == "TB") ? 1099511627776 : 0
        if ($1 + 0 > 0 && f > 0) printf "%.0f", n * f / $1; else print "?" }' "$raw")"
    # Server CPU per request includes, on PostgreSQL, the database backends' CPU (SQLite's work
    # is inside the server process); the PostgreSQL part is kept apart too.
    us_per_request="$(awk -v t=$(( s1 - s0 + d1 - d0 )) -v n="$requests" -v hz="$HZ" \
        'BEGIN { if (n + 0 > 0) printf "%.0f", t / hz * 1e6 / n; else print "?" }')"
    db_us_per_request="-"
    if [ -n "$db" ]; then
        db_us_per_request="$(awk -v t=$(( d1 - d0 )) -v n="$requests" -v hz="$HZ" \
            'BEGIN { if (n + 0 > 0) printf "%.0f", t / hz * 1e6 / n; else print "?" }')"
    else
        db_cpu="-"
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$id" "$rps" "$p50" "$p99" "${non2xx:-0}" \
        "${sockerr:-0}" "${requests:-?}" "$server_cpu" "$wrk_cpu" "$other_cpu" "$attempt" "$us_per_request" "$bytes_per_response" \
        "$db_cpu" "$db_us_per_request" >>"$RESULTS"
}

get() { # id column(2=rps 3=p50 4=p99 5=non2xx 6=sockerr 7=requests 8=server_cpu 9=wrk_cpu 10=other_cpu 11=attempts 12=server_cpu_us_per_request (incl. PostgreSQL) 13=bytes_per_response 14=postgres_cpu 15=postgres_cpu_us_per_request; "-" for SQLite)
    awk -F'\t' -v id="$1" -v c="$2" '$1 == id { print $c; found = 1 } END { if (!found) print "?" }' "$RESULTS"
}

# ================================================================================================
START_TIME=$(date +%s)
mkdir -p "$OUT"
rm -f "$OUT"/wrk-*.txt "$OUT"/server-*.log "$OUT"/nginx.log "$OUT"/body-*.html # this run's only
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

log "building release binary (target dir: $TARGET_DIR)"
run_waited env CARGO_TARGET_DIR="$TARGET_DIR" cargo build --manifest-path "$ROOT/Cargo.toml" --release -p tribune >&2
[ -x "$BIN" ] || die "no binary at $BIN"
# What was built (another engineer may be changing crates/ meanwhile).
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git -C "$ROOT" status --porcelain -- crates Cargo.toml Cargo.lock 2>/dev/null)" ]; then
    commit="$commit + uncommitted changes"
fi

# --- data ---------------------------------------------------------------------------------------
# SQLite: bench/out/data-demo (made afresh by the first server, `serve --demo`) and data-N.
# PostgreSQL: databases tribune_bench_demo (dropped and made afresh each run, loaded the same way)
# and tribune_bench_N, with their photos in bench/out/pg-demo/media and pg-N/media.
DEMO_DIR="$OUT/data-demo"
PG_DEMO_DIR="$OUT/pg-demo"
PG_DEMO_DB="${PG_PREFIX}demo"
demo_dir() { if [ "$1" = postgres ]; then echo "$PG_DEMO_DIR"; else echo "$DEMO_DIR"; fi; }
demo_db() { if [ "$1" = postgres ]; then echo "$PG_DEMO_DB"; fi; }
scale_dir() { if [ "$1" = postgres ]; then echo "$OUT/pg-$2"; else echo "$OUT/data-$2"; fi; }
scale_db() { if [ "$1" = postgres ]; then echo "$PG_PREFIX$2"; fi; }

# Databases with generated articles are made once and reused (".complete" marks a finished one).
prepare_scale() { # count
    local n="$1" dir="$OUT/data-$1"
    if [ "${BENCH_REGENERATE:-0}" = 1 ]; then rm -rf "$dir"; fi
    if [ -f "$dir/.complete" ]; then
        log "reusing $dir"
        return
    fi
    rm -rf "$dir" "$dir.partial"
    log "generating the demo newsroom + $n articles into $dir (takes a while for large n)"
    local t0; t0=$(date +%s)
    run_waited "$BIN" --data-dir "$dir.partial" demo --articles "$n" >"$OUT/generate-$n.log" 2>&1 \
        || { tail -n 20 "$OUT/generate-$n.log" >&2; die "generating $n articles failed"; }
    date -u +%FT%TZ >"$dir.partial/.complete"
    mv "$dir.partial" "$dir"
    log "  generated in $(( $(date +%s) - t0 )) s"
}

# The same on PostgreSQL: reused while bench/out/pg-N/.complete exists and the database still
# carries the comment written when its generation finished.
PG_COMPLETE="tribune bench data complete"
prepare_pg_scale() { # count
    local n="$1" dir="$OUT/pg-$1" db="$PG_PREFIX$1"
    if [ "${BENCH_REGENERATE:-0}" = 1 ]; then rm -rf "$dir"; fi
    if [ -f "$dir/.complete" ]; then
        case "$(pg_db_comment "$db")" in
            "$PG_COMPLETE"*) log "reusing PostgreSQL database $db (photos in $dir)"; return ;;
            *) log "$dir/.complete exists, but database $db is missing or unfinished: generating it again" ;;
        esac
    fi
    rm -rf "$dir" "$dir.partial"
    log "generating the demo newsroom + $n articles into PostgreSQL database $db (takes a while for large n)"
    local t0; t0=$(date +%s)
    pg_recreate "$db"
    run_waited "$BIN" --database "$PG_URL/$db" --data-dir "$dir.partial" demo --articles "$n" \
        >"$OUT/generate-pg-$n.log" 2>&1 \
        || { tail -n 20 "$OUT/generate-pg-$n.log" >&2; die "generating $n articles on PostgreSQL failed"; }
    # Statistics and visibility map now, rather than autovacuum doing it during a measurement.
    log "  VACUUM ANALYZE $db"
    run_waited psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -X -q -v ON_ERROR_STOP=1 -d "$db" \
        -c 'VACUUM (ANALYZE)' >&2 || die "VACUUM ANALYZE of $db failed"
    local stamp; stamp="$(date -u +%FT%TZ)"
    pg -d postgres -c "COMMENT ON DATABASE $db IS '$PG_COMPLETE $stamp'"
    echo "$stamp $db" >"$dir.partial/.complete"
    mv "$dir.partial" "$dir"
    log "  generated in $(( $(date +%s) - t0 )) s ($(pg -d postgres -Atc "SELECT pg_size_pretty(pg_database_size('$db'))"))"
}

if [ "$HAS_SQLITE" = 1 ]; then
    rm -rf "$DEMO_DIR"
    prepare_scale "$SMALL"
    prepare_scale "$LARGE"
fi
if [ "$HAS_PG" = 1 ]; then
    ensure_postgres
    log "PostgreSQL $PG_VERSION on $PG_HOST:$PG_PORT (postmaster pid $PG_MAIN_PID)"
    rm -rf "$PG_DEMO_DIR"
    pg_recreate "$PG_DEMO_DB"
    prepare_pg_scale "$SMALL"
    prepare_pg_scale "$LARGE"
fi

WEB="$TMP/www"
mkdir -p "$WEB/nieuws"

# --- 1. demo newsroom, page cache on, and nginx with the same bytes -----------------------------
# Each backend's first server loads the demo (`serve --demo`); nginx then serves the bytes the
# first backend's server sent.
declare -A ARTICLE_OF HOME_BYTES_OF ARTICLE_BYTES_OF MEM
for b in $BACKENDS; do
    start_tribune "$b-demo-cache" "$(demo_db "$b")" "$(demo_dir "$b")" --demo
    if [ "$b" = postgres ]; then
        # As autovacuum would within a minute of the load: planner statistics for the demo.
        pg -d "$PG_DEMO_DB" -c 'ANALYZE'
    fi
    ARTICLE_OF[$b]="$(first_article_path "$SERVER_URL")"
    log "article page ($(backend_label "$b")): ${ARTICLE_OF[$b]}"
    # Warm the cache, then keep the very bytes the server sends.
    curl -fsS --max-time 10 -o /dev/null "$SERVER_URL/"
    curl -fsS --max-time 10 -o /dev/null "$SERVER_URL${ARTICLE_OF[$b]}"
    curl -fsS --max-time 10 -o "$OUT/body-$b-home.html" "$SERVER_URL/"
    curl -fsS --max-time 10 -o "$OUT/body-$b-article.html" "$SERVER_URL${ARTICLE_OF[$b]}"
    HOME_BYTES_OF[$b]=$(wc -c <"$OUT/body-$b-home.html")
    ARTICLE_BYTES_OF[$b]=$(wc -c <"$OUT/body-$b-article.html")
    measure "$b-demo-cache-home" "$SERVER_URL/" "$SERVER_PID" "$SERVER_DB"
    measure "$b-demo-cache-article" "$SERVER_URL${ARTICLE_OF[$b]}" "$SERVER_PID" "$SERVER_DB"
    MEM[$b-demo-cache]="$(peak_mb "$SERVER_PID")"
    stop_pid "$SERVER_PID"
done
ARTICLE="${ARTICLE_OF[$FIRST_BACKEND]}"
ARTICLE_FILE="${ARTICLE#/nieuws/}"
case "$ARTICLE_FILE" in */*|'') die "unexpected article path $ARTICLE" ;; esac
cp "$OUT/body-$FIRST_BACKEND-home.html" "$WEB/index.html"
cp "$OUT/body-$FIRST_BACKEND-article.html" "$WEB/nieuws/$ARTICLE_FILE"
# Do both backends send the same bodies? (Text that depends on the time of the demo load may differ.)
SAME_BYTES=""
if [ "$HAS_SQLITE" = 1 ] && [ "$HAS_PG" = 1 ]; then
    SAME_BYTES="home: $(cmp -s "$OUT/body-sqlite-home.html" "$OUT/body-postgres-home.html" && echo identical || echo different)"
    SAME_BYTES="$SAME_BYTES, article: $(cmp -s "$OUT/body-sqlite-article.html" "$OUT/body-postgres-article.html" && echo identical || echo different) (bench/out/body-*.html)"
fi

NGINX_PORT="$(free_port)"
chmod 755 "$TMP"; chmod -R a+rX "$WEB" # nginx workers may run as another user
mkdir -p "$TMP/nginx"
cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    # Keep the two files' descriptors open, as a tuned static server would (~15-30 % more req/s).
    open_file_cache max=1000 inactive=60s;
    open_file_cache_valid 60s;
    client_body_temp_path $TMP/nginx/body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    types { }
    default_type "text/html; charset=utf-8";
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $WEB;
        index index.html;
    }
}
EOF
log "starting nginx on 127.0.0.1:$NGINX_PORT"
nginx -p "$TMP/nginx" -e "$TMP/nginx/error.log" -c "$TMP/nginx/nginx.conf" -g 'daemon off;' \
    >"$OUT/nginx.log" 2>&1 &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
NGINX_URL="http://127.0.0.1:$NGINX_PORT"
wait_http "$NGINX_URL/" "$NGINX_PID" 30 || { cat "$OUT/nginx.log" "$TMP/nginx/error.log" >&2 || true; die "nginx did not come up"; }
cmp -s <(curl -fsS "$NGINX_URL$ARTICLE") "$WEB/nieuws/$ARTICLE_FILE" || die "nginx does not serve the saved article bytes"
measure nginx-home "$NGINX_URL/" "$NGINX_PID"
measure nginx-article "$NGINX_URL$ARTICLE" "$NGINX_PID"
stop_pid "$NGINX_PID"

# --- 2. demo newsroom, page cache off ---------------------------------------------------------
for b in $BACKENDS; do
    start_tribune "$b-demo-nocache" "$(demo_db "$b")" "$(demo_dir "$b")" --no-page-cache
    measure "$b-demo-nocache-home" "$SERVER_URL/" "$SERVER_PID" "$SERVER_DB"
    measure "$b-demo-nocache-article" "$SERVER_URL${ARTICLE_OF[$b]}" "$SERVER_PID" "$SERVER_DB"
    MEM[$b-demo-nocache]="$(peak_mb "$SERVER_PID")"
    stop_pid "$SERVER_PID"
done

# --- 3. how cost grows: 1,000 vs 100,000 generated articles ---------------------------------------
# Per backend, both sizes are served at once (an idle server costs nothing) and measured
# alternately, in BENCH_SCALE_ROUNDS (PostgreSQL: BENCH_PG_SCALE_ROUNDS) rounds, order flipped every
# round, so that drift of the machine hits both alike; the report compares the medians.
declare -A SCALE_ARTICLE SCALE_PID SCALE_URL SCALE_DB
for b in $BACKENDS; do
    for mode in nocache cache; do
        for n in "$SMALL" "$LARGE"; do
            flags=(); [ "$mode" = nocache ] && flags=(--no-page-cache)
            start_tribune "$b-$n-$mode" "$(scale_db "$b" "$n")" "$(scale_dir "$b" "$n")" "${flags[@]}"
            SCALE_PID[$n]="$SERVER_PID"
            SCALE_URL[$n]="$SERVER_URL"
            SCALE_DB[$n]="$SERVER_DB"
            SCALE_ARTICLE[$b-$n]="$(first_article_path "$SERVER_URL")"
        done
        for page in home article; do
            for round in $(seq 1 "$(backend_rounds "$b")"); do
                order="$SMALL $LARGE"; [ $(( round % 2 )) = 0 ] && order="$LARGE $SMALL"
                for n in $order; do
                    path=/; [ "$page" = article ] && path="${SCALE_ARTICLE[$b-$n]}"
                    measure "$b-$n-$mode-$page-$round" "${SCALE_URL[$n]}$path" "${SCALE_PID[$n]}" "${SCALE_DB[$n]}"
                done
            done
        done
        for n in "$SMALL" "$LARGE"; do
            MEM[$b-$n-$mode]="$(peak_mb "${SCALE_PID[$n]}")"
            stop_pid "${SCALE_PID[$n]}"
        done
    done
done

LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
ELAPSED=$(( $(date +%s) - START_TIME ))

# ================================================================================================
# Report
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || a == "?" || b == "?") print "?"; else printf "%.2f", a / b }'; }
verdict_ge() { awk -v r="$1" -v t="$2" 'BEGIN { if (r == "?") print "?"; else print (r + 0 >= t) ? "met" : "**missed**" }'; }
verdict_le() { awk -v r="$1" -v t="$2" 'BEGIN { if (r == "?") print "?"; else print (r + 0 <= t) ? "met" : "**missed**" }'; }

errors_cell() { # id
    local n s; n="$(get "$1" 5)"; s="$(get "$1" 6)"
    if [ "$n" = 0 ] && [ "$s" = 0 ]; then echo "0"; else echo "non-2xx/3xx $n, socket $s"; fi
}
# "else" CPU, plus which attempt was kept when a disturbed run was measured again.
else_cell() {
    local n; n="$(get "$1" 11)"
    if [ "$n" = 1 ]; then get "$1" 10; else echo "$(get "$1" 10) (try $n)"; fi
}
# Median of one column over the rounds of a scale measurement (ids PREFIX-1, PREFIX-2, ...).
median() { # prefix column
    awk -F'	' -v pre="$1-" -v c="$2"         'index($1, pre) == 1 && substr($1, length(pre) + 1) ~ /^[0-9]+$/ && $c != "?" { print $c }' "$RESULTS"         | sort -g | awk '{ v[NR] = $1 } END {
            if (NR == 0) { print "?"; exit }
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf fmt, m }' fmt="$( [ "$2" = 3 ] || [ "$2" = 4 ] && echo '%.2f' || echo '%.0f')"
}
total_errors() { # prefix
    awk -F'	' -v pre="$1-" 'index($1, pre) == 1 && substr($1, length(pre) + 1) ~ /^[0-9]+$/ { n += $5 + $6 }
        END { print n + 0 }' "$RESULTS"
}
# "server / wrk / else", on PostgreSQL "server + PostgreSQL backends / wrk / else".
cpu_cell() {
    local d; d="$(get "$1" 14)"
    if [ "$d" = - ] || [ "$d" = "?" ]; then
        echo "$(get "$1" 8) / $(get "$1" 9) / $(else_cell "$1")"
    else
        echo "$(get "$1" 8) + $d / $(get "$1" 9) / $(else_cell "$1")"
    fi
}
# Server CPU per request; on PostgreSQL the total, with the backends' part in parentheses.
us_cell() {
    local d; d="$(get "$1" 15)"
    if [ "$d" = - ] || [ "$d" = "?" ]; then get "$1" 12; else echo "$(get "$1" 12) (PG $d)"; fi
}
us_median_cell() { # prefix backend
    if [ "$2" = postgres ]; then echo "$(median "$1" 12) (PG $(median "$1" 15))"; else median "$1" 12; fi
}
# WARN/ERROR lines in the server logs of this run (colour codes stripped).
log_problems() {
    local f n out=""
    for f in "$OUT"/server-*.log; do
        [ -f "$f" ] || continue
        n="$(sed 's/\x1b\[[0-9;]*m//g' "$f" | grep -c -E '^[^ ]+ +(WARN|ERROR) ' || true)"
        [ "$n" = 0 ] || out="$out${out:+, }$(basename "$f"): $n"
    done
    echo "${out:-none}"
}

cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
mem="$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
cp "$RESULTS" "$OUT/results.tsv"

{
    echo "## Tribune load benchmark — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- Machine: $(nproc) CPUs ($cpu), $mem RAM, $(uname -sr)"
    echo "- Build: release, commit $commit; wrk $(wrk -v 2>&1 | awk 'NR == 1 { print $2 }'), $(nginx -v 2>&1 | sed 's/^nginx version: //')"
    echo "- Backends: $(for b in $BACKENDS; do printf '%s ' "$(backend_label "$b")"; done | sed 's/ $//; s/ / and /')"
    if [ "$HAS_PG" = 1 ]; then
        echo "- PostgreSQL $PG_VERSION on $PG_HOST:$PG_PORT (shared_buffers $PG_SHARED_BUFFERS), same machine and cores; Tribune keeps a pool of up to 16 connections per server"
    fi
    echo "- Load: \`wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency URL\` (keep-alive), after a $WARMUP warm-up;" \
         "load generator and server share the same $(nproc) cores"
    echo "- Load average before/after: $LOAD_BEFORE / $LOAD_AFTER; run took ${ELAPSED} s"
    echo "- nginx: worker_processes auto ($(nproc)), access_log off, sendfile, open_file_cache, keepalive_requests 1000000;" \
         "serves the very body bytes Tribune ($(backend_label "$FIRST_BACKEND")) sent, with its own (fewer) headers"
    for b in $BACKENDS; do
        echo "- Pages ($(backend_label "$b")): home \`/\` (${HOME_BYTES_OF[$b]} bytes of body), article \`${ARTICLE_OF[$b]}\` (${ARTICLE_BYTES_OF[$b]} bytes of body)"
    done
    [ -n "$SAME_BYTES" ] && echo "- Bodies sent by the two backends' demo servers: $SAME_BYTES"
    echo "- CPU columns: cores used during the run by the server / by wrk / by everything else on the machine" \
         "(\"else\" well above 0 means someone else's work, e.g. a compile, disturbed that run)$(
         [ "$HAS_PG" = 1 ] && printf '%s' ". On PostgreSQL the server figure is \"Tribune + the PostgreSQL backends serving it\"," \
             " and the CPU per request is their sum, with PostgreSQL's part in parentheses")"
    echo
    echo "### 1. Demo newsroom, page cache on, against nginx serving the same bytes"
    echo
    echo "| Page | Server | Backend | Requests/s | p50 (ms) | p99 (ms) | Errors | CPU server / wrk / else | Server CPU per request (µs) | Bytes per response | Tribune / nginx | Target ≥ 0.7 |"
    echo "|---|---|---|---:|---:|---:|---|---|---:|---:|---:|---|"
    for page in home article; do
        for b in $BACKENDS; do
            id="$b-demo-cache-$page"
            r="$(ratio "$(get "$id" 2)" "$(get "nginx-$page" 2)")"
            echo "| $page | Tribune | $(backend_label "$b") | $(get "$id" 2) | $(get "$id" 3) | $(get "$id" 4) | $(errors_cell "$id") | $(cpu_cell "$id") | $(us_cell "$id") | $(get "$id" 13) | $r | $(verdict_ge "$r" 0.7) |"
        done
        echo "| $page | nginx (static) | — | $(get "nginx-$page" 2) | $(get "nginx-$page" 3) | $(get "nginx-$page" 4) | $(errors_cell "nginx-$page") | $(cpu_cell "nginx-$page") | $(get "nginx-$page" 12) | $(get "nginx-$page" 13) | | |"
    done
    echo
    echo "### 2. Demo newsroom, page cache off (\`--no-page-cache\`: every request renders)"
    echo
    echo "| Page | Backend | Requests/s | p50 (ms) | p99 (ms) | Errors | CPU server / wrk / else | Server CPU per request (µs) | Cache off / cache on (req/s) |"
    echo "|---|---|---:|---:|---:|---|---|---:|---:|"
    for page in home article; do
        for b in $BACKENDS; do
            id="$b-demo-nocache-$page"
            echo "| $page | $(backend_label "$b") | $(get "$id" 2) | $(get "$id" 3) | $(get "$id" 4) | $(errors_cell "$id") | $(cpu_cell "$id") | $(us_cell "$id") | $(ratio "$(get "$id" 2)" "$(get "$b-demo-cache-$page" 2)") |"
        done
    done
    echo
    echo "### 3. Peak memory (VmHWM after all of the process's runs) and idle CPU"
    echo
    if [ "$HAS_PG" = 1 ]; then
        echo "VmHWM is the Tribune process's own; PostgreSQL's memory (its shared buffers and one backend per pooled connection) is not in it."
        echo
    fi
    echo "| Server process | Backend | VmHWM (MB) | Target < 100 MB | Idle CPU after start (% of a core) |"
    echo "|---|---|---:|---|---:|"
    for b in $BACKENDS; do
        echo "| demo, page cache on (\`serve --demo\`, loads the demo) | $(backend_label "$b") | ${MEM[$b-demo-cache]} | $(verdict_le "${MEM[$b-demo-cache]}" 100) | ${IDLE_CPU[$b-demo-cache]} |"
    done
    for b in $BACKENDS; do
        echo "| demo, page cache off | $(backend_label "$b") | ${MEM[$b-demo-nocache]} | $(verdict_le "${MEM[$b-demo-nocache]}" 100) | ${IDLE_CPU[$b-demo-nocache]} |"
    done
    for n in "$SMALL" "$LARGE"; do
        for mode in nocache cache; do
            label="page cache on"; [ "$mode" = nocache ] && label="page cache off"
            for b in $BACKENDS; do
                echo "| demo + $n generated articles, $label | $(backend_label "$b") | ${MEM[$b-$n-$mode]} | (no target) | ${IDLE_CPU[$b-$n-$mode]} |"
            done
        done
    done
    echo
    echo "### 4. How cost grows: demo + $SMALL vs demo + $LARGE generated articles"
    echo
    for b in $BACKENDS; do
        echo "- Article page ($(backend_label "$b")): \`${SCALE_ARTICLE[$b-$SMALL]}\` ($SMALL) / \`${SCALE_ARTICLE[$b-$LARGE]}\` ($LARGE)," \
             "the first article on each home page; rounds: $(backend_rounds "$b")"
    done
    echo
    echo "Per backend, both databases served at once and measured alternately; figures are medians over the rounds (every run is listed below)."
    echo
    echo "| Page | Page cache | Backend | p99 @ $SMALL (ms) | p99 @ $LARGE (ms) | p99 ratio | Target ≤ 1.20 | req/s @ $SMALL / $LARGE | p50 (ms) @ $SMALL / $LARGE | Server CPU per request (µs) @ $SMALL / $LARGE | Errors |"
    echo "|---|---|---|---:|---:|---:|---|---|---|---|---|"
    for mode in nocache cache; do
        for page in home article; do
            for b in $BACKENDS; do
                a="$b-$SMALL-$mode-$page"; c="$b-$LARGE-$mode-$page"
                r="$(ratio "$(median "$c" 4)" "$(median "$a" 4)")"
                e="$(total_errors "$a") / $(total_errors "$c")"; [ "$e" = "0 / 0" ] && e=0
                label="on"; [ "$mode" = nocache ] && label="off"
                echo "| $page | $label | $(backend_label "$b") | $(median "$a" 4) | $(median "$c" 4) | $r | $(verdict_le "$r" 1.2) | $(median "$a" 2) / $(median "$c" 2) | $(median "$a" 3) / $(median "$c" 3) | $(us_median_cell "$a" "$b") / $(us_median_cell "$c" "$b") | $e |"
            done
        done
    done
    echo
    echo "Every run of the comparison, in the order measured:"
    echo
    echo "| Run | Requests/s | p50 (ms) | p99 (ms) | Errors | CPU server / wrk / else | Server CPU per request (µs) |"
    echo "|---|---:|---:|---:|---|---|---:|"
    while IFS=$'\t' read -r id _; do
        case "$id" in *-"$SMALL"-*|*-"$LARGE"-*) ;; *) continue ;; esac
        echo "| $id | $(get "$id" 2) | $(get "$id" 3) | $(get "$id" 4) | $(errors_cell "$id") | $(cpu_cell "$id") | $(us_cell "$id") |"
    done <"$RESULTS"
    echo
    echo "Errors = wrk's \"Non-2xx or 3xx responses\" plus socket errors (connect/read/write/timeout); raw wrk output is in bench/out/wrk-*.txt."
    echo "All runs together: $(awk -F'\t' '{ n += $5; s += $6 } END { printf "%d non-2xx/3xx responses, %d socket errors", n, s }' "$RESULTS")." \
         "WARN/ERROR lines in the server logs (bench/out/server-*.log): $(log_problems)."
} >"$OUT/results.md"

cat "$OUT/results.md"
log "done in ${ELAPSED} s; results in $OUT/results.md"
