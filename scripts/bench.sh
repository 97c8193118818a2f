#!/usr/bin/env bash
# The one command for issue #6's figures: builds release, generates the benchmark batches
# (`apigw-logs make-traffic`), runs the criterion benchmarks in a quick mode, measures CPU time per batch of this
# project and of the floor (what any implementation must spend decoding the same files), and prints one
# Markdown table (plus the per-stage breakdown). Every figure comes from this run on this machine; a figure not
# measured says so.
#
# Usage: scripts/bench.sh            (about 6 minutes after the release build, on 2 cores, plus ~1 minute for
#   the Lambda path: scripts/bench_lambda.py, against moto started by scripts/moto.sh)
# Knobs (environment): BENCH_REPEATS (rounds of CPU-time runs, medians taken; default 5),
#   BENCH_CRITERION_ARGS (default: quick mode), BENCH_SKIP_CRITERION=1 (table rows only),
#   BENCH_SKIP_CODECS=1 (no codec comparison).
#
# How CPU time is measured: the bench binary's PIPELINE_BENCH_CPU mode runs a stage N times in a loop and
# reads the process's user+system CPU time from /proc/self/stat before and after (10 ms ticks; loops last
# about a second). The figures are measured in rounds (one run of each per round) and each is the median over BENCH_REPEATS rounds; the spread and the load average are printed
# so noise from other work on the machine is visible.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

cli="$root/target/release/apigw-logs"
data="$root/target/bench-data"
repeats="${BENCH_REPEATS:-5}"
criterion_args="${BENCH_CRITERION_ARGS:---warm-up-time 1 --measurement-time 2 --sample-size 10}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
results="$target_dir/bench-results"
mkdir -p "$results"

