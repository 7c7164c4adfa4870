#!/usr/bin/env bash
# shard-nodes.sh — cluster mode with every shard a node: one slotcore process with 2
# shard-nodes, vs a Redis Cluster of 2 redis-server processes, vs slotcore with 1 shard,
# vs a 1-node Redis Cluster (the control: what two nodes time-sharing one CPU cost Redis).
#
# Usage:
#   tuning/shard-nodes.sh [--rounds N] [--keys N] [--requests N] [--out FILE.md]
#
# Every server runs on CPU 1 (slotcore: --shard-cpus 1,1 --bus-cpu 1; redis-server:
# taskset -c 1), every load tool on CPU 0. The 2-node clusters split the slots in
# halves (CLUSTER ADDSLOTSRANGE + MEET; redis-cli --cluster create wants 3 masters).
# The keyspace (--keys, default 100000 random keys) is filled before the GET runs.
#
# Cells: SET and GET at P=1 and P=32 with slotcore-bench --cluster-mode (50 clients),
# and, on the 2-master clusters, redis-benchmark --cluster -r KEYS. CPU per request is
# the server processes' utime+stime (/proc/PID/stat) over the run divided by the
# requests. slotcore's INFO stats slotcore_forwarded_requests is read after each run.
set -euo pipefail
export LC_ALL=C

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd -- "$SCRIPT_DIR/.." && pwd)
ROUNDS=3
KEYS=100000
REQUESTS=4000   # per client at P1; ×8 at P32
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) ROUNDS=$2; shift 2 ;;
    --keys) KEYS=$2; shift 2 ;;
    --requests) REQUESTS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$OUT" ] || OUT="$REPO/tuning/results/shard-nodes-$(date -u +%Y%m%d-%H%M%S).md"

SLOTCORE="$REPO/target/release/slotcore"
BENCH="$REPO/target/release/slotcore-bench"
[ -x "$SLOTCORE" ] && [ -x "$BENCH" ] || (cd "$REPO" && cargo build --release --bins)
command -v redis-server >/dev/null || { echo "redis-server missing" >&2; exit 1; }

WORK=$(mktemp -d /tmp/shard-nodes.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

log() { printf '[shard-nodes] %s\n' "$*" >&2; }
cpu_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo "$t"; }
HZ=$(getconf CLK_TCK)

wait_pong() { for _ in $(seq 200); do redis-cli -p "$1" ping 2>/dev/null | grep -q PONG && return 0; sleep 0.05; done; echo "no PONG on $1" >&2; exit 1; }
wait_ok() { for _ in $(seq 400); do redis-cli -p "$1" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && return 0; sleep 0.05; done; echo "cluster not ok on $1" >&2; exit 1; }

# Form a cluster of the given ports: slots split evenly, everyone met by the first.
form() {
  local n=$# i=0 p first=$1
  for p in "$@"; do
    local a=$((i * 16384 / n)) b=$(((i + 1) * 16384 / n - 1))
    redis-cli -p "$p" cluster addslotsrange "$a" "$b" >/dev/null
    [ "$p" = "$first" ] || redis-cli -p "$first" cluster meet 127.0.0.1 "$p" >/dev/null
    i=$((i + 1))
  done
  for p in "$@"; do wait_ok "$p"; done
}

