#!/usr/bin/env bash
# compare.sh — slotcore vs redis-server (and valkey-server if installed), measured
# with BOTH load tools (redis-benchmark and slotcore-bench) under identical pinning.
#
# Usage (defaults for a 2-core box):
#   tuning/compare.sh [--mode standalone|cluster] [--server-cpus 1] [--loadgen-cpus 0]
#                     [--shards 1] [--rounds 3] [--out tuning/results/compare-STAMP.md]
#
# All servers are started side by side (each on its own port) and run for the whole
# script, pinned with `taskset -c SERVER_CPUS`; slotcore gets `--shards K
# --shard-cpus ...` (shard i on the i-th server CPU, round robin).  Every run of a
# load tool is pinned with `taskset -c LOADGEN_CPUS`.  Cells: SET and GET at
# pipeline 1 and 32, 50 clients; SET runs before GET so GETs hit.  Each round runs
# every tool × cell on every server; the server order rotates per round.  Server CPU
# per op = Δ(utime+stime) of the server process (all threads, /proc/PID/stat) / ops.
#
# Output: a markdown report (table: ops/s, p50/p99/p99.9 latency, server CPU µs/op,
# ratios vs redis; raw runs with the load average), the raw runs as TSV, the chart
# input as CSV and a PNG chart drawn by `bench-chart` (built with cargo).  See
# tuning/README.md.  --variant makes the other tuning/ experiments possible
# (several differently configured servers side by side).
#
# --mode cluster: every server is a Redis Cluster instead.  slotcore is ONE cluster
# node with K shards (its bus core pinned with --bus-cpu, by default to the first
# server CPU); redis/valkey is K masters (master j pinned to shard j's CPU; one
# master on all the server CPUs when K = 1), slots split evenly, joined with
# CLUSTER MEET.  The script waits for cluster_state:ok on every node and for a
# keyed command that is not refused with CLUSTERDOWN.  slotcore-bench runs with
# --cluster-mode (MOVED/ASK counted and reported); redis-benchmark runs with
# --cluster against ≥ 2 masters and plain against a single node, which owns every
# slot (redis-benchmark refuses --cluster with fewer than 2 masters).  Server CPU
# per op sums utime+stime over all processes of a server.  Default output:
# tuning/results/compare-cluster-STAMP.*.
set -euo pipefail
export LC_ALL=C

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd)
CMDLINE=$(printf '%q ' "$0" "$@")
CMDLINE=${CMDLINE% }

SERVER_CPUS=1
LOADGEN_CPUS=0
MODE=standalone
SHARDS=1
SHARD_CPUS=""
BUS_CPU=""
ROUNDS=3
OUT=""
TITLE=""
CLIENTS=${BENCH_CLIENTS:-50}
LG_THREADS=1
N_P1=${BENCH_N_P1:-200000}
N_P32=${BENCH_N_P32:-2000000}
DATA_SIZE=${BENCH_DATA_SIZE:-3}
KEY_MAX=${BENCH_KEY_MAX:-100000}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}
READY_TIMEOUT=${READY_TIMEOUT:-30}
TOOLS="redis-benchmark,slotcore-bench"
CELLS="SET:1,GET:1,SET:32,GET:32"
SERVERS_ARG=""
VARIANTS=()
SLOTCORE=""
SBENCH=""
CHART=""
NO_CHART=0
NO_BUILD=0

log() { printf '[compare] %s\n' "$*" >&2; }
die() { printf 'compare.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
    cat <<'EOF'
Usage: tuning/compare.sh [options]

Mode:
  --mode MODE           standalone (default) or cluster: slotcore as one cluster node
                        with K shards, redis/valkey as a Redis Cluster of K masters
                        (slots split evenly), both waited on until cluster_state:ok;
                        slotcore-bench --cluster-mode, redis-benchmark --cluster when
                        a server has >= 2 masters (plain against a single node);
                        default output tuning/results/compare-cluster-UTCSTAMP.md

Placement (taskset CPU lists such as 1, 0,1 or 2-5; "none" = no taskset):
  --server-cpus LIST    CPUs for every server (default 1)
  --loadgen-cpus LIST   CPUs for every load-tool run (default 0)
  --shards K            slotcore shards (default 1); in cluster mode also the number
                        of redis/valkey masters
  --shard-cpus LIST     slotcore --shard-cpus (default: shard i on the i-th server
                        CPU, round robin; "none" = no --shard-cpus, threads float);
                        in cluster mode redis/valkey master j is pinned to the j-th
                        CPU of this list when there are >= 2 masters
  --bus-cpu CPU         cluster mode: slotcore --bus-cpu (default: the first server
                        CPU; "none" = no --bus-cpu)

What to run:
  --rounds N            rounds (default 3); the server order rotates per round
  --servers LIST        subset of slotcore,redis,valkey (default: slotcore, redis,
                        and valkey if valkey-server is in PATH)
  --tools LIST          subset of redis-benchmark,slotcore-bench (default both)
  --cells LIST          OP:PIPELINE list (default SET:1,GET:1,SET:32,GET:32)
  --loadgen-threads T   load-tool threads (default 1): redis-benchmark --threads T,
                        slotcore-bench -t T with clients/T connections per thread
                        (the client total stays BENCH_CLIENTS, 50)
  --variant SPEC        instead of --servers: one server configuration per --variant,
                        all started side by side.  SPEC = LABEL=KIND[:key=value...]
                        with KIND slotcore|redis|valkey and keys
                          cpus=LIST        taskset for this server (default --server-cpus)
                          lg=LIST          load-tool CPUs for runs against it
                          shards=K         slotcore shards (default --shards)
                          shard-cpus=LIST  slotcore --shard-cpus ("none": unpinned)
                          bus-cpu=CPU      slotcore --bus-cpu in cluster mode
                          prefix=STR       slotcore-bench --key-prefix
                        e.g. --variant 'sc-2same=slotcore:shards=2:shard-cpus=1,1'

Output:
  --out FILE.md         report (default tuning/results/compare[-cluster]-UTCSTAMP.md); next to
                        it FILE.tsv (raw runs), FILE.chart.csv and FILE.png
  --title TEXT          chart title
  --no-chart            skip the PNG

Binaries:
  --slotcore PATH       server binary (default target/release/slotcore; built if missing)
  --slotcore-bench PATH load tool (default target/release/slotcore-bench; built with
                        `cargo build --release --bin slotcore-bench` if missing)
  --bench-chart PATH    chart tool (default target/release/bench-chart; built likewise)
  --no-build            never run cargo; fail if a binary is missing

Environment (quick checks; recorded in the report): BENCH_N_P1 (200000),
BENCH_N_P32 (2000000) total requests per run, BENCH_CLIENTS (50), BENCH_DATA_SIZE (3),
BENCH_KEY_MAX (100000, slotcore-bench key range), BENCH_TIMEOUT (600 s), READY_TIMEOUT (30 s).
EOF
}

