#!/usr/bin/env bash
# bench-vs-redis.sh — whole-server benchmark: slotcore vs redis-server.
#
# Usage:
#   tuning/bench-vs-redis.sh [--slotcore PATH] [--rounds N] [--out FILE.md]
#   tuning/bench-vs-redis.sh --memory [--slotcore PATH] [--out FILE.md]
#
# Throughput mode (default): both servers run for the whole script, pinned to
# CPU 1; redis-benchmark is pinned to CPU 0.  Cells: SET/GET at pipeline 1
# (-n 200000) and pipeline 32 (-n 2000000 -P 32), 50 clients.  For each run the
# server's CPU time (utime+stime of all its threads, /proc/PID/stat fields 14
# and 15) is sampled around the redis-benchmark run, giving CPU µs/request.
# Each round runs every cell on both servers; the server order alternates per
# round.  The report gives per-cell medians, ratios and run-to-run spreads
# ((max-min)/median), plus every raw run.
#
# Memory mode (--memory): each server is started fresh, loaded with
#   redis-benchmark -t set -r 1000000 -n 2000000 -d 16 -P 32 -q
# and then INFO memory / INFO keyspace and the process RSS are reported.
#
# Environment overrides (for quick checks; recorded in the report header):
#   BENCH_N_P1 (200000)  BENCH_N_P32 (2000000)  BENCH_TIMEOUT (600 s per run)
#   READY_TIMEOUT (30 s per server start)
set -euo pipefail
export LC_ALL=C

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd)
CMDLINE=$(printf '%q ' "$0" "$@")
CMDLINE=${CMDLINE% }

SERVER_CPU=1
LOADGEN_CPU=0
CLIENTS=50
N_P1=${BENCH_N_P1:-200000}
N_P32=${BENCH_N_P32:-2000000}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}
READY_TIMEOUT=${READY_TIMEOUT:-30}
CELLS=("SET P1" "GET P1" "SET P32" "GET P32")
SERVERS=(slotcore redis)

SLOTCORE=""
ROUNDS=3
OUT=""
MODE=bench

log() { printf '[bench-vs-redis] %s\n' "$*" >&2; }
die() { printf 'bench-vs-redis: error: %s\n' "$*" >&2; exit 1; }

usage() {
    cat <<'EOF'
Usage: tuning/bench-vs-redis.sh [--slotcore PATH] [--rounds N] [--out FILE.md]
       tuning/bench-vs-redis.sh --memory [--slotcore PATH] [--out FILE.md]

  --slotcore PATH  slotcore binary (default: target/release/slotcore in the
                   repo; built with `cargo build --release` if missing)
  --rounds N       rounds of the throughput benchmark (default 3)
  --out FILE.md    also write the markdown report to FILE.md
  --memory         memory mode instead of throughput mode
  -h, --help       this help
EOF
}

# ---------------------------------------------------------------- arguments
while (($# > 0)); do
    case $1 in
        --slotcore | --rounds | --out)
            (($# >= 2)) || die "$1 needs a value"
            case $1 in
                --slotcore) SLOTCORE=$2 ;;
                --rounds) ROUNDS=$2 ;;
                --out) OUT=$2 ;;
            esac
            shift 2
            ;;
        --slotcore=*) SLOTCORE=${1#*=}; shift ;;
        --rounds=*) ROUNDS=${1#*=}; shift ;;
        --out=*) OUT=${1#*=}; shift ;;
        --memory) MODE=memory; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive integer (got '$ROUNDS')"
for v in N_P1 N_P32 BENCH_TIMEOUT READY_TIMEOUT; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done

# ------------------------------------------------------------ prerequisites
for tool in redis-server redis-cli redis-benchmark taskset timeout awk getconf; do
    command -v "$tool" >/dev/null 2>&1 || die "required tool not found: $tool"
done
NPROC=$(nproc)
((NPROC >= 2)) || die "need at least 2 CPUs (server on CPU $SERVER_CPU, load generator on CPU $LOADGEN_CPU); nproc=$NPROC"
CLK_TCK=$(getconf CLK_TCK)

if [[ -n $SLOTCORE ]]; then
    [[ -e $SLOTCORE ]] || die "--slotcore $SLOTCORE: no such file"
    SLOTCORE=$(cd -- "$(dirname -- "$SLOTCORE")" && pwd)/$(basename -- "$SLOTCORE")
