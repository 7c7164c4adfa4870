#!/usr/bin/env bash
# experiments.sh — the pinning / placement / shard-count / cross-shard experiments of
# tuning/README.md, each one tuning/compare.sh run with several server variants side
# by side (same rounds, rotating order, load average recorded per run).
#
# Usage:
#   tuning/experiments.sh [--rounds 3] [--tools slotcore-bench] [--outdir tuning/results]
#                         pinning|placement|shards|cross-shard|bus|all ...
#
#   pinning      (a) slotcore 1 shard pinned (taskset -c 1, --shard-cpus 1) vs unpinned
#                    (no taskset, no --shard-cpus); redis-server pinned vs unpinned as a
#                    reference.  Load tool on CPU 0 in all four.
#   placement    (b) load tool on the other core (server CPU 1, tool CPU 0) vs on the
#                    same core (both CPU 1), for slotcore and redis-server.
#   shards       (c) 1 shard on CPU 1 vs 2 shards on CPUs 0,1, load tool on CPU 0 (so it
#                    shares a core with shard 0 in the 2-shard case).
#   cross-shard  (d) cost of forwarding a request to another shard: 1 shard on CPU 1 vs
#                    2 shards both pinned to CPU 1 (--shard-cpus 1,1).  Uniform random
#                    keys put 1/2 of the requests on the shard that does not hold the
#                    connection; a hash-tagged prefix ({b}: slot 3300, shard 0; {a}:
#                    slot 15495, shard 1) puts every key on one shard as a cross-check.
#                    Prints the per-forwarded-request extra CPU and the scaling model.
#   bus          (e) cluster mode (compare.sh --mode cluster, one node owning all slots):
#                    the bus core on the shard's CPU (1), on the load tool's CPU (0), or
#                    unpinned; a 2-core box has no third core to dedicate to it.
#
# Extra arguments after -- go to compare.sh (e.g. -- --no-chart).  Environment
# overrides of compare.sh (BENCH_N_P1, BENCH_N_P32, ...) apply.
set -euo pipefail
export LC_ALL=C

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
COMPARE=$SCRIPT_DIR/compare.sh
ROUNDS=3
TOOLS=slotcore-bench
OUTDIR=$SCRIPT_DIR/results
CELLS=SET:1,GET:1,SET:32,GET:32
EXPS=()
PASS=()

die() { printf 'experiments.sh: error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

while (($# > 0)); do
    case $1 in
        -h | --help) usage; exit 0 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --tools) TOOLS=$2; shift 2 ;;
        --cells) CELLS=$2; shift 2 ;;
        --outdir) OUTDIR=$2; shift 2 ;;
        --) shift; PASS=("$@"); break ;;
        pinning | placement | shards | cross-shard | bus) EXPS+=("$1"); shift ;;
        all) EXPS+=(pinning placement shards cross-shard bus); shift ;;
        *) usage >&2; die "unknown argument: $1" ;;
        bus)
            run bus "(e) cluster node: bus core on the shard's CPU, the load tool's CPU, or unpinned" \
                --mode cluster \
                --variant 'sc-bus-shared=slotcore:cpus=1:shard-cpus=1:bus-cpu=1' \
                --variant 'sc-bus-on-lg=slotcore:cpus=0,1:shard-cpus=1:bus-cpu=0' \
                --variant 'sc-bus-unpinned=slotcore:cpus=0,1:shard-cpus=1:bus-cpu=none'
            ;;
    esac