# start CONFIG PORT → sets SERVER_PIDS and PORTS
start() {
  local cfg=$1 port=$2 dir="$WORK/$1-$2"
  mkdir -p "$dir"
  SERVER_PIDS=(); PORTS=()
  case "$cfg" in
    slotcore-2)
      taskset -c 1 "$SLOTCORE" --port "$port" --shards 2 --shard-cpus 1,1 --bus-cpu 1 \
        --cluster-enabled yes --dir "$dir" >"$dir/log" 2>&1 &
      SERVER_PIDS=($!); PORTS=("$port" $((port + 1))) ;;
    slotcore-1)
      taskset -c 1 "$SLOTCORE" --port "$port" --shards 1 --shard-cpus 1 --bus-cpu 1 \
        --cluster-enabled yes --dir "$dir" >"$dir/log" 2>&1 &
      SERVER_PIDS=($!); PORTS=("$port") ;;
    redis-1)
      mkdir -p "$dir/$port"
      taskset -c 1 redis-server --port "$port" --cluster-enabled yes --dir "$dir/$port" \
        --save '' --appendonly no >"$dir/$port/log" 2>&1 &
      SERVER_PIDS=($!); PORTS=("$port") ;;
    redis-2)
      for p in "$port" $((port + 1)); do
        mkdir -p "$dir/$p"
        taskset -c 1 redis-server --port "$p" --cluster-enabled yes --dir "$dir/$p" \
          --save '' --appendonly no >"$dir/$p/log" 2>&1 &
        SERVER_PIDS+=($!); PORTS+=("$p")
      done ;;
  esac
  PIDS+=("${SERVER_PIDS[@]}")
  for p in "${PORTS[@]}"; do wait_pong "$p"; done
  form "${PORTS[@]}"
}