else
    SLOTCORE=$REPO_ROOT/target/release/slotcore
    if [[ ! -e $SLOTCORE ]]; then
        command -v cargo >/dev/null 2>&1 ||
            die "$SLOTCORE is missing and cargo is not installed, so it cannot be built"
        log "$SLOTCORE missing; running cargo build --release in $REPO_ROOT"
        build_rc=0
        (cd -- "$REPO_ROOT" && cargo build --release) >&2 || build_rc=$?
        ((build_rc == 0)) || die "cargo build --release failed (exit $build_rc); see the compiler output above"
        [[ -e $SLOTCORE ]] ||
            die "cargo build --release succeeded but $SLOTCORE does not exist (is CARGO_TARGET_DIR set, or the binary named differently?)"
    fi
fi
[[ -x $SLOTCORE ]] || die "$SLOTCORE is not executable"

# ------------------------------------------------------- process management
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-vs-redis.XXXXXX")
SERVER_PIDS=()
BENCH_PID=""

pid_alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

stop_pid() {
    local pid=$1 deadline
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while pid_alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
    if pid_alive "$pid"; then
        log "pid $pid ignored SIGTERM for 10 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

forget_pid() {
    local pid=$1 p keep=()
    for p in ${SERVER_PIDS[@]+"${SERVER_PIDS[@]}"}; do
        [[ $p == "$pid" ]] || keep+=("$p")
    done
    SERVER_PIDS=(${keep[@]+"${keep[@]}"})
}

cleanup() {
    local rc=$? pid
    trap - EXIT INT TERM
    if [[ -n $BENCH_PID ]]; then
        kill -TERM "$BENCH_PID" 2>/dev/null || true
        wait "$BENCH_PID" 2>/dev/null || true
    fi
    for pid in ${SERVER_PIDS[@]+"${SERVER_PIDS[@]}"}; do
        stop_pid "$pid"
    done
    if ((rc == 0)); then
        rm -rf -- "$WORK"
    else
        log "exit status $rc; server logs and benchmark output kept in $WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Free TCP port outside the ephemeral range (so it cannot collide with the
# load generator's outgoing connections); never returns a port in $USED_PORTS.
USED_PORTS=" "
free_port() {
    local port="" i
    if command -v python3 >/dev/null 2>&1; then
        port=$(python3 - "$USED_PORTS" <<'EOF'
import random, socket, sys
used = set(sys.argv[1].split())
for _ in range(500):
    p = random.randint(20000, 29999)
    if str(p) in used:
        continue
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("0.0.0.0", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
EOF
        ) || port=""
    else
        for ((i = 0; i < 500; i++)); do
            port=$((20000 + RANDOM % 10000))
            [[ $USED_PORTS == *" $port "* ]] && { port=""; continue; }
            # Nothing answering on the port => treat as free.
            if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
            port=""
        done
    fi
    [[ -n $port ]] || die "could not find a free TCP port"
    USED_PORTS+="$port "
    printf '%s\n' "$port"
}

# cmd_for NAME PORT -> sets CMD array (without taskset)
cmd_for() {
    case $1 in
        slotcore) CMD=("$SLOTCORE" --port "$2" --shards 1 --shard-cpus "$SERVER_CPU" --save "" --appendonly no) ;;
        redis) CMD=(redis-server --port "$2" --save "" --appendonly no --daemonize no) ;;
        *) die "internal: unknown server $1" ;;
    esac
}

show_cmd() { printf '%q ' "$@" | sed 's/ $//'; }

# start_server NAME PORT -> sets STARTED_PID; waits for PING with a deadline.
start_server() {
    local name=$1 port=$2 logf pid deadline rc reply reported
    logf=$WORK/$name-$port.log
    cmd_for "$name" "$port"
    log "starting $name: taskset -c $SERVER_CPU $(show_cmd "${CMD[@]}")"
    taskset -c "$SERVER_CPU" "${CMD[@]}" </dev/null >"$logf" 2>&1 &
    pid=$!
    SERVER_PIDS+=("$pid")
    deadline=$((SECONDS + READY_TIMEOUT))
    while :; do
        if ! pid_alive "$pid"; then
            rc=0
            wait "$pid" 2>/dev/null || rc=$?
            forget_pid "$pid"
            log "---- last lines of $name log ($logf) ----"
            tail -n 20 "$logf" >&2 || true
            [[ $name == slotcore ]] &&
                log "slotcore must accept these redis-style args; if it rejected one, that is a slotcore bug to report"
            die "$name exited during startup (exit status $rc)"
        fi
        reply=$(timeout 2 redis-cli -p "$port" PING 2>/dev/null || true)
        [[ $reply == PONG ]] && break
        if ((SECONDS >= deadline)); then
            log "---- last lines of $name log ($logf) ----"
            tail -n 20 "$logf" >&2 || true
            die "$name did not answer PING on port $port within ${READY_TIMEOUT}s"
        fi
        sleep 0.1
    done
    # The CPU accounting reads /proc/$pid, so $pid must be the process that
    # serves the port (a wrapper that forks instead of exec'ing would read 0).
    reported=$(timeout 5 redis-cli -p "$port" INFO server 2>/dev/null |
        tr -d '\r' | awk -F: '$1 == "process_id" { print $2 }' || true)
    if [[ -n $reported && $reported != "$pid" ]]; then
        die "$name on port $port reports process_id $reported but we started pid $pid; CPU accounting would be wrong (does the binary fork or is it a wrapper without exec?)"
    fi
    log "$name ready on port $port (pid $pid)"
    STARTED_PID=$pid
}