# ---------------------------------------------------------------- arguments
while (($# > 0)); do
    case $1 in
        -h | --help) usage; exit 0 ;;
        --no-chart) NO_CHART=1; shift; continue ;;
        --no-build) NO_BUILD=1; shift; continue ;;
    esac
    case $1 in
        --*=*) opt=${1%%=*}; val=${1#*=}; shift ;;
        --*) opt=$1; (($# >= 2)) || die "$1: unknown option, or it needs a value (see --help)"; val=$2; shift 2 ;;
        *) usage >&2; die "unexpected argument: $1" ;;
    esac
    case $opt in
        --server-cpus) SERVER_CPUS=$val ;;
        --loadgen-cpus) LOADGEN_CPUS=$val ;;
        --shards) SHARDS=$val ;;
        --shard-cpus) SHARD_CPUS=$val ;;
        --mode) MODE=$val ;;
        --bus-cpu) BUS_CPU=$val ;;
        --rounds) ROUNDS=$val ;;
        --servers) SERVERS_ARG=$val ;;
        --tools) TOOLS=$val ;;
        --cells) CELLS=$val ;;
        --loadgen-threads) LG_THREADS=$val ;;
        --variant) VARIANTS+=("$val") ;;
        --out) OUT=$val ;;
        --title) TITLE=$val ;;
        --slotcore) SLOTCORE=$val ;;
        --slotcore-bench) SBENCH=$val ;;
        --bench-chart) CHART=$val ;;
        *) usage >&2; die "unknown option: $opt" ;;
    esac
done

posint() { [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer (got '$2')"; }
posint --rounds "$ROUNDS"
posint --shards "$SHARDS"
posint --loadgen-threads "$LG_THREADS"
((CLIENTS % LG_THREADS == 0)) || die "BENCH_CLIENTS ($CLIENTS) must be a multiple of --loadgen-threads ($LG_THREADS)"
CPT=$((CLIENTS / LG_THREADS))
for v in N_P1 N_P32 CLIENTS DATA_SIZE KEY_MAX BENCH_TIMEOUT READY_TIMEOUT; do posint "$v" "${!v}"; done
cpulist_ok() { [[ $2 == none || $2 =~ ^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$ ]] || die "$1: bad CPU list '$2'"; }
cpulist_ok --server-cpus "$SERVER_CPUS"
cpulist_ok --loadgen-cpus "$LOADGEN_CPUS"
[[ -z $SHARD_CPUS ]] || cpulist_ok --shard-cpus "$SHARD_CPUS"
[[ $MODE == standalone || $MODE == cluster ]] || die "--mode: expected standalone or cluster (got '$MODE')"
CLUSTER=0
# Words that cluster mode adds to file names, titles and the slotcore-bench command.
CL_FILE="" CL_TITLE="" CL_SBENCH=""
if [[ $MODE == cluster ]]; then
    CLUSTER=1 CL_FILE=-cluster CL_TITLE=", cluster mode" CL_SBENCH=" --cluster-mode"
fi
[[ -z $BUS_CPU || $BUS_CPU == none || $BUS_CPU =~ ^[0-9]+$ ]] || die "--bus-cpu: expected one CPU number or none (got '$BUS_CPU')"

IFS=, read -r -a TOOL_LIST <<<"$TOOLS"
for t in "${TOOL_LIST[@]}"; do
    [[ $t == redis-benchmark || $t == slotcore-bench ]] || die "--tools: unknown tool '$t'"
done
IFS=, read -r -a CELL_LIST <<<"$CELLS"
for c in "${CELL_LIST[@]}"; do
    [[ $c =~ ^(GET|SET):[1-9][0-9]*$ ]] || die "--cells: bad cell '$c' (expected GET:1, SET:32, ...)"
done

# ------------------------------------------------------------ prerequisites
for tool in redis-server redis-cli taskset timeout awk getconf; do
    command -v "$tool" >/dev/null 2>&1 || die "required tool not found: $tool"
done
if [[ ,$TOOLS, == *,redis-benchmark,* ]]; then
    command -v redis-benchmark >/dev/null 2>&1 || die "required tool not found: redis-benchmark"
fi
CLK_TCK=$(getconf CLK_TCK)
NPROC=$(nproc)

# Expand a CPU list and check every CPU exists (taskset would fail later otherwise).
expand_cpus() {
    local list=$1 part a b c res=()
    local -a parts
    [[ $list == none ]] && return 0
    IFS=, read -r -a parts <<<"$list"
    for part in "${parts[@]}"; do
        if [[ $part == *-* ]]; then a=${part%-*} b=${part#*-}; else a=$part b=$part; fi
        for ((c = a; c <= b; c++)); do
            ((c < NPROC)) || die "CPU $c does not exist here (nproc=$NPROC)"
            res+=("$c")
        done
    done
    printf '%s\n' "${res[@]}"
}

# Build (or check) a release binary of this crate.
need_bin() { # VAR NAME
    local var=$1 name=$2 path=${!1}
    if [[ -n $path ]]; then
        [[ -x $path ]] || die "$path is not an executable file"
    else
        path=$REPO_ROOT/target/release/$name
        if [[ ! -x $path ]]; then
            ((NO_BUILD == 0)) || die "$path is missing (and --no-build)"
            command -v cargo >/dev/null 2>&1 || die "$path is missing and cargo is not installed"
            log "$path missing; cargo build --release --bin $name"
            (cd -- "$REPO_ROOT" && cargo build --release --bin "$name") >&2 ||
                die "cargo build --release --bin $name failed"
            [[ -x $path ]] || die "cargo build succeeded but $path does not exist (CARGO_TARGET_DIR set?)"
        fi
    fi
    path=$(cd -- "$(dirname -- "$path")" && pwd)/$(basename -- "$path")
    printf -v "$var" '%s' "$path"
}

# ------------------------------------------------------------ server specs
# Parallel arrays, one entry per server instance.
V_LABEL=() V_KIND=() V_CPUS=() V_LG=() V_SHARDS=() V_SHCPUS=() V_PREFIX=() V_BUSCPU=()

default_shard_cpus() { # SHARDS CPUS -> LIST or none
    local k=$1 cpus=$2 i list=""
    local -a arr
    [[ $cpus == none ]] && { echo none; return; }
    mapfile -t arr < <(expand_cpus "$cpus")
    for ((i = 0; i < k; i++)); do list+="${list:+,}${arr[i % ${#arr[@]}]}"; done
    echo "$list"
}

add_variant() { # LABEL KIND [key=value ...]
    local label=$1 kind=$2 kv k v
    shift 2
    [[ $label =~ ^[A-Za-z0-9._+-]+$ ]] || die "variant label '$label': use letters, digits, . _ + -"
    case $kind in slotcore | redis | valkey) ;; *) die "variant $label: unknown kind '$kind'" ;; esac
    local cpus=$SERVER_CPUS lg=$LOADGEN_CPUS shards=$SHARDS shcpus=$SHARD_CPUS prefix=memtier- bus=$BUS_CPU
    for kv in "$@"; do
        k=${kv%%=*} v=${kv#*=}
        [[ $kv == *=* ]] || die "variant $label: expected key=value, got '$kv'"
        case $k in
            cpus) cpulist_ok "variant $label cpus" "$v"; cpus=$v ;;
            lg) cpulist_ok "variant $label lg" "$v"; lg=$v ;;
            shards) posint "variant $label shards" "$v"; shards=$v ;;
            shard-cpus) cpulist_ok "variant $label shard-cpus" "$v"; shcpus=$v ;;
            prefix) [[ -n $v && $v != *[[:space:],]* ]] || die "variant $label: bad prefix '$v'"; prefix=$v ;;
            bus-cpu) [[ $v == none || $v =~ ^[0-9]+$ ]] || die "variant $label: bad bus-cpu '$v'"; bus=$v ;;
            *) die "variant $label: unknown key '$k'" ;;
        esac
    done
    # Validate here, in this shell: a die inside $(...) would not stop the script.
    expand_cpus "$cpus" >/dev/null
    expand_cpus "$lg" >/dev/null
    [[ -z $shcpus ]] || expand_cpus "$shcpus" >/dev/null
    [[ -n $shcpus ]] || shcpus=$(default_shard_cpus "$shards" "$cpus")
    # The bus core (cluster mode) goes on the first server CPU unless told otherwise.
    if [[ -z $bus ]]; then
        bus=none
        [[ $cpus == none ]] || bus=$(expand_cpus "$cpus" | head -n 1)
    fi
    [[ $bus == none ]] || expand_cpus "$bus" >/dev/null
    local l
    for l in ${V_LABEL[@]+"${V_LABEL[@]}"}; do [[ $l != "$label" ]] || die "duplicate server label $label"; done
    V_LABEL+=("$label") V_KIND+=("$kind") V_CPUS+=("$cpus") V_LG+=("$lg")
    V_SHARDS+=("$shards") V_SHCPUS+=("$shcpus") V_PREFIX+=("$prefix") V_BUSCPU+=("$bus")
}