step() { printf '\n== %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------- build & data

generate_data() {
    # Always rewritten (under a second): files left by an older generator would not be what the code writes.
    step "benchmark batches (apigw-logs make-traffic, deterministic)"
    for spec in 1mb:1000000 64kb:64000; do
        local name="${spec%%:*}" bytes="${spec##*:}"
        rm -rf "${data:?}/$name"
        "$cli" make-traffic --out "$data/$name" --batches 1 --batch-bytes "$bytes" >&2
    done
}

bench_bin=""
build() {
    step "release build (cargo bench --no-run)"
    bench_bin="$(cargo bench --bench pipeline --no-run --message-format=json 2>/dev/null |
        python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "pipeline" and m.get("executable"):
        print(m["executable"])')"
    [[ -x "$bench_bin" ]] || { echo "bench build failed: run cargo bench --no-run to see why" >&2; exit 1; }
    step "release build of the Lambda binary and the CLI"
    cargo build --release --bin apigw-log-indexer --bin apigw-logs >&2
}

# ---------------------------------------------------------------------------------------------- measurements

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
spread() { sort -g | awk 'NR==1{lo=$1} {hi=$1} END {printf "%.0f%%", (hi-lo)/lo*100}'; }

# cpu_ours STAGE/INPUT ITERATIONS: ns of CPU per iteration, one run.
cpu_ours() {
    PIPELINE_BENCH_CPU="$1:$2" "$bench_bin" --bench | awk '/^cpu /{sub("ns_per_iter=","",$4); print $4}'
}

run_criterion() {
    [[ "${BENCH_SKIP_CRITERION:-0}" == 1 ]] && return
    step "criterion, quick mode ($criterion_args)"
    # shellcheck disable=SC2086 # the arguments are meant to split
    "$bench_bin" --bench $criterion_args >&2
}

# criterion_ns GROUP INPUT: the median of the last criterion run, in ns ("" when there is none).
criterion_ns() {
    local f="$target_dir/criterion/$1/$2/new/estimates.json"
    [[ -f "$f" ]] && python3 -c 'import json,sys; print("%.0f" % json.load(open(sys.argv[1]))["median"]["point_estimate"])' "$f"
}

# Figures are measured in rounds, one run of every figure per round, so load from other work on the machine
# falls on all of them alike; each figure is the median over the rounds, with its spread.
declare -A m
load_before="" load_after=""
measure() {
    step "CPU time per batch ($repeats rounds, medians)"
    local -A runs=()
    local figures=(
        "ours_1mb cpu_ours full/1mb 150"
        "core_1mb cpu_ours full_no_items/1mb 500"
        "floor_1mb cpu_ours floor/1mb 700"
        "ours_64kb cpu_ours full/64kb 2000"
        "core_64kb cpu_ours full_no_items/64kb 6000"
        "floor_64kb cpu_ours floor/64kb 10000"
    )
    load_before="$(cut -d' ' -f1 /proc/loadavg)"
    local round f key cmd args
    for round in $(seq "$repeats"); do
        for f in "${figures[@]}"; do
            read -r key cmd args <<< "$f"
            # shellcheck disable=SC2086 # args are meant to split
            runs[$key]+="$($cmd $args) "
        done
        echo "round $round of $repeats done" >&2
    done
    load_after="$(cut -d' ' -f1 /proc/loadavg)"
    for key in "${!runs[@]}"; do
        m[$key]="$(tr ' ' '\n' <<< "${runs[$key]}" | grep . | median)"
        tr ' ' '\n' <<< "${runs[$key]}" | grep . | spread > "$results/spread-$key"
    done
}

# ---------------------------------------------------------------------------------------------- table rows

ms() { awk -v ns="$1" 'BEGIN {printf (ns >= 1e6 ? "%.2f ms" : "%.3f ms"), ns / 1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f×", a / b}'; }
spread_of() { cat "$results/spread-$1" 2>/dev/null || echo "?"; }
not_yet() { echo "not measured yet (needs $1)"; }
row() { printf '| %s | %s | %s | %s |\n' "$@"; }

row_ours() {
    row "This project, full pipeline: CPU per batch (spread)" \
        "$(ms "${m[ours_1mb]}") ($(spread_of ours_1mb))" "$(ms "${m[ours_64kb]}") ($(spread_of ours_64kb))" ""
}
row_core() {
    row "… of which everything but the index items: CPU per batch" \
        "$(ms "${m[core_1mb]}") ($(spread_of core_1mb))" \
        "$(ms "${m[core_64kb]}") ($(spread_of core_64kb))" ""
}
row_floor() {
    row "Floor (event JSON + base64 + gunzip + serde_json): CPU per batch" \
        "$(ms "${m[floor_1mb]}") ($(spread_of floor_1mb))" "$(ms "${m[floor_64kb]}") ($(spread_of floor_64kb))" ""
}
row_floor_ratio() {
    row "This project / floor" "$(ratio "${m[ours_1mb]}" "${m[floor_1mb]}")" \
        "$(ratio "${m[ours_64kb]}" "${m[floor_64kb]}")" "≤ 1.5×"
}
row_core_ratios() {
    row "… everything but the index items: it / floor" \
        "$(ratio "${m[core_1mb]}" "${m[floor_1mb]}")" "$(ratio "${m[core_64kb]}" "${m[floor_64kb]}")" ""
}
# The Lambda path (scripts/bench_lambda.py serves the runtime API on 127.0.0.1; moto from scripts/moto.sh
# stands in for DynamoDB and CloudWatch). `fresh-1mb` and `largest` are generated with timestamps of the last
# hour, so CloudWatch accepts their data points and PutMetricData runs too (the 1mb batch's fixed 2023
# timestamps are out of CloudWatch's range, so the function would skip metrics on it).
declare -A lam
lambda_bin="$root/target/release/apigw-log-indexer"
# kv FILE KEY: the value of a key=value line.
kv() { sed -n "s/^$2=//p" "$1" | tail -n1; }
measure_lambda() {
    step "Lambda path: cold start, peak memory, DynamoDB and CloudWatch calls (against moto)"
    export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
    local url
    # Stop moto at the end only if this run started it (tests or a demo may be using a running one).
    scripts/moto.sh status >/dev/null 2>&1 || trap 'scripts/moto.sh stop >/dev/null 2>&1 || true' EXIT
    url="$(scripts/moto.sh start)"
    local fresh_ms=$(( ($(date +%s) - 3600) * 1000 ))
    rm -rf "$data/fresh-1mb"
    "$cli" make-traffic --out "$data/fresh-1mb" --batches 1 --batch-bytes 1000000 --start-ms "$fresh_ms" >/dev/null
    python3 scripts/bench_lambda.py make-largest --cli "$cli" --out "$data/largest/exec-0000.json" \
        --start-ms "$fresh_ms" > "$results/largest.txt"
    python3 scripts/bench_lambda.py cold-start --bin "$lambda_bin" --runs 10 > "$results/cold-start.txt"
    python3 scripts/bench_lambda.py peak-memory --bin "$lambda_bin" --cli "$cli" --endpoint-url "$url" \
        --event "$data/fresh-1mb/exec-0000.json" --log "$results/fn-1mb.log" > "$results/peak-1mb.txt"
    python3 scripts/bench_lambda.py peak-memory --bin "$lambda_bin" --cli "$cli" --endpoint-url "$url" \
        --event "$data/largest/exec-0000.json" --log "$results/fn-largest.log" > "$results/peak-largest.txt"
    # Write units per API request from the dry run; BatchWriteItem and PutMetricData calls from a real
    # replay into a fresh table.
    "$cli" replay --dry-run --table x "$data"/1mb/*.json > "$results/replay-dry.txt" 2>&1
    local table="bench-replay-$$-$(date +%s)"
    "$cli" create-table --table "$table" --endpoint-url "$url" >/dev/null
    "$cli" replay --table "$table" --endpoint-url "$url" --metrics-sink cloudwatch "$data"/fresh-1mb/*.json \
        > "$results/replay.txt" 2>&1
    local total dry_total
    dry_total="$(grep '^total:' "$results/replay-dry.txt")"
    total="$(grep '^total:' "$results/replay.txt")"
    lam[requests]="$(grep -o '[0-9]* API request fragments' <<< "$dry_total" | cut -d' ' -f1)"
    lam[units]="$(grep -o '[0-9]* write units' <<< "$dry_total" | cut -d' ' -f1)"
    lam[files]="$(grep -o 'total: [0-9]* files' <<< "$total" | cut -d' ' -f2)"
    lam[bwi]="$(grep -o '[0-9]* BatchWriteItem calls' <<< "$total" | cut -d' ' -f1)"
    lam[metric_calls]="$(grep -o '[0-9]* metric calls' <<< "$total" | cut -d' ' -f1)"
    lam[metric_calls_exec]="$(grep '/exec-0000.json:' "$results/replay.txt" | grep -o '([0-9]* metric calls)' |
        tr -dc 0-9)"
}

mb_row() {  # mb_row FILE: peak RSS and what the function did, from bench_lambda.py peak-memory
    local f="$1"
    printf '%s MB (event %s bytes; %s items written, %s write units, %s metric calls)' "$(kv "$f" peak_rss_mb)" \
        "$(kv "$f" event_bytes)" "$(kv "$f" items_written)" "$(kv "$f" write_units)" "$(kv "$f" metric_calls)"
}
row_peak_memory() {
    row "Peak memory of the Lambda path (VmHWM, 1 MB batch, whole path against moto)" \
        "$(mb_row "$results/peak-1mb.txt")" "—" "< 32 MB (1 MB batch)"
}
row_peak_memory_largest() {
    local l="$results/largest.txt"
    row "Peak memory, largest batch CloudWatch Logs delivers (event just under 1,048,576 bytes: $(kv "$l" decoded_bytes) bytes decoded, $(kv "$l" events) events)" \
        "$(mb_row "$results/peak-largest.txt")" "—" ""
}
row_cold_start() {
    local f="$results/cold-start.txt"
    row "Cold start: process start to ready for the first event (median, min of $(kv "$f" cold_start_runs))" \
        "$(kv "$f" cold_start_median_ms) ms (min $(kv "$f" cold_start_min_ms) ms)" "—" "< 20 ms"
}
row_binary_size() {
    local sam=".aws-sam/build/IndexerFunction/bootstrap" extra=""
    [[ -f "$sam" ]] && extra="; SAM build's bootstrap: $(stat -c %s "$sam") bytes"
    row "Size of apigw-log-indexer" "$(stat -c %s "$lambda_bin") bytes (target/release$extra)" "—" ""
}
row_dynamodb() {
    row "DynamoDB write units / API calls per 1,000 API requests" \
        "$(awk -v u="${lam[units]}" -v c="${lam[bwi]}" -v n="${lam[requests]}" \
            'BEGIN {printf "%.0f WCU / %.0f BatchWriteItem calls (%d WCU, %d calls for %d requests: exec + Lambda-log batch)", u*1000/n, c*1000/n, u, c, n}')" \
        "—" ""
}
row_put_metric_data() {
    row "PutMetricData calls per batch" \
        "${lam[metric_calls_exec]} per execution-log batch (${lam[metric_calls]} for the ${lam[files]} batches, exec + Lambda-log)" \
        "—" ""
}

print_table() {
    local events_1mb decoded_1mb decoded_64kb
    read -r decoded_1mb events_1mb < <(batch_facts "$data/1mb/exec-0000.json")
    read -r decoded_64kb _ < <(batch_facts "$data/64kb/exec-0000.json")
    echo
    echo "### apigw-log-indexer: cost per batch ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m))"
    echo
    row "Figure" "1 MB batch ($decoded_1mb bytes decoded, $events_1mb events)" \
        "64 KB batch ($decoded_64kb bytes decoded)" "Target"
    row "---" "---" "---" "---"
    row_ours
    row_core
    row_floor
    row_floor_ratio
    row_core_ratios
    row_peak_memory
    row_peak_memory_largest
    row_cold_start
    row_binary_size
    row_dynamodb
    row_put_metric_data
    echo
    echo "CPU time is user + system time of a loop over the same event, divided by its iterations; median of"
    echo "$repeats rounds, spread = (max − min) / min; load average $load_before before, $load_after after (other work"
    echo "on the machine inflates CPU time too: shared caches). The full pipeline is decode → parse → metrics →"
    echo "index items → join/classify, stopping before the SDK serializes requests."
    print_stages
}

# batch_facts EVENT: decoded size and event count.
batch_facts() {
    python3 -c 'import base64,gzip,json,sys
p = gzip.decompress(base64.b64decode(json.load(open(sys.argv[1]))["awslogs"]["data"]))
print(len(p), len(json.loads(p)["logEvents"]))' "$1"
}

print_stages() {
    [[ "${BENCH_SKIP_CRITERION:-0}" == 1 ]] && return
    echo
    echo "Per stage (criterion median wall time per batch, single thread, same run):"
    echo
    row "Stage" "1mb" "64kb" "lambda (Lambda-log batch)"
    row "---" "---" "---" "---"
    local g
    for g in floor decode parse join_classify metrics items full full_no_items; do
        local cells=()
        for input in 1mb 64kb lambda; do
            local ns
            ns="$(criterion_ns "$g" "$input")"
            cells+=("${ns:+$(ms "$ns")}")
        done
        row "$g" "${cells[@]}"
    done
}

# The items' codec against the alternatives, on the exact part JSON the indexer stores (benches/codec-frontier,
# a separate package so zstd and lz4 never become dependencies of the indexer).
codec_frontier() {
    [[ "${BENCH_SKIP_CODECS:-0}" == 1 ]] && return
    step "codec comparison on the stored part JSON (benches/codec-frontier)"
    cargo build --release --manifest-path benches/codec-frontier/Cargo.toml --target-dir "$target_dir/codec-frontier" >&2
    PIPELINE_BENCH_DUMP_PARTS="$results/parts" "$bench_bin" --bench
    "$target_dir/codec-frontier/release/codec-frontier" "$results/parts" > "$results/codecs.md"
}

print_codecs() {
    [[ -f "$results/codecs.md" && "${BENCH_SKIP_CODECS:-0}" != 1 ]] || return 0
    echo
    echo "Codecs for the index items' data, on the part JSON the indexer stores for the 1 MB batch and its"
    echo "Lambda-log batch (each part compressed alone, as items are read one by one; \"one stream\" compresses"
    echo "the batch's parts together, as a layout storing a batch once would; the indexer uses deflate 6 +"
    echo "dictionary, and deflate 1 + dictionary for parts whose item then fits one write unit):"
    cat "$results/codecs.md"
}

build
generate_data
run_criterion
measure
measure_lambda
codec_frontier
{ print_table; print_codecs; } | tee "$results/table.md"