cpu_ticks() {
    local stat
    local -a f
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    read -r -a f <<<"$stat"
    # After the comm field: index 0 is field 3, so utime (14) = 11, stime (15) = 12.
    printf '%s\n' $((f[11] + f[12]))
}

info_field() { # PORT SECTION FIELD
    timeout 10 redis-cli -p "$1" INFO "$2" 2>/dev/null | tr -d '\r' |
        awk -F: -v k="$3" '$1 == k { sub(/^[^:]*:/, ""); print; exit }' || true
}

host_header() {
    local slot_rev
    slot_rev=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo "no commit")
    if [[ -n $(git -C "$REPO_ROOT" status --porcelain 2>/dev/null | head -n 1) ]]; then
        slot_rev+=" (worktree dirty)"
    fi
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- Kernel (\`uname -r\`): $(uname -r)"
    echo "- CPUs (\`nproc\`): $NPROC"
    echo "- CPU model: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)"
    echo "- Load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- redis-server: $(redis-server --version)"
    echo "- redis-benchmark: $(redis-benchmark --version 2>/dev/null || echo unknown)"
    echo "- slotcore binary: \`$SLOTCORE\` (repo HEAD $slot_rev, binary mtime $(date -u -r "$SLOTCORE" '+%Y-%m-%d %H:%M:%S UTC'))"
    echo "- Command line: \`$CMDLINE\`"
    local ov=""
    [[ -n ${BENCH_N_P1:-} ]] && ov+=" BENCH_N_P1=$BENCH_N_P1"
    [[ -n ${BENCH_N_P32:-} ]] && ov+=" BENCH_N_P32=$BENCH_N_P32"
    [[ -n $ov ]] && echo "- Environment overrides:$ov"
    return 0
}

emit_report() { # FILE
    cat -- "$1"
    if [[ -n $OUT ]]; then
        cp -- "$1" "$OUT" || die "could not write --out $OUT"
        log "report written to $OUT"
    fi
}

# ============================================================ memory mode
run_memory() {
    local report=$WORK/report.md rows=$WORK/memory.rows name port pid base_mem
    local out mem mem_h keyspace keys rss dbsize rps rc
    local bench=(redis-benchmark -p PORT -t set -r 1000000 -n 2000000 -d 16 -P 32 -q)
    : >"$rows"
    for name in "${SERVERS[@]}"; do
        port=$(free_port)
        start_server "$name" "$port"
        pid=$STARTED_PID
        base_mem=$(info_field "$port" memory used_memory)
        out=$WORK/memory-$name.out
        log "$name: loading with taskset -c $LOADGEN_CPU $(show_cmd "${bench[@]/PORT/$port}")"
        timeout -k 5 "$BENCH_TIMEOUT" taskset -c "$LOADGEN_CPU" "${bench[@]/PORT/$port}" \
            >"$out" 2>"$out.err" &
        BENCH_PID=$!
        rc=0
        wait "$BENCH_PID" || rc=$?
        BENCH_PID=""
        if ((rc != 0)); then
            cat -- "$out.err" >&2 || true
            die "redis-benchmark against $name failed (exit $rc)"
        fi
        pid_alive "$pid" || die "$name (pid $pid) died during the load; log: $WORK/$name-$port.log"
        rps=$(tr '\r' '\n' <"$out" | awk '/requests per second/ { r = $2 } END { print r }')
        log "$name: load done, SET ${rps:-?} rps"
        mem=$(info_field "$port" memory used_memory)
        mem_h=$(info_field "$port" memory used_memory_human)
        keyspace=$(info_field "$port" keyspace db0)
        keys=$(sed -n 's/.*keys=\([0-9][0-9]*\).*/\1/p' <<<"$keyspace")
        dbsize=$(timeout 10 redis-cli -p "$port" DBSIZE 2>/dev/null | tr -d '\r' || true)
        [[ $dbsize =~ ^[0-9]+$ ]] || dbsize=""
        rss=$(awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$pid/status")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "${keys:-}" "${dbsize:-}" \
            "${mem:-}" "${mem_h:-}" "${base_mem:-}" "${rss:-}" "${rps:-}" >>"$rows"
        stop_pid "$pid"
        forget_pid "$pid"
    done

    {
        echo "# slotcore vs redis-server — memory after 2M random SETs"
        echo
        host_header
        echo "- slotcore: \`taskset -c $SERVER_CPU $(show_cmd "$SLOTCORE") --port P --shards 1 --shard-cpus $SERVER_CPU --save \"\" --appendonly no\`"
        echo "- redis: \`taskset -c $SERVER_CPU redis-server --port P --save \"\" --appendonly no --daemonize no\`"
        echo "- Load (each server started fresh): \`taskset -c $LOADGEN_CPU redis-benchmark -p P -t set -r 1000000 -n 2000000 -d 16 -P 32 -q\`"
        echo
        echo "| server | keys (INFO keyspace db0) | DBSIZE | used_memory (bytes) | used_memory_human | bytes/key | Δ bytes/key vs empty | RSS (bytes) | RSS bytes/key | load SET rps |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        awk -F'\t' '
            function num(x) { return x ~ /^[0-9]+(\.[0-9]+)?$/ }
            function per(a, b) { return (num(a) && num(b) && b > 0) ? sprintf("%.1f", a / b) : "n/a" }
            function or_na(x) { return x == "" ? "n/a" : x }
            {
                k = ($2 != "") ? $2 : $3
                delta = (num($4) && num($6)) ? $4 - $6 : ""
                printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", \
                    $1, or_na($2), or_na($3), or_na($4), or_na($5), per($4, k), \
                    per(delta, k), or_na($7), per($7, k), or_na($8)
            }' "$rows"
        echo
        echo "bytes/key = used_memory / keys (keys from INFO keyspace, falling back to DBSIZE);"
        echo "Δ bytes/key subtracts used_memory of the freshly started, empty server."
        echo "RSS is VmRSS from /proc/PID/status, independent of what the server self-reports."
        echo "Expected keys ≈ 1e6·(1−e⁻²) ≈ 864,665. n/a = the server did not report the field."
    } >"$report"
    emit_report "$report"
}

# ========================================================= throughput mode
# run_cell NAME PORT PID CELL ROUND ORDER -> appends a row to $RESULTS
run_cell() {
    local name=$1 port=$2 pid=$3 cell=$4 round=$5 order=$6
    local test=${cell%% *} pipe=${cell##* P} n t0 t1 rc rps out
    local -a args
    if ((pipe > 1)); then n=$N_P32; else n=$N_P1; fi
    args=(-p "$port" -c "$CLIENTS" -t "${test,,}" -n "$n")
    ((pipe > 1)) && args+=(-P "$pipe")
    args+=(--csv)
    out=$WORK/r$round-$name-${test}-P$pipe
    pid_alive "$pid" || die "$name (pid $pid) is not running before $cell; log: $WORK/$name-$port.log"
    t0=$(cpu_ticks "$pid") || die "cannot read /proc/$pid/stat for $name"
    timeout -k 5 "$BENCH_TIMEOUT" taskset -c "$LOADGEN_CPU" redis-benchmark "${args[@]}" \
        >"$out.csv" 2>"$out.err" &
    BENCH_PID=$!
    rc=0
    wait "$BENCH_PID" || rc=$?
    BENCH_PID=""
    t1=$(cpu_ticks "$pid") || die "$name (pid $pid) vanished during $cell; log: $WORK/$name-$port.log"
    pid_alive "$pid" || die "$name (pid $pid) died during $cell; log: $WORK/$name-$port.log"
    if ((rc != 0)); then
        cat -- "$out.err" >&2 || true
        ((rc == 124)) && die "redis-benchmark $cell against $name timed out after ${BENCH_TIMEOUT}s"
        die "redis-benchmark $cell against $name failed (exit $rc)"
    fi
    rps=$(awk -F'"' -v t="$test" '$2 == t { print $4 }' "$out.csv")
    [[ $rps =~ ^[0-9]+(\.[0-9]+)?$ ]] || {
        cat -- "$out.csv" "$out.err" >&2 || true
        die "could not parse requests/s for $cell against $name from redis-benchmark --csv output"
    }
    if grep -q 'Error from server' "$out.err" "$out.csv" 2>/dev/null; then
        WARNINGS+=("$name $cell round $round: redis-benchmark saw error replies: $(grep -h -m1 'Error from server' "$out.err" "$out.csv" | head -n 1)")
    fi
    if ((t1 - t0 <= 0)); then
        WARNINGS+=("$name $cell round $round: server CPU delta was 0 ticks — is pid $pid really the serving process?")
    fi
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$order" "$cell" "$name" "$rps" "$((t1 - t0))" "$n" >>"$RESULTS"
    log "round $round  $(printf '%-8s %-7s' "$name" "$cell")  $(printf '%12.0f' "$rps") rps  $(awk -v t=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$n" 'BEGIN { printf "%.3f", t / hz * 1e6 / n }') µs CPU/req"
}

# stats FIELD CELL SERVER -> "median min max" of rps (FIELD=rps) or µs/req (FIELD=us)
stats() {
    awk -F'\t' -v f="$1" -v c="$2" -v s="$3" -v hz="$CLK_TCK" '
        $3 == c && $4 == s { print (f == "rps") ? $5 : $6 / hz * 1e6 / $7 }' "$RESULTS" |
        sort -g |
        awk '{ a[NR] = $1 }
             END {
                 if (NR == 0) { print "nan nan nan"; exit }
                 m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
                 print m, a[1], a[NR]
             }'
}

# paired FIELD CELL -> "median min max" of the per-round slotcore/redis ratio
# (both servers run back to back within a round, so this cancels drift
# between rounds).
paired() {
    awk -F'\t' -v f="$1" -v c="$2" -v hz="$CLK_TCK" '
        $3 == c { v[$1, $4] = (f == "rps") ? $5 : $6 / hz * 1e6 / $7; r[$1] = 1 }
        END { for (k in r) if (v[k, "redis"] > 0) print v[k, "slotcore"] / v[k, "redis"] }' "$RESULTS" |
        sort -g |
        awk '{ a[NR] = $1 }
             END {
                 if (NR == 0) { print "n/a"; exit }
                 m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
                 printf "%.2f (%.2f–%.2f)\n", m, a[1], a[NR]
             }'
}

# steal_snapshot -> "steal_ticks total_ticks" from the aggregate cpu line of /proc/stat
steal_snapshot() {
    awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print $9 + 0, t; exit }' /proc/stat
}

run_bench() {
    local report=$WORK/report.md name cell round i first second
    local -A PORT PID
    RESULTS=$WORK/results.tsv
    WARNINGS=()
    : >"$RESULTS"

    for name in "${SERVERS[@]}"; do
        PORT[$name]=$(free_port)
        start_server "$name" "${PORT[$name]}"
        PID[$name]=$STARTED_PID
    done

    local steal0 steal1
    steal0=$(steal_snapshot)
    for ((round = 1; round <= ROUNDS; round++)); do
        if ((round % 2 == 1)); then first=slotcore second=redis; else first=redis second=slotcore; fi
        log "round $round/$ROUNDS (order: $first, $second)"
        for cell in "${CELLS[@]}"; do
            i=1
            for name in "$first" "$second"; do
                run_cell "$name" "${PORT[$name]}" "${PID[$name]}" "$cell" "$round" "$i"
                i=$((i + 1))
                # Sanity check once: GET must hit the 3-byte value SET stored
                # (redis-benchmark 7 fills it with random bytes, default -d 3).
                if ((round == 1)) && [[ $cell == "SET P1" ]]; then
                    local v
                    v=$(timeout 5 redis-cli -p "${PORT[$name]}" GET 'key:__rand_int__' 2>&1 | tr -d '\r' || true)
                    ((${#v} == 3)) ||
                        WARNINGS+=("$name: after SET P1, GET key:__rand_int__ returned '$v' (expected a 3-byte value); GET cells may not be hits")
                fi
            done
        done
    done

    steal1=$(steal_snapshot)
    local s_rps r_rps s_us r_us p_rps p_us
    {
        echo "# slotcore vs redis-server — whole-server throughput and CPU cost"
        echo
        host_header
        echo "- slotcore: \`taskset -c $SERVER_CPU $(show_cmd "$SLOTCORE") --port ${PORT[slotcore]} --shards 1 --shard-cpus $SERVER_CPU --save \"\" --appendonly no\`"
        echo "- redis: \`taskset -c $SERVER_CPU redis-server --port ${PORT[redis]} --save \"\" --appendonly no --daemonize no\`"
        echo "- Load, P1 cells: \`taskset -c $LOADGEN_CPU redis-benchmark -p PORT -c $CLIENTS -t {set|get} -n $N_P1 --csv\`"
        echo "- Load, P32 cells: \`taskset -c $LOADGEN_CPU redis-benchmark -p PORT -c $CLIENTS -t {set|get} -n $N_P32 -P 32 --csv\`"
        echo "- Rounds: $ROUNDS; each round runs SET P1, GET P1, SET P32, GET P32 on both servers (SET before GET, single key \`key:__rand_int__\`); server order alternates per round (odd: slotcore first)"
        echo "- Server CPU = Δ(utime+stime) of the server process (all threads) from /proc/PID/stat, CLK_TCK=$CLK_TCK"
        echo
        echo "| cell | slotcore rps | redis rps | rps ratio (slotcore/redis) | slotcore µs CPU/req | redis µs CPU/req | CPU ratio (slotcore/redis) | slotcore rps spread | redis rps spread | slotcore CPU spread | redis CPU spread | paired rps ratio (min–max) | paired CPU ratio (min–max) |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        for cell in "${CELLS[@]}"; do
            s_rps=$(stats rps "$cell" slotcore)
            r_rps=$(stats rps "$cell" redis)
            s_us=$(stats us "$cell" slotcore)
            r_us=$(stats us "$cell" redis)
            p_rps=$(paired rps "$cell")
            p_us=$(paired us "$cell")
            awk -v c="$cell" -v sr="$s_rps" -v rr="$r_rps" -v su="$s_us" -v ru="$r_us" \
                -v pr="$p_rps" -v pu="$p_us" '
                function ratio(a, b) { return (b > 0) ? sprintf("%.2f", a / b) : "n/a" }
                function spread(s,   p) { split(s, p, " "); return (p[1] > 0) ? sprintf("%.1f%%", (p[3] - p[2]) / p[1] * 100) : "n/a" }
                BEGIN {
                    split(sr, a, " "); split(rr, b, " "); split(su, x, " "); split(ru, y, " ")
                    printf "| %s | %.0f | %.0f | %s | %.3f | %.3f | %s | %s | %s | %s | %s | %s | %s |\n", \
                        c, a[1], b[1], ratio(a[1], b[1]), x[1], y[1], ratio(x[1], y[1]), \
                        spread(sr), spread(rr), spread(su), spread(ru), pr, pu
                }'
        done
        echo
        echo "Values are medians over $ROUNDS round(s). Spread = (max − min) / median of the per-round values"
        echo "(0% with one round). rps ratio > 1: slotcore faster; CPU ratio < 1: slotcore cheaper per request."
        echo "Paired ratio = median (min–max) over rounds of slotcore/redis measured back to back in the"
        echo "same round; it cancels round-to-round drift of the host, so prefer it when the spreads are large."
        echo "CPU resolution is 1/CLK_TCK s per sample."
        awk -v a="$steal0" -v b="$steal1" 'BEGIN {
            split(a, x, " "); split(b, y, " "); d = y[2] - x[2]
            if (d > 0) printf "Host CPU steal during the rounds: %.1f%% of all CPU time (/proc/stat; non-zero means the hypervisor took CPU time from this VM).\n", (y[1] - x[1]) / d * 100
        }'
        echo
        echo "## Raw runs"
        echo
        echo "| round | order | cell | server | rps | server CPU s | µs CPU/req |"
        echo "|---:|---:|---|---|---:|---:|---:|"
        awk -F'\t' -v hz="$CLK_TCK" '{
            printf "| %s | %s | %s | %s | %.0f | %.2f | %.3f |\n", $1, $2, $3, $4, $5, $6 / hz, $6 / hz * 1e6 / $7
        }' "$RESULTS"
        if ((${#WARNINGS[@]} > 0)); then
            echo
            echo "## Warnings"
            echo
            for w in "${WARNINGS[@]}"; do echo "- $w"; done
        fi
    } >"$report"
    emit_report "$report"
}

if [[ $MODE == memory ]]; then
    run_memory
else
    run_bench
fi