if ((${#VARIANTS[@]} > 0)); then
    [[ -z $SERVERS_ARG ]] || die "--servers and --variant exclude each other"
    for spec in "${VARIANTS[@]}"; do
        [[ $spec == *=* ]] || die "--variant '$spec': expected LABEL=KIND[:key=value...]"
        label=${spec%%=*} rest=${spec#*=}
        IFS=: read -r -a parts <<<"$rest"
        add_variant "$label" "${parts[@]}"
    done
else
    if [[ -z $SERVERS_ARG ]]; then
        SERVERS_ARG=slotcore,redis
        command -v valkey-server >/dev/null 2>&1 && SERVERS_ARG+=,valkey
    fi
    IFS=, read -r -a slist <<<"$SERVERS_ARG"
    for s in "${slist[@]}"; do add_variant "$s" "$s"; done
fi
for k in "${V_KIND[@]}"; do
    if [[ $k == valkey ]]; then
        command -v valkey-server >/dev/null 2>&1 || die "valkey-server is not in PATH"
    fi
done
for cpus in "${V_CPUS[@]}" "${V_LG[@]}"; do expand_cpus "$cpus" >/dev/null; done
for s in "${V_SHCPUS[@]}"; do expand_cpus "$s" >/dev/null; done

if [[ " ${V_KIND[*]} " == *" slotcore "* ]]; then need_bin SLOTCORE slotcore; fi
[[ ,$TOOLS, == *,slotcore-bench,* ]] && need_bin SBENCH slotcore-bench
((NO_CHART)) || need_bin CHART bench-chart

if [[ -z $OUT ]]; then
    mkdir -p -- "$SCRIPT_DIR/results"
    OUT=$SCRIPT_DIR/results/compare$CL_FILE-$(date -u +%Y%m%d-%H%M%S).md
fi
OUT_BASE=${OUT%.md}
mkdir -p -- "$(dirname -- "$OUT")"

# ------------------------------------------------------- process management
WORK=$(mktemp -d "${TMPDIR:-/tmp}/compare.XXXXXX")
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

cleanup() {
    local rc=$? pid
    trap - EXIT INT TERM
    if [[ -n $BENCH_PID ]]; then
        kill -TERM "$BENCH_PID" 2>/dev/null || true
        wait "$BENCH_PID" 2>/dev/null || true
    fi
    for pid in ${SERVER_PIDS[@]+"${SERVER_PIDS[@]}"}; do stop_pid "$pid"; done
    if ((rc == 0)); then
        rm -rf -- "$WORK"
    else
        log "exit status $rc; server logs and tool output kept in $WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Free TCP port in 20000-29999, outside the ephemeral range (32768-60999 by default) that
# clients' connections take their local ports from.  Cluster bus ports are taken from here
# too and passed as --cluster-port: the default, port + 10000, would fall in the ephemeral
# range, where another program's outgoing connection can hold the port by the time the
# node binds it (seen here: "Failed listening on port 3xxxx (cluster), aborting").
USED_PORTS=" "
free_port() { # -> PORT (not in a subshell, so USED_PORTS remembers it)
    local port i
    for ((i = 0; i < 1000; i++)); do
        port=$((20000 + RANDOM % 10000))
        [[ $USED_PORTS == *" $port "* ]] && continue
        # Nothing answering and no socket on it (ss lists listeners and connections) => free.
        if command -v ss >/dev/null 2>&1 && ss -Htan "sport = :$port" 2>/dev/null | grep -q .; then continue; fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
        USED_PORTS+="$port "
        PORT=$port
        return 0
    done
    die "could not find a free TCP port"
}

pin() { # CPUS -> prefix words for exec
    if [[ $1 == none ]]; then PIN=(); else PIN=(taskset -c "$1"); fi
}

show_cmd() { printf '%q ' "$@" | sed 's/ $//'; }

# Processes of server INDEX -> NODES: K masters for redis/valkey in cluster mode,
# otherwise 1 (slotcore is always one process, one cluster node, with K shards).
server_nodes() { # INDEX
    NODES=1
    if ((CLUSTER)) && [[ ${V_KIND[$1]} != slotcore ]]; then NODES=${V_SHARDS[$1]}; fi
}

# server_cmd INDEX PORT DIR BUSPORT -> CMD array (without taskset); DIR and BUSPORT
# are used in cluster mode.
server_cmd() {
    local i=$1 port=$2 dir=$3 bus=$4
    case ${V_KIND[i]} in
        slotcore)
            CMD=("$SLOTCORE" --port "$port" --shards "${V_SHARDS[i]}")
            [[ ${V_SHCPUS[i]} == none ]] || CMD+=(--shard-cpus "${V_SHCPUS[i]}")
            if ((CLUSTER)); then
                CMD+=(--cluster-enabled yes --cluster-port "$bus" --dir "$dir")
                [[ ${V_BUSCPU[i]} == none ]] || CMD+=(--bus-cpu "${V_BUSCPU[i]}")
            fi
            CMD+=(--save "" --appendonly no)
            ;;
        redis | valkey)
            CMD=("${V_KIND[i]}-server" --port "$port")
            ((CLUSTER)) && CMD+=(--cluster-enabled yes --cluster-port "$bus"
                --cluster-config-file "$dir/nodes.conf" --dir "$dir")
            CMD+=(--save "" --appendonly no --daemonize no)
            ;;
    esac
}

# CPUs of process NODE of NODES of server INDEX: the server's CPUs, or with several
# masters (cluster mode) master j on the j-th shard CPU, as slotcore's shard j.
node_cpus() { # INDEX NODE NODES -> NODE_CPUS
    local i=$1 n=$2 nodes=$3
    local -a arr
    NODE_CPUS=${V_CPUS[i]}
    if ((nodes > 1)) && [[ ${V_SHCPUS[i]} != none ]]; then
        mapfile -t arr < <(expand_cpus "${V_SHCPUS[i]}")
        NODE_CPUS=${arr[n % ${#arr[@]}]}
    fi
}

# redis-cli with a timeout, output without CRs; never fails (callers check the reply).
rcli() { # PORT ARGS...
    local port=$1
    shift
    timeout 5 redis-cli -p "$port" "$@" 2>&1 </dev/null | tr -d '\r' || true
}

# Start process NODE of server INDEX and wait until it answers PING
# -> PROC_PID PROC_PORT PROC_BUSPORT PROC_CMDLINE
start_process() { # INDEX NODE NODES
    local i=$1 n=$2 nodes=$3 name=${V_LABEL[$1]} port bus="" logf pid deadline rc reply reported dir
    ((nodes > 1)) && name+=-node$n
    free_port
    port=$PORT
    logf=$WORK/$name.log
    dir=$WORK/$name.dir
    if ((CLUSTER)); then
        mkdir -p -- "$dir"
        free_port
        bus=$PORT
    fi
    server_cmd "$i" "$port" "$dir" "$bus"
    node_cpus "$i" "$n" "$nodes"
    pin "$NODE_CPUS"
    PROC_CMDLINE="$(show_cmd ${PIN[@]+"${PIN[@]}"} "${CMD[@]}")"
    log "starting $name: $PROC_CMDLINE"
    ${PIN[@]+"${PIN[@]}"} "${CMD[@]}" </dev/null >"$logf" 2>&1 &
    pid=$!
    SERVER_PIDS+=("$pid")
    deadline=$((SECONDS + READY_TIMEOUT))
    while :; do
        if ! pid_alive "$pid"; then
            rc=0
            wait "$pid" 2>/dev/null || rc=$?
            tail -n 20 "$logf" >&2 || true
            die "$name exited during startup (exit status $rc)"
        fi
        reply=$(timeout 2 redis-cli -p "$port" PING 2>/dev/null || true)
        [[ $reply == PONG ]] && break
        if ((SECONDS >= deadline)); then
            tail -n 20 "$logf" >&2 || true
            die "$name did not answer PING on port $port within ${READY_TIMEOUT}s"
        fi
        sleep 0.1
    done
    reported=$(timeout 5 redis-cli -p "$port" INFO server 2>/dev/null |
        tr -d '\r' | awk -F: '$1 == "process_id" { print $2 }' || true)
    [[ -z $reported || $reported == "$pid" ]] ||
        die "$name reports process_id $reported but we started pid $pid; CPU accounting would be wrong"
    PROC_PID=$pid PROC_PORT=$port PROC_BUSPORT=$bus
    log "$name ready on port $port (pid $pid)"
}

# Cluster mode: give node j of N the slots j*16384/N .. (j+1)*16384/N-1, join the nodes
# with CLUSTER MEET, then wait until every node reports cluster_state:ok with all 16384
# slots ok and N known nodes, and answers a keyed command (GET of a probe key: nil or
# -MOVED) instead of -CLUSTERDOWN / -TRYAGAIN.  Refusals seen meanwhile are counted.
cluster_setup() { # INDEX
    local i=$1 name=${V_LABEL[$1]} n nodes a b reply info deadline t0 ok bad="" refusals=0 slots="" lf
    local -a ports
    read -r -a ports <<<"${V_PORTS[i]}"
    nodes=${#ports[@]}
    t0=$(now_ns)
    for ((n = 0; n < nodes; n++)); do
        a=$((n * 16384 / nodes)) b=$(((n + 1) * 16384 / nodes - 1))
        reply=$(rcli "${ports[n]}" CLUSTER ADDSLOTSRANGE "$a" "$b")
        [[ $reply == OK ]] || die "$name (port ${ports[n]}): CLUSTER ADDSLOTSRANGE $a $b answered '$reply'"
        slots+="${slots:+, }port ${ports[n]}: $a-$b"
    done
    for ((n = 1; n < nodes; n++)); do
        reply=$(rcli "${ports[n]}" CLUSTER MEET 127.0.0.1 "${ports[0]}" "${V_BUSPORT0[i]}")
        [[ $reply == OK ]] || die "$name (port ${ports[n]}): CLUSTER MEET 127.0.0.1 ${ports[0]} ${V_BUSPORT0[i]} answered '$reply'"
    done
    deadline=$((SECONDS + READY_TIMEOUT))
    while :; do
        ok=1
        for ((n = 0; n < nodes; n++)); do
            info=$(rcli "${ports[n]}" CLUSTER INFO |
                awk -F: '$1 ~ /^cluster_(state|slots_ok|known_nodes)$/ { printf "%s:%s ", $1, $2 }')
            if [[ $info != *"cluster_state:ok "* || $info != *"cluster_slots_ok:16384 "* ||
                $info != *"cluster_known_nodes:$nodes "* ]]; then
                ok=0 bad="port ${ports[n]}: ${info:-no CLUSTER INFO reply}"
                break
            fi
            reply=$(rcli "${ports[n]}" GET "compare-probe-$n")
            if [[ -n $reply && $reply != MOVED* ]]; then
                ok=0 bad="port ${ports[n]}: GET answered '$reply'"
                refusals=$((refusals + 1))
                break
            fi
        done
        ((ok)) && break
        if ((SECONDS >= deadline)); then
            for ((n = 0; n < nodes; n++)); do
                lf=$WORK/$name.log
                ((nodes == 1)) || lf=$WORK/$name-node$n.log
                tail -n 5 "$lf" >&2 || true
            done
            die "$name: cluster not ready within ${READY_TIMEOUT}s (last: $bad)"
        fi
        sleep 0.1
    done
    V_CLUSTER[i]="$nodes node(s) ($slots); cluster_state:ok and keyed commands served $(awk -v d=$(($(now_ns) - t0)) 'BEGIN { printf "%.1f", d / 1e9 }') s after ADDSLOTSRANGE; keyed probes refused meanwhile (CLUSTERDOWN/TRYAGAIN/other): $refusals${bad:+; last state before that: $bad}"
    log "$name cluster ready: ${V_CLUSTER[i]}"
}

V_PORT=() V_PORTS=() V_BUSPORT0=() V_PID=() V_CMDLINE=() V_CLUSTER=()
start_server() { # INDEX
    local i=$1 n nodes
    local -a pids=() ports=() cmds=()
    server_nodes "$i"
    nodes=$NODES
    for ((n = 0; n < nodes; n++)); do
        start_process "$i" "$n" "$nodes"
        pids+=("$PROC_PID") ports+=("$PROC_PORT") cmds+=("$PROC_CMDLINE")
        ((n > 0)) || V_BUSPORT0[i]=$PROC_BUSPORT
    done
    V_PID[i]=${pids[*]} V_PORT[i]=${ports[0]} V_PORTS[i]=${ports[*]}
    V_CMDLINE[i]=$(printf '%s ; ' "${cmds[@]}" | sed 's/ ; $//')
    ((CLUSTER == 0)) || cluster_setup "$i"
}

# Every process of a server (the PIDs, space-separated) is still running.
pids_alive() { # "PID..."
    local p
    local -a pids
    read -r -a pids <<<"$1"
    for p in "${pids[@]}"; do pid_alive "$p" || return 1; done
}

# utime + stime (fields 14 and 15 of /proc/PID/stat, all threads) summed over PIDs.
cpu_ticks() { # "PID..."
    local stat p sum=0
    local -a f pids
    read -r -a pids <<<"$1"
    for p in "${pids[@]}"; do
        stat=$(cat "/proc/$p/stat" 2>/dev/null) || return 1
        stat=${stat##*) }
        read -r -a f <<<"$stat"
        sum=$((sum + f[11] + f[12]))
    done
    printf '%s\n' "$sum"
}

loadavg1() { cut -d' ' -f1 /proc/loadavg; }
# Busy ticks of the whole host (user nice system irq softirq steal), /proc/stat.
host_busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }
# CPU ms of this shell's reaped children (bash `times`, second line), i.e. the load tool.
# Call as `times >"$WORK/times"; x=$(children_ms)`: `times` must run in this shell,
# not in the subshell of a command substitution.
children_ms() {
    awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub(/s$/, "", a[2]); t += a[1] * 60000 + a[2] * 1000 } printf "%.0f\n", t }' "$WORK/times"
}
now_ns() { date +%s%N; }

# Run one tool on one server in the background and wait (so cleanup can kill it).
run_bg() { # OUTFILE ERRFILE cmd...
    local o=$1 e=$2
    shift 2
    timeout -k 5 "$BENCH_TIMEOUT" "$@" >"$o" 2>"$e" &
    BENCH_PID=$!
    local rc=0
    wait "$BENCH_PID" || rc=$?
    BENCH_PID=""
    return "$rc"
}

# Fill keys PREFIX0..PREFIX$KEY_MAX so slotcore-bench GETs hit (not timed).
prefill() { # INDEX
    local i=$1 per err=$WORK/prefill-${V_LABEL[$1]}.err
    local -a cl=()
    ((CLUSTER)) && cl=(--cluster-mode)
    per=$(((KEY_MAX + 1 + CLIENTS - 1) / CLIENTS))
    pin "${V_LG[i]}"
    run_bg "$WORK/prefill-${V_LABEL[i]}.out" "$err" \
        ${PIN[@]+"${PIN[@]}"} "$SBENCH" -p "${V_PORT[i]}" ${cl[@]+"${cl[@]}"} -t "$LG_THREADS" -c "$CPT" --pipeline 32 \
        --ratio 1:0 --key-pattern P:P --key-minimum 0 --key-maximum "$KEY_MAX" \
        --key-prefix "${V_PREFIX[i]}" -d "$DATA_SIZE" -n "$per" --hide-histogram ||
        { cat "$err" >&2; die "prefill of ${V_LABEL[i]} failed"; }
    if grep -q 'error replies' "$err" 2>/dev/null; then
        WARNINGS+=("${V_LABEL[i]} prefill: $(grep -h -m1 'error replies' "$err") (some keys may be missing, so some GETs miss)")
    fi
    return 0
}

RAW=$WORK/raw.tsv
WARNINGS=()
# run_cell INDEX TOOL OP PIPE ROUND ORDER -> appends a row to $RAW
run_cell() {
    local i=$1 tool=$2 op=$3 pipe=$4 round=$5 order=$6
    local name=${V_LABEL[$1]} port=${V_PORT[$1]} pid=${V_PID[$1]}
    local n out t0 t1 w0 w1 rc=0 la ops p50 p99 p999 hits moved=- ask=- nodes
    local -a pids
    read -r -a pids <<<"$pid"
    nodes=${#pids[@]}
    if ((pipe > 1)); then n=$N_P32; else n=$N_P1; fi
    out=$WORK/r$round-$name-$tool-$op-P$pipe
    pin "${V_LG[i]}"
    local -a cmd
    if [[ $tool == redis-benchmark ]]; then
        # -r: keys key:000000000000..key:<KEY_MAX>, uniformly random, as slotcore-bench's.
        cmd=(redis-benchmark -p "$port" -c "$CLIENTS" -t "${op,,}" -n "$n" -d "$DATA_SIZE" -r "$((KEY_MAX + 1))")
        ((LG_THREADS > 1)) && cmd+=(--threads "$LG_THREADS")
        ((pipe > 1)) && cmd+=(-P "$pipe")
        # redis-benchmark --cluster refuses a cluster of one master; a single node owns
        # every slot, so plain mode sends nothing it would redirect.  With --cluster it
        # would run one thread per master unless told: keep --loadgen-threads.
        ((CLUSTER && nodes > 1 && LG_THREADS == 1)) && cmd+=(--threads 1)
        ((CLUSTER && nodes > 1)) && cmd+=(--cluster)
    else
        local per=$(((n + CLIENTS - 1) / CLIENTS))
        n=$((per * CLIENTS))
        local ratio=0:1
        [[ $op == SET ]] && ratio=1:0
        cmd=("$SBENCH" -p "$port" -t "$LG_THREADS" -c "$CPT" --pipeline "$pipe" -n "$per" --ratio "$ratio"
            --key-prefix "${V_PREFIX[i]}" --key-minimum 0 --key-maximum "$KEY_MAX"
            -d "$DATA_SIZE" --hide-histogram)
        ((CLUSTER)) && cmd+=(--cluster-mode)
    fi
    pids_alive "$pid" || die "$name (pid(s) $pid) is not running; logs: $WORK/$name*.log"
    la=$(loadavg1)
    local h0 h1 c0 c1 other
    times >"$WORK/times"
    c0=$(children_ms)
    h0=$(host_busy)
    t0=$(cpu_ticks "$pid") || die "cannot read /proc/$pid/stat"
    w0=$(now_ns)
    run_bg "$out.out" "$out.err" ${PIN[@]+"${PIN[@]}"} "${cmd[@]}" || rc=$?
    w1=$(now_ns)
    t1=$(cpu_ticks "$pid") || die "$name (pid $pid) vanished during $tool $op P$pipe"
    h1=$(host_busy)
    times >"$WORK/times"
    c1=$(children_ms)
    # CPU used by everything else on the host during the run, in % of all CPUs
    # (host busy − this server − the load tool); a better noise indicator than the
    # load average, which counts our own server and load tool.
    other=$(awk -v h=$((h1 - h0)) -v s=$((t1 - t0)) -v c=$((c1 - c0)) -v hz="$CLK_TCK" \
        -v w=$((w1 - w0)) -v np="$NPROC" 'BEGIN {
            o = (h - s) / hz - c / 1000; if (o < 0) o = 0
            printf "%.1f", (w > 0) ? o / (w / 1e9) / np * 100 : 0 }')
    if ((rc != 0)); then
        cat -- "$out.err" >&2 || true
        die "$tool $op P$pipe against $name failed (exit $rc)"
    fi
    if [[ $tool == redis-benchmark ]]; then
        # Summary: "throughput summary: X requests per second", then avg min p50 p95 p99 max;
        # p99.9: first line of "Latency by percentile distribution" at >= 99.9%
        # (an upper bound of p99.9 at the tool's histogram resolution).
        read -r ops p50 p99 p999 < <(tr '\r' '\n' <"$out.out" | awk '
            /throughput summary:/ { ops = $3 }
            /latency summary/ { getline; getline; p50 = $3; p99 = $5 }
            /^Latency by percentile distribution/ { inpct = 1; next }
            inpct && /^$/ { inpct = 0 }
            inpct && p999 == "" { v = $1; sub(/%/, "", v); if (v + 0 >= 99.9) p999 = $3 }
            END { print (ops == "" ? "nan" : ops), (p50 == "" ? "nan" : p50), (p99 == "" ? "nan" : p99), (p999 == "" ? "nan" : p999) }')
        grep -q 'Error from server\|ERR' "$out.out" "$out.err" 2>/dev/null &&
            WARNINGS+=("$name $tool $op P$pipe round $round: error replies: $(grep -h -m1 'Error\|ERR' "$out.out" "$out.err" | head -n 1)")
    else
        # "Totals  ops/s  hits/s  misses/s  [MOVED  ASK]  avg  p50  p99  p99.9  max  KB/s"
        # (MOVED and ASK only with --cluster-mode)
        read -r ops p50 p99 p999 moved ask < <(awk -v cl="$CLUSTER" '$1 == "Totals" {
                if (cl) print $2, $8, $9, $10, $5, $6; else print $2, $6, $7, $8, "-", "-"; f = 1 }
            END { if (!f) print "nan nan nan nan - -" }' "$out.out")
        if ((CLUSTER)) && [[ $moved != 0 || $ask != 0 ]]; then
            WARNINGS+=("$name $tool $op P$pipe round $round: $moved MOVED and $ask ASK redirections")
        fi
        if [[ $op == GET ]]; then
            hits=$(awk '$1 == "Gets" { print $3 }' "$out.out")
            awk -v h="${hits:-0}" 'BEGIN { exit !(h + 0 == 0) }' &&
                WARNINGS+=("$name $tool GET P$pipe round $round: 0 hits/s (GETs missed)")
        fi
        grep -q 'error replies' "$out.err" 2>/dev/null &&
            WARNINGS+=("$name $tool $op P$pipe round $round: $(grep -h -m1 'error replies' "$out.err")")
    fi
    [[ $ops =~ ^[0-9]+(\.[0-9]+)?$ ]] || {
        cat -- "$out.out" "$out.err" >&2 || true
        die "could not parse ops/s of $tool $op P$pipe against $name"
    }
    ((t1 - t0 > 0)) || WARNINGS+=("$name $tool $op P$pipe round $round: server CPU delta was 0 ticks")
    {
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s' "$round" "$order" "$tool" \
            "$op P$pipe" "$name" "$ops" "$p50" "$p99" "$p999" "$((t1 - t0))" "$n" \
            "$(((w1 - w0) / 1000000))" "$la" "$other" "$((c1 - c0))"
        # Cluster mode: columns 16-17, slotcore-bench's MOVED and ASK counts ("-" for redis-benchmark).
        if ((CLUSTER)); then printf '\t%s\t%s' "$moved" "$ask"; fi
        printf '\n'
    } >>"$RAW"
    log "r$round $(printf '%-15s %-7s %-12s %11.0f ops/s  p50 %6s  p99 %6s  p99.9 %6s ms  %7.3f µs CPU/op  load %s  other %s%%' \
        "$tool" "$op P$pipe" "$name" "$ops" "$p50" "$p99" "$p999" \
        "$(awk -v t=$((t1 - t0)) -v hz="$CLK_TCK" -v n="$n" 'BEGIN { printf "%.3f", t / hz * 1e6 / n }')" "$la" "$other")"
}

host_header() {
    local rev
    rev=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo "no commit")
    [[ -z $(git -C "$REPO_ROOT" status --porcelain 2>/dev/null | head -n 1) ]] || rev+=" (worktree dirty)"
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); kernel $(uname -r); $NPROC CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown))"
    echo "- Load average (1/5/15 min): at start $LOAD_START; at end $(cut -d' ' -f1-3 /proc/loadavg); 1-min value at each run start is in the raw table"
    echo "- Host CPU steal during the rounds: $STEAL% of all CPU time (/proc/stat; non-zero = the hypervisor ran something else on our vCPUs)"
    echo "- Command: \`$CMDLINE\`"
    echo "- redis-server: $(redis-server --version | awk '{ print $3 }' | sed 's/^v=//'); redis-benchmark: $(redis-benchmark --version 2>/dev/null | awk '{ print $2 }')"
    if command -v valkey-server >/dev/null 2>&1; then echo "- valkey-server: $(valkey-server --version | awk '{ print $3 }')"; fi
    if [[ -n $SLOTCORE ]]; then
        echo "- slotcore: \`$SLOTCORE\` (repo HEAD $rev, binary built $(date -u -r "$SLOTCORE" '+%Y-%m-%d %H:%M UTC'))"
    fi
    local ov=""
    for v in BENCH_N_P1 BENCH_N_P32 BENCH_CLIENTS BENCH_DATA_SIZE BENCH_KEY_MAX; do
        [[ -n ${!v:-} ]] && ov+=" $v=${!v}"
    done
    [[ -z $ov ]] || echo "- Environment overrides:$ov"
    return 0
}

# ================================================================== main
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
# "steal_ticks total_ticks" of the aggregate cpu line of /proc/stat.
steal_snapshot() { awk '$1 == "cpu" { t = 0; for (i = 2; i <= NF; i++) t += $i; print $9 + 0, t; exit }' /proc/stat; }
STEAL0=$(steal_snapshot)
: >"$RAW"
log "load average at start: $LOAD_START"
for i in "${!V_LABEL[@]}"; do start_server "$i"; done
if [[ ,$TOOLS, == *,slotcore-bench,* ]]; then
    for i in "${!V_LABEL[@]}"; do
        log "prefilling ${V_LABEL[i]}: keys ${V_PREFIX[i]}0..${V_PREFIX[i]}$KEY_MAX, $DATA_SIZE bytes"
        prefill "$i"
    done
fi

NV=${#V_LABEL[@]}
for ((round = 1; round <= ROUNDS; round++)); do
    order_idx=()
    for ((j = 0; j < NV; j++)); do order_idx+=($(((round - 1 + j) % NV))); done
    log "round $round/$ROUNDS (load $(loadavg1)); order: $(for j in "${order_idx[@]}"; do printf '%s ' "${V_LABEL[j]}"; done)"
    for tool in "${TOOL_LIST[@]}"; do
        for cell in "${CELL_LIST[@]}"; do
            o=1
            for j in "${order_idx[@]}"; do
                run_cell "$j" "$tool" "${cell%%:*}" "${cell##*:}" "$round" "$o"
                o=$((o + 1))
            done
        done
    done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
# Server log lines that look like trouble (Redis's overcommit advice excepted).
for lf in "$WORK"/*.log; do
    [[ -e $lf ]] || continue
    while IFS= read -r line; do
        WARNINGS+=("log of $(basename -- "$lf" .log): $line")
    done < <(grep -i -E 'panic|error|fatal|fail|abort' "$lf" | grep -v -i overcommit | head -n 5 || true)
done
STEAL=$(awk -v a="$STEAL0" -v b="$(steal_snapshot)" 'BEGIN { split(a, x, " "); split(b, y, " "); d = y[2] - x[2]; printf "%.1f", (d > 0) ? (y[1] - x[1]) / d * 100 : 0 }')

# ------------------------------------------------------------------ report
# Summary per (tool, cell, server): medians over rounds; ratios vs the server
# labelled "redis" (ratio of medians, and the median of per-round paired ratios).
SUMMARY=$WORK/summary.tsv
awk -F'\t' -v hz="$CLK_TCK" -v ref=redis -v cl="$CLUSTER" '
    function med(s,   a, n, i, j, t) {
        n = split(s, a, " ")
        for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
        if (n == 0) return "nan"
        return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function mn(s,   a, n, i, m) { n = split(s, a, " "); m = a[1]; for (i = 2; i <= n; i++) if (a[i] + 0 < m + 0) m = a[i]; return m }
    function mx(s,   a, n, i, m) { n = split(s, a, " "); m = a[1]; for (i = 2; i <= n; i++) if (a[i] + 0 > m + 0) m = a[i]; return m }
    {
        k = $3 SUBSEP $4 SUBSEP $5
        if (!(k in seen)) { seen[k] = 1; keys[++nk] = k }
        cpu = $10 / hz * 1e6 / $11
        util = ($12 > 0) ? $10 / hz / ($12 / 1000) : 0
        OPS[k] = OPS[k] " " $6; P50[k] = P50[k] " " $7; P99[k] = P99[k] " " $8; P999[k] = P999[k] " " $9
        CPU[k] = CPU[k] " " cpu; UTIL[k] = UTIL[k] " " util
        OTH[k] = OTH[k] " " $14; LT[k] = LT[k] " " ($15 * 1000 / $11)
        rops[$1, k] = $6; rcpu[$1, k] = cpu; rounds[$1] = 1
        if (cl) { if ($16 == "-" || $17 == "-") nored[k] = 1; MOV[k] += $16; ASK[k] += $17 }
    }
    END {
        for (x = 1; x <= nk; x++) {
            k = keys[x]; split(k, f, SUBSEP)
            rk = f[1] SUBSEP f[2] SUBSEP ref
            po = ""; pc = ""
            if (f[3] != ref && (rk in seen)) {
                for (r in rounds) if (((r, rk) in rops) && ((r, k) in rops) && rops[r, rk] > 0 && rcpu[r, rk] > 0) {
                    po = po " " rops[r, k] / rops[r, rk]; pc = pc " " rcpu[r, k] / rcpu[r, rk]
                }
            }
            printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", f[1], f[2], f[3], med(OPS[k]), mn(OPS[k]), mx(OPS[k]),
                med(P50[k]), med(P99[k]), med(P999[k]), med(CPU[k]), mn(CPU[k])
            printf "\t%s\t%s", mx(CPU[k]), med(UTIL[k])
            if (po != "") printf "\t%s\t%s\t%s\t%s\t%s\t%s", med(po), mn(po), mx(po), med(pc), mn(pc), mx(pc)
            else printf "\t\t\t\t\t\t"
            printf "\t%s\t%s", mx(OTH[k]), med(LT[k])
            if (cl) printf "\t%s\t%s", (k in nored) ? "-" : MOV[k], (k in nored) ? "-" : ASK[k]
            printf "\n"
        }
    }' "$RAW" >"$SUMMARY"
# Columns: 1 tool 2 cell 3 server 4 ops_med 5 ops_min 6 ops_max 7 p50 8 p99 9 p999
#          10 cpu_med 11 cpu_min 12 cpu_max 13 util_med 14-16 paired ops ratio med/min/max
#          17-19 paired cpu ratio med/min/max 20 other procs CPU % (max) 21 load tool µs CPU/op
#          cluster mode only: 22 MOVED 23 ASK (slotcore-bench, sum over rounds; "-" for redis-benchmark)

REPORT=$WORK/report.md
{
    echo "# tuning/compare.sh — $(printf '%s ' "${V_LABEL[@]}" | sed 's/ $//; s/ / vs /g')${CL_TITLE:+ (cluster mode)}"
    echo
    host_header
    echo "- Rounds: $ROUNDS (server order rotates per round); $CLIENTS clients ($LG_THREADS load-tool thread(s)); value size $DATA_SIZE bytes; P1 cells $N_P1 requests, P32 cells $N_P32 requests per run"
    echo "- Servers (all running side by side for the whole script; load tool pinned per server as listed):"
    for i in "${!V_LABEL[@]}"; do
        echo "  - ${V_LABEL[i]}: \`${V_CMDLINE[i]}\`; load tool \`taskset -c ${V_LG[i]}\`${V_PREFIX[i]:+; slotcore-bench key prefix \`${V_PREFIX[i]}\`}"
        ((CLUSTER == 0)) || echo "    - cluster: ${V_CLUSTER[i]}"
    done
    if ((CLUSTER)); then
        echo "- Cluster mode: each server is a Redis Cluster; server CPU/op sums utime+stime over all of its processes."
        echo "  slotcore-bench runs with \`--cluster-mode\` (reads CLUSTER SLOTS, connects every client to every master, follows"
        echo "  and counts MOVED/ASK; with N masters that is $CLIENTS × N connections, pipeline per client and master)."
        echo "  redis-benchmark runs with \`--cluster --threads $LG_THREADS\` against a server of ≥ 2 masters (it would start one"
        echo "  thread per master otherwise) and plain (no \`--cluster\`) against a single node, which owns all 16384 slots:"
        echo "  redis-benchmark refuses \`--cluster\` with fewer than 2 masters."
    fi
    echo "- Load tools (per cell; PORT, OP, N vary):"
    [[ ,$TOOLS, == *,redis-benchmark,* ]] &&
        echo "  - \`redis-benchmark -p PORT -c $CLIENTS -t {set|get} -n N -d $DATA_SIZE -r $((KEY_MAX + 1)) [-P 32]$( ((LG_THREADS > 1)) && echo " --threads $LG_THREADS")\` (\`key:__rand_int__\` over $((KEY_MAX + 1)) random keys)"
    [[ ,$TOOLS, == *,slotcore-bench,* ]] &&
        echo "  - \`slotcore-bench -p PORT$CL_SBENCH -t $LG_THREADS -c $CPT --pipeline {1|32} -n N/$CLIENTS --ratio {1:0|0:1} --key-prefix PREFIX --key-minimum 0 --key-maximum $KEY_MAX -d $DATA_SIZE\` (uniform random keys, all $((KEY_MAX + 1)) prefilled before the rounds, so GETs hit)"
    echo
    has_ref=0
    [[ " ${V_LABEL[*]} " == *" redis "* ]] && has_ref=1
    # Cluster mode adds a last column: slotcore-bench's MOVED/ASK, summed over rounds.
    cl_head="" cl_rule=""
    ((CLUSTER)) && cl_head=" MOVED / ASK (sum over rounds) |" cl_rule="---:|"
    if ((has_ref)); then
        echo "| tool | cell | server | ops/s | ops/s min–max | p50 ms | p99 ms | p99.9 ms | server µs CPU/op | server core util | ops/s vs redis | CPU/op vs redis | paired ops/s ratio (min–max) | load tool µs CPU/op | other procs CPU % (max) |$cl_head"
        echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|$cl_rule"
    else
        echo "| tool | cell | server | ops/s | ops/s min–max | p50 ms | p99 ms | p99.9 ms | server µs CPU/op | µs CPU/op min–max | server core util | load tool µs CPU/op | other procs CPU % (max) |$cl_head"
        echo "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|$cl_rule"
    fi
    awk -F'\t' -v ref=redis -v has_ref="$has_ref" -v cl="$CLUSTER" '
        function eol(f) { if (cl) printf " %s |", (f[22] == "-") ? "—" : f[22] " / " f[23]; printf "\n" }
        { row[NR] = $0; k = $1 SUBSEP $2 SUBSEP $3; o[k] = $4; c[k] = $10 }
        END {
            for (i = 1; i <= NR; i++) {
                split(row[i], f, "\t")
                rk = f[1] SUBSEP f[2] SUBSEP ref
                printf "| %s | %s | %s | %.0f | %.0f–%.0f | %.3f | %.3f | %.3f | %.3f | ", f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10]
                if (!has_ref) { printf "%.3f–%.3f | %.2f | %.2f | %s |", f[11], f[12], f[13], f[21], f[20]; eol(f); continue }
                printf "%.2f | ", f[13]
                if (f[3] == ref || !(rk in o)) printf "1 | 1 | — | "
                else printf "%.2f | %.2f | %.2f (%.2f–%.2f) | ", f[4] / o[rk], f[10] / c[rk], f[14], f[15], f[16]
                printf "%.2f | %s |", f[21], f[20]
                eol(f)
            }
        }' "$SUMMARY"
    echo
    echo "Medians over $ROUNDS round(s). Latency: redis-benchmark's p50/p99 summary and, for p99.9, its first"
    echo "percentile line at ≥ 99.9% (an upper bound); slotcore-bench's HdrHistogram p50/p99/p99.9 (per request,"
    echo "from send to reply). Server core util = server CPU seconds / wall seconds of the run (≈1 = the server's"
    echo "core was the limit; well below 1 = the load tool or the round trip was). CPU/op resolution: 1/$CLK_TCK s per run."
    echo "Load tool µs CPU/op: user+sys of the load-tool process (bash \`times\`). Other procs CPU %: CPU used by"
    echo "every other process during the run, in % of all $NPROC CPUs (largest over rounds; see below the raw table)."
    if ((has_ref)); then
        echo "Ratios > 1 for ops/s mean faster than redis; < 1 for CPU/op mean cheaper. Paired ratio: per-round"
        echo "ratio of runs done back to back in the same round (cancels drift of a busy host)."
    fi
    echo
    if ((NO_CHART == 0)); then
        echo "Chart: \`$(basename -- "$OUT_BASE").png\` (bars: median ops/s; whiskers: min–max over rounds)."
        echo
    fi
    echo "## Raw runs"
    echo
    echo "| round | order | tool | cell | server | ops/s | p50 ms | p99 ms | p99.9 ms | server CPU s | µs CPU/op | load tool µs CPU/op | wall s | load (1 min) | other procs CPU % |${cl_head:+ MOVED | ASK |}"
    echo "|---:|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|${cl_rule:+---:|---:|}"
    awk -F'\t' -v hz="$CLK_TCK" -v cl="$CLUSTER" '{
        printf "| %s | %s | %s | %s | %s | %.0f | %s | %s | %s | %.2f | %.3f | %.3f | %.2f | %s | %s |",
            $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 / hz, $10 / hz * 1e6 / $11, $15 * 1000 / $11, $12 / 1000, $13, $14
        if (cl) printf " %s | %s |", ($16 == "-") ? "—" : $16, ($17 == "-") ? "—" : $17
        printf "\n" }' "$RAW"
    echo
    echo "load (1 min) is read just before each run and includes this script's own server and load tool of"
    echo "the previous runs (≈2 on 2 CPUs when they saturate both), so it overstates foreign load; \"other procs"
    echo "CPU %\" = (host busy time from /proc/stat − this server − the load tool) / (wall × $NPROC CPUs) during the"
    echo "run is the direct measure of interference from other processes."
    if ((${#WARNINGS[@]} > 0)); then
        echo
        echo "## Warnings"
        echo
        for w in "${WARNINGS[@]}"; do echo "- $w"; done
    fi
} >"$REPORT"

cp -- "$REPORT" "$OUT"
cp -- "$RAW" "$OUT_BASE.tsv"
cp -- "$SUMMARY" "$OUT_BASE.summary.tsv"
cat -- "$REPORT"
log "report: $OUT; raw runs: $OUT_BASE.tsv"

if ((NO_CHART == 0)); then
    CSV=$OUT_BASE.chart.csv
    {
        echo "panel,unit,group,series,value,min,max"
        # ops/s panels per (tool, pipeline), groups = op; CPU panels per pipeline,
        # groups = tool+op.
        awk -F'\t' '
            function short(t) { return t == "redis-benchmark" ? "rb" : "sb" }
            { split($2, c, " "); op = c[1]; p = c[2]
              printf "%s %s: ops/s,ops/s (median; whisker min-max),%s,%s,%s,%s,%s\n", $1, p, op, $3, $4, $5, $6
              cpu[++n] = sprintf("server CPU per op %s,us CPU/op (median; whisker min-max),%s %s,%s,%s,%s,%s", p, short($1), op, $3, $10, $11, $12) }
            END { for (i = 1; i <= n; i++) print cpu[i] }' "$SUMMARY" | sed 's/us CPU/µs CPU/'
    } >"$CSV"
    [[ -n $TITLE ]] || TITLE="$(printf '%s ' "${V_LABEL[@]}" | sed 's/ $//; s/ / vs /g')$CL_TITLE (server CPUs $SERVER_CPUS, load tool CPUs $LOADGEN_CPUS)"
    "$CHART" --in "$CSV" --out "$OUT_BASE.png" --title "$TITLE" \
        --subtitle "$(date -u '+%Y-%m-%d %H:%M UTC'); load avg start $LOAD_START, end $LOAD_END; $ROUNDS rounds, $CLIENTS clients; rb = redis-benchmark, sb = slotcore-bench" ||
        die "bench-chart failed"
    log "chart: $OUT_BASE.png (input $CSV)"
fi
