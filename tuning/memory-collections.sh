#!/usr/bin/env bash
# memory-collections.sh — memory per key of small collections (and short
# strings): slotcore vs redis-server.
#
# Usage:
#   tuning/memory-collections.sh [--slotcore PATH] [--keys N] [--out FILE.md]
#
# For each data set, each server is started fresh (slotcore with --shards SHARDS, default 2),
# its used_memory is read, the keys are loaded with `redis-cli --pipe`, and
# used_memory is read again. The report gives (after - before) / keys, the
# encoding of a sample key, and the process RSS.
#
# Data sets (N keys each, default 100000):
#   hashes   HSET hash:<i> field:1 value:<i>:1 ... field:5 value:<i>:5
#   sets     SADD set:<i> member:<i>:1 ... member:<i>:5     (strings)
#   intsets  SADD iset:<i> <i*5+1> ... <i*5+5>               (integers)
#   zsets    ZADD zset:<i> 1.5 member:<i>:1 ... 7.5 member:<i>:5
#   lists    RPUSH list:<i> item:<i>:1 ... item:<i>:5
#   strings  SET str:<i> <16 bytes>                            (v + i, zero-padded)
#
# --sets NAME[,NAME...] measures only those data sets (default: all of them).
#
# Redis 7.0 stores a small set of strings as a hashtable (listpack sets came in
# 7.2); slotcore uses the 7.2 encodings. The encoding column shows which one each
# server used.
#
# --slotcore defaults to target/release/slotcore (built with cargo build
# --release if missing). Memory figures do not depend on the build profile: a
# debug binary (target/debug/slotcore) gives the same used_memory.
set -euo pipefail
export LC_ALL=C

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd)
READY_TIMEOUT=${READY_TIMEOUT:-30}

SLOTCORE=""
KEYS=100000
SHARDS=2
DATASETS="hashes,sets,intsets,zsets,lists,strings"
OUT=""

log() { printf '[memory-collections] %s\n' "$*" >&2; }
die() { printf 'memory-collections: error: %s\n' "$*" >&2; exit 1; }

usage() {
    cat <<'EOF'
Usage: tuning/memory-collections.sh [--slotcore PATH] [--keys N] [--sets LIST] [--out FILE.md]

  --slotcore PATH  slotcore binary (default: target/release/slotcore; built
                   with `cargo build --release` if missing)
  --keys N         keys per data set (default 100000)
  --sets LIST      comma-separated data sets (default: hashes,sets,intsets,zsets,lists,strings)
  --out FILE.md    also write the markdown report to FILE.md
  -h, --help       this help
EOF
}

while (($# > 0)); do
    case $1 in
        --slotcore | --keys | --sets | --out | --shards)
            (($# >= 2)) || die "$1 needs a value"
            case $1 in
                --slotcore) SLOTCORE=$2 ;;
                --keys) KEYS=$2 ;;
                --shards) SHARDS=$2 ;;
                --sets) DATASETS=$2 ;;
                --out) OUT=$2 ;;
            esac
            shift 2
            ;;
        --slotcore=*) SLOTCORE=${1#*=}; shift ;;
        --keys=*) KEYS=${1#*=}; shift ;;
        --sets=*) DATASETS=${1#*=}; shift ;;
        --out=*) OUT=${1#*=}; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument: $1" ;;
    esac
done
[[ $KEYS =~ ^[1-9][0-9]*$ ]] || die "--keys must be a positive integer (got '$KEYS')"
IFS=, read -r -a DATASET_LIST <<<"$DATASETS"
for d in "${DATASET_LIST[@]}"; do
    case $d in
        hashes | sets | intsets | zsets | lists | strings) ;;
        *) die "unknown data set: $d" ;;
    esac
done

for tool in redis-server redis-cli awk python3 timeout; do
    command -v "$tool" >/dev/null 2>&1 || die "required tool not found: $tool"
done

if [[ -n $SLOTCORE ]]; then
    [[ -e $SLOTCORE ]] || die "--slotcore $SLOTCORE: no such file"
    SLOTCORE=$(cd -- "$(dirname -- "$SLOTCORE")" && pwd)/$(basename -- "$SLOTCORE")