done
((${#EXPS[@]} > 0)) || { usage >&2; die "name an experiment (or all)"; }
mkdir -p -- "$OUTDIR"
STAMP=$(date -u +%Y%m%d-%H%M%S)

run() { # NAME TITLE compare-args...
    local name=$1 title=$2
    shift 2
    "$COMPARE" --rounds "$ROUNDS" --tools "$TOOLS" --cells "$CELLS" \
        --out "$OUTDIR/exp-$name-$STAMP.md" --title "$title" "$@" ${PASS[@]+"${PASS[@]}"}
}

# Model of (d) from the summary TSV of the cross-shard run.
cross_shard_model() { # SUMMARY.tsv
    awk -F'\t' '
        { cpu[$1, $2, $3] = $10; ops[$1, $2, $3] = $4; cells[$1 SUBSEP $2] = 1; order[++n] = $1 SUBSEP $2 }
        END {
            print "| tool | cell | c1: µs CPU/op, 1 shard | c2: µs CPU/op, 2 shards on 1 CPU (1/2 forwarded) | x = (c2 − c1) / (1/2): extra µs per forwarded request | tagged cross-check x_t = ((c_{b} + c_{a}) / 2 − c1_tag) / (1/2) | per-core capacity 1/c1 (ops/s) | model: N = 2 cores, ops/s | N = 4 | N = 8 |"
            print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
            for (i = 1; i <= n; i++) {
                k = order[i]; if (done[k]++) continue
                split(k, f, SUBSEP); t = f[1]; c = f[2]
                c1 = cpu[t, c, "sc-1"]; c2 = cpu[t, c, "sc-2same"]
                if (c1 == "" || c2 == "") continue
                x = (c2 - c1) / 0.5
                xt = "n/a"
                if (cpu[t, c, "sc-1-tag"] != "" && cpu[t, c, "sc-2same-tagb"] != "" && cpu[t, c, "sc-2same-taga"] != "")
                    xt = sprintf("%.3f", ((cpu[t, c, "sc-2same-tagb"] + cpu[t, c, "sc-2same-taga"]) / 2 - cpu[t, c, "sc-1-tag"]) / 0.5)
                printf "| %s | %s | %.3f | %.3f | %.3f | %s | %.0f", t, c, c1, c2, x, xt, 1e6 / c1
                for (N = 2; N <= 8; N *= 2) printf " | %.0f", N * 1e6 / (c1 + (N - 1) / N * x)
                printf " |\n"
            }
            print ""
            print "Model: capacity(N) = N / (c1 + (N−1)/N · x) ops/s for N shards on N cores (one shard per core,"
            print "server-bound, uniform single-key load, each client connected to one shard). c1, c2 are medians;"
            print "x measured with both shards time-sharing one CPU, so it includes their context switches."
        }' "$1"
}

for e in "${EXPS[@]}"; do
    case $e in
        pinning)
            run pinning "(a) pinned vs unpinned, load tool on CPU 0" \
                --variant 'sc-pinned=slotcore:cpus=1:shard-cpus=1' \
                --variant 'sc-unpinned=slotcore:cpus=none:shard-cpus=none' \
                --variant 'redis-pinned=redis:cpus=1' \
                --variant 'redis-unpinned=redis:cpus=none'
            ;;
        placement)
            run placement "(b) load tool on the other core (CPU 0) vs the server's core (CPU 1)" \
                --variant 'sc-lg-other=slotcore:cpus=1:lg=0' \
                --variant 'sc-lg-same=slotcore:cpus=1:lg=1' \
                --variant 'redis-lg-other=redis:cpus=1:lg=0' \
                --variant 'redis-lg-same=redis:cpus=1:lg=1'
            ;;
        shards)
            run shards "(c) 1 shard (CPU 1) vs 2 shards (CPUs 0,1), load tool on CPU 0" \
                --variant 'sc-1shard=slotcore:cpus=1:shards=1:lg=0' \
                --variant 'sc-2shards=slotcore:cpus=0,1:shards=2:shard-cpus=0,1:lg=0'
            ;;
        cross-shard)
            run cross-shard "(d) cross-shard forwarding: 1 shard vs 2 shards on one CPU" \
                --variant 'sc-1=slotcore:cpus=1:shards=1' \
                --variant 'sc-2same=slotcore:cpus=1:shards=2:shard-cpus=1,1' \
                --variant 'sc-1-tag=slotcore:cpus=1:shards=1:prefix={b}memtier-' \
                --variant 'sc-2same-tagb=slotcore:cpus=1:shards=2:shard-cpus=1,1:prefix={b}memtier-' \
                --variant 'sc-2same-taga=slotcore:cpus=1:shards=2:shard-cpus=1,1:prefix={a}memtier-'
            model=$OUTDIR/exp-cross-shard-$STAMP.model.md
            cross_shard_model "$OUTDIR/exp-cross-shard-$STAMP.summary.tsv" >"$model"
            {
                echo
                echo "## Cross-shard model"
                echo
                cat -- "$model"
            } >>"$OUTDIR/exp-cross-shard-$STAMP.md"
            echo
            cat -- "$model"
            ;;
        bus)
            run bus "(e) cluster node: bus core on the shard's CPU, the load tool's CPU, or unpinned" \
                --mode cluster \
                --variant 'sc-bus-shared=slotcore:cpus=1:shard-cpus=1:bus-cpu=1' \
                --variant 'sc-bus-on-lg=slotcore:cpus=0,1:shard-cpus=1:bus-cpu=0' \
                --variant 'sc-bus-unpinned=slotcore:cpus=0,1:shard-cpus=1:bus-cpu=none'
            ;;
    esac
done