stop() { for p in "${SERVER_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }

forwarded() {
  local s=0 p v
  for p in "${PORTS[@]}"; do
    v=$(redis-cli -p "$p" info stats | tr -d '\r' | awk -F: '/^slotcore_forwarded_requests/{print $2}')
    s=$((s + ${v:-0}))
  done
  echo "$s"
}

ROWS="$WORK/rows.tsv"
: >"$ROWS"
# run CONFIG TOOL OP PIPELINE ROUND
measure() {
  local cfg=$1 tool=$2 op=$3 pl=$4 round=$5 reqs t0 t1 start_ns end_ns
  local per=$REQUESTS
  [ "$pl" = 32 ] && per=$((REQUESTS * 8))
  reqs=$((50 * per))
  t0=$(cpu_ticks "${SERVER_PIDS[@]}"); start_ns=$(date +%s%N)
  if [ "$tool" = slotcore-bench ]; then
    local ratio=1:0; [ "$op" = GET ] && ratio=0:1
    taskset -c 0 "$BENCH" --cluster-mode -p "${PORTS[0]}" -c 50 --pipeline "$pl" -n "$per" \
      --ratio "$ratio" --key-pattern R:R --key-maximum $((KEYS - 1)) --hide-histogram \
      >"$WORK/out" 2>&1
  else
    local t=set; [ "$op" = GET ] && t=get
    local cl=""; [ "${#PORTS[@]}" -gt 1 ] && cl=--cluster
    taskset -c 0 redis-benchmark $cl -p "${PORTS[0]}" -c 50 -P "$pl" -n "$reqs" -r "$KEYS" \
      -t "$t" -q >"$WORK/out" 2>&1
  fi
  end_ns=$(date +%s%N); t1=$(cpu_ticks "${SERVER_PIDS[@]}")
  local secs cpu_us ops
  secs=$(awk -v a="$start_ns" -v b="$end_ns" 'BEGIN{printf "%.3f", (b-a)/1e9}')
  ops=$(awk -v r="$reqs" -v s="$secs" 'BEGIN{printf "%.0f", r/s}')
  cpu_us=$(awk -v d=$((t1 - t0)) -v hz="$HZ" -v r="$reqs" 'BEGIN{printf "%.3f", d/hz*1e6/r}')
  local fw="-"; [[ "$cfg" == slotcore* ]] && fw=$(forwarded)
  printf '%s\t%s\t%s P%s\t%s\t%s\t%s\t%s\n' "$cfg" "$tool" "$op" "$pl" "$round" "$ops" "$cpu_us" "$fw" >>"$ROWS"
  log "$cfg $tool $op P$pl round $round: $ops ops/s, $cpu_us us CPU/op, forwarded $fw"
}

PORT=15100   # client ports and bus ports (+10000) below the ephemeral range
for round in $(seq "$ROUNDS"); do
  for cfg in slotcore-2 redis-2 slotcore-1 redis-1; do
    start "$cfg" "$PORT"
    # Fill the keyspace so GETs hit.
    taskset -c 0 "$BENCH" --cluster-mode -p "${PORTS[0]}" -c 50 --ratio 1:0 --key-pattern P:P \
      --key-maximum $((KEYS - 1)) -n $((KEYS / 50 + 1)) --pipeline 32 --hide-histogram >/dev/null 2>&1
    for pl in 1 32; do
      for op in SET GET; do
        measure "$cfg" slotcore-bench "$op" "$pl" "$round"
        [ "${#PORTS[@]}" -lt 2 ] || measure "$cfg" redis-benchmark "$op" "$pl" "$round"
      done
    done
    stop
    PORT=$((PORT + 10))
  done
done

{
  echo "# Shard-nodes: slotcore 2 shard-nodes vs Redis Cluster of 2, and 1-node references"
  echo
  echo "\`tuning/shard-nodes.sh --rounds $ROUNDS --keys $KEYS --requests $REQUESTS\`, $(date -u '+%Y-%m-%d %H:%M UTC'), servers on CPU 1, load on CPU 0, 50 clients, $KEYS random keys (prefilled). Medians of $ROUNDS rounds; CPU = server utime+stime per request."
  echo
  echo "| tool | cell | slotcore-2 ops/s | redis-2 ops/s | slotcore-1 ops/s | redis-1 ops/s | slotcore-2 µs CPU/op | redis-2 µs CPU/op | slotcore-1 µs CPU/op | redis-1 µs CPU/op | CPU slotcore-2 / redis-2 | CPU slotcore-2 / slotcore-1 | CPU redis-2 / redis-1 (control) | forwarded (slotcore-2) |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '
    function median(arr, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (arr[j] < arr[i]) { t = arr[i]; arr[i] = arr[j]; arr[j] = t } return arr[int((n + 1) / 2)] }
    { k = $2 SUBSEP $3; cells[k] = 1; n = ++cnt[$1, k]; ops[$1, k, n] = $5; cpu[$1, k, n] = $6; if ($1 == "slotcore-2") fw[k] = $7 }
    END {
      for (k in cells) {
        split(k, p, SUBSEP)
        line = "| " p[1] " | " p[2]
        split("slotcore-2 redis-2 slotcore-1 redis-1", cfgs, " ")
        for (c = 1; c <= 4; c++) { cfg = cfgs[c]; n = cnt[cfg, k]; if (n) { for (i = 1; i <= n; i++) a[i] = ops[cfg, k, i]; mo[cfg] = median(a, n); line = line " | " mo[cfg] } else { mo[cfg] = ""; line = line " | -" } }
        for (c = 1; c <= 4; c++) { cfg = cfgs[c]; n = cnt[cfg, k]; if (n) { for (i = 1; i <= n; i++) a[i] = cpu[cfg, k, i]; mc[cfg] = median(a, n); line = line " | " mc[cfg] } else { mc[cfg] = ""; line = line " | -" } }
        line = line " | " (mc["redis-2"] != "" ? sprintf("%.2f", mc["slotcore-2"] / mc["redis-2"]) : "-")
        line = line " | " (mc["slotcore-1"] != "" ? sprintf("%.2f", mc["slotcore-2"] / mc["slotcore-1"]) : "-")
        line = line " | " (mc["redis-1"] != "" && mc["redis-2"] != "" ? sprintf("%.2f", mc["redis-2"] / mc["redis-1"]) : "-")
        line = line " | " fw[k] " |"
        print line
      }
    }' "$ROWS" | sort
  echo
  echo "Raw rows (config, tool, cell, round, ops/s, µs CPU/op, forwarded):"
  echo
  echo '```'
  cat "$ROWS"
  echo '```'
} >"$OUT"
log "report: $OUT"
cat "$OUT"