else
    SLOTCORE=$REPO_ROOT/target/release/slotcore
    if [[ ! -e $SLOTCORE ]]; then
        command -v cargo >/dev/null 2>&1 || die "$SLOTCORE is missing and cargo is not installed"
        log "$SLOTCORE missing; running cargo build --release in $REPO_ROOT"
        (cd -- "$REPO_ROOT" && cargo build --release) >&2 || die "cargo build --release failed"
        [[ -e $SLOTCORE ]] || die "cargo build --release did not produce $SLOTCORE"
    fi
fi
[[ -x $SLOTCORE ]] || die "$SLOTCORE is not executable"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/memory-collections.XXXXXX")
SERVER_PID=""

pid_alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}

stop_server() {
    [[ -n $SERVER_PID ]] || return 0
    local deadline
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while pid_alive "$SERVER_PID" && ((SECONDS < deadline)); do sleep 0.1; done
    pid_alive "$SERVER_PID" && kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_server
    if ((rc == 0)); then
        rm -rf -- "$WORK"
    else
        log "exit status $rc; logs kept in $WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    python3 - <<'EOF'
import random, socket
for _ in range(500):
    p = random.randint(20000, 29999)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
EOF
}

# start_server NAME PORT: starts it, waits for PING, checks that the process we
# started is the one answering on the port.
start_server() {
    local name=$1 port=$2 logf=$WORK/$1-$2.log deadline reported
    case $name in
        slotcore) "$SLOTCORE" --port "$port" --shards "$SHARDS" --save "" --appendonly no </dev/null >"$logf" 2>&1 & ;;
        redis) redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
            --dir "$WORK" </dev/null >"$logf" 2>&1 & ;;
    esac
    SERVER_PID=$!
    deadline=$((SECONDS + READY_TIMEOUT))
    until [[ $(timeout 2 redis-cli -p "$port" PING 2>/dev/null || true) == PONG ]]; do
        if ! pid_alive "$SERVER_PID"; then
            tail -n 20 "$logf" >&2 || true
            die "$name exited during startup"
        fi
        ((SECONDS < deadline)) || die "$name did not answer PING on port $port"
        sleep 0.1
    done
    reported=$(redis-cli -p "$port" INFO server | tr -d '\r' | awk -F: '$1 == "process_id" { print $2 }')
    [[ $reported == "$SERVER_PID" ]] ||
        die "port $port is served by pid '$reported', not the $name we started ($SERVER_PID)"
}

used_memory() {
    redis-cli -p "$1" INFO memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }'
}

rss_bytes() {
    awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$1/status"
}

# gen_protocol DATASET N FILE: the commands as RESP, for redis-cli --pipe.
gen_protocol() {
    awk -v set="$1" -v n="$2" 'BEGIN {
        for (i = 0; i < n; i++) {
            if (set == "hashes") {
                printf "*12\r\n$4\r\nHSET\r\n"
                k = "hash:" i
                printf "$%d\r\n%s\r\n", length(k), k
                for (j = 1; j <= 5; j++) {
                    f = "field:" j; v = "value:" i ":" j
                    printf "$%d\r\n%s\r\n$%d\r\n%s\r\n", length(f), f, length(v), v
                }
            } else if (set == "zsets") {
                printf "*12\r\n$4\r\nZADD\r\n"
                k = "zset:" i
                printf "$%d\r\n%s\r\n", length(k), k
                for (j = 1; j <= 5; j++) {
                    sc = j * 1.5; m = "member:" i ":" j
                    printf "$%d\r\n%s\r\n$%d\r\n%s\r\n", length(sc), sc, length(m), m
                }
            } else if (set == "lists") {
                printf "*7\r\n$5\r\nRPUSH\r\n"
                k = "list:" i
                printf "$%d\r\n%s\r\n", length(k), k
                for (j = 1; j <= 5; j++) {
                    m = "item:" i ":" j
                    printf "$%d\r\n%s\r\n", length(m), m
                }
            } else if (set == "strings") {
                k = "str:" i
                v = sprintf("v%015d", i)
                printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\n%s\r\n", length(k), k, v
            } else {
                printf "*7\r\n$4\r\nSADD\r\n"
                k = (set == "sets" ? "set:" : "iset:") i
                printf "$%d\r\n%s\r\n", length(k), k
                for (j = 1; j <= 5; j++) {
                    m = (set == "sets" ? "member:" i ":" j : i * 5 + j)
                    printf "$%d\r\n%s\r\n", length(m), m
                }
            }
        }
    }' >"$3"
}

sample_key() {
    case $1 in
        hashes) echo "hash:0" ;;
        sets) echo "set:0" ;;
        intsets) echo "iset:0" ;;
        zsets) echo "zset:0" ;;
        lists) echo "list:0" ;;
        strings) echo "str:0" ;;
    esac
}

ROWS=$WORK/rows
: >"$ROWS"
for dataset in "${DATASET_LIST[@]}"; do
    proto=$WORK/$dataset.resp
    gen_protocol "$dataset" "$KEYS" "$proto"
    for name in slotcore redis; do
        port=$(free_port)
        [[ -n $port ]] || die "no free port"
        start_server "$name" "$port"
        before=$(used_memory "$port")
        rss0=$(rss_bytes "$SERVER_PID")
        log "$name: loading $KEYS $dataset (used_memory before: $before)"
        timeout 600 redis-cli -p "$port" --pipe <"$proto" >"$WORK/$name-$dataset.pipe" 2>&1 ||
            { cat "$WORK/$name-$dataset.pipe" >&2; die "$name: redis-cli --pipe failed"; }
        grep -q "errors: 0," "$WORK/$name-$dataset.pipe" ||
            { cat "$WORK/$name-$dataset.pipe" >&2; die "$name: errors while loading"; }
        dbsize=$(redis-cli -p "$port" DBSIZE)
        [[ $dbsize == "$KEYS" ]] || die "$name: DBSIZE $dbsize after loading $KEYS keys"
        after=$(used_memory "$port")
        enc=$(redis-cli -p "$port" OBJECT ENCODING "$(sample_key "$dataset")")
        # Let the allocators return the load's transient buffers (slotcore purges
        # once a second) before reading RSS.
        sleep 2
        rss=$(rss_bytes "$SERVER_PID")
        per_key=$(awk -v a="$after" -v b="$before" -v n="$KEYS" 'BEGIN { printf "%.1f", (a - b) / n }')
        rss_key=$(awk -v a="$rss" -v b="$rss0" -v n="$KEYS" 'BEGIN { printf "%.1f", (a - b) / n }')
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$dataset" "$name" "$enc" "$before" "$after" "$per_key" "$rss0" "$rss" "$rss_key" >>"$ROWS"
        stop_server
    done
done

REPORT=$WORK/report.md
{
    echo "# Memory per key: small collections and short strings, slotcore vs redis-server"
    echo
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "- redis-server: $(redis-server --version)"
    echo "- slotcore binary: \`$SLOTCORE\`"
    echo "- Keys per data set: $KEYS (each server started fresh per data set; slotcore --shards $SHARDS)"
    echo
    echo "| data set | server | encoding | used_memory before | used_memory after | bytes/key (Δ used_memory / keys) | RSS before | RSS after (2 s later) | Δ RSS / key |"
    echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
    awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }' "$ROWS"
    echo
    echo "hashes: 5 fields \`field:N\` with values \`value:<i>:N\`; sets: 5 members \`member:<i>:N\`;"
    echo "intsets: 5 integers; zsets: 5 members \`member:<i>:N\` scored 1.5 … 7.5; lists: 5"
    echo "items \`item:<i>:N\`; strings: one 16-byte value. Keys are \`hash:<i>\`, \`set:<i>\`,"
    echo "\`iset:<i>\`, \`zset:<i>\`, \`list:<i>\`, \`str:<i>\`."
} >"$REPORT"
cat -- "$REPORT"
if [[ -n $OUT ]]; then
    cp -- "$REPORT" "$OUT"
    log "report written to $OUT"
fi
