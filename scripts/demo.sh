#!/usr/bin/env bash
# The README's demo: the real Lambda binary, run by cargo-lambda's emulator of the Lambda runtime API, indexes the
# workshop scenario (20 requests to GET /generate-data, 7 of them 502 because the function timed out) into a
# local DynamoDB (moto) and publishes its metrics to a local CloudWatch (moto); then `apigw-logs` shows the failed
# requests with each one's cause and fix, the whole story of one of them (by its API Gateway request ID and by its
# Lambda request ID), the failure-reason metrics, the function running close to its timeout (health), and a
# retried invocation that leaves the metrics unchanged.
#
#   scripts/demo.sh
#
# Needs only the Rust toolchain, Python 3 and curl (as scripts/moto.sh does): the pinned tools are installed into
# the git-ignored .tools/ on first use. Nothing is sent to AWS: every call goes to 127.0.0.1 with dummy credentials.
# Cold (no .tools/, no target/) it spends most of its time installing cargo-lambda and compiling; warm it takes
# seconds.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
started=$SECONDS

# Headings in bold on a terminal, plain when the output is captured (a log, CI).
if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
say() { echo "demo.sh: $*" >&2; }

# Dummy credentials and a region for everything below; both region variables because the Rust SDK reads the
# first and Python tools the second. A profile or endpoint from the caller's shell must not leak in.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL

tmp="$(mktemp -d "${TMPDIR:-/tmp}/apigw-demo.XXXXXX")"
watch_pid=""
function_pids=""
stop_moto=0

# Stop what we started, whatever happens (error, Ctrl-C, kill): the watcher first (it is the function's parent),
# then moto. SIGTERM lets cargo-lambda stop the function instance it spawned (in its own session, so we would not
# reach it through a process group); SIGKILL after a bounded wait, and then the function by its PID too.
cleanup() {
  local rc=$?
  if [[ -n $watch_pid ]] && kill -0 "$watch_pid" 2>/dev/null; then
    kill -TERM "$watch_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$watch_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$watch_pid" 2>/dev/null; then
      kill -KILL "$watch_pid" 2>/dev/null || true
      for pid in $function_pids; do kill -KILL "$pid" 2>/dev/null || true; done
    fi
    wait "$watch_pid" 2>/dev/null || true
  fi
  if ((stop_moto)); then scripts/moto.sh stop >/dev/null 2>&1 || true; fi
  if ((rc != 0)) && [[ -s $tmp/watch.log ]]; then
    say "failed (exit $rc); last lines of the function emulator's log:"
    tail -n 20 "$tmp/watch.log" >&2
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
# Turn signals into a normal exit so the EXIT trap runs with a meaningful status.
trap 'exit 130' INT
trap 'exit 143' TERM

step "tools: moto and cargo-lambda (pinned, into .tools/; a no-op once installed)"
scripts/tools.sh moto lambda
echo "ok: $(.tools/lambda/bin/cargo-lambda lambda -V), moto $(.tools/moto/bin/python -c 'import moto; print(moto.__version__)')"

step "build: apigw-logs and the Lambda binary apigw-log-indexer (debug)"
# Building the Lambda binary here too means `cargo lambda watch`, which runs `cargo run --bin apigw-log-indexer`
# on the first invocation, finds it up to date: compile errors and time show up in this step, not as a hung invoke.
# Quiet, so a warm run stays readable; a first build compiles every dependency: several minutes on 2 cores.
build_started=$SECONDS
[[ -x ${CARGO_TARGET_DIR:-target}/debug/apigw-log-indexer ]] || echo "(first build: compiling every dependency, several minutes on 2 cores)"
cargo build --bins --quiet
cli="$root/target/debug/apigw-logs"
if [[ -n ${CARGO_TARGET_DIR:-} ]]; then cli="$CARGO_TARGET_DIR/debug/apigw-logs"; fi
echo "ok ($((SECONDS - build_started)) s)"

step "local AWS: moto server, a new DynamoDB table"
# moto.sh keeps one server per checkout. If one already runs (tests, another terminal), use it and leave it
# running; stop it at exit only if this script started it.
if scripts/moto.sh status >/dev/null 2>&1; then
  endpoint="$(scripts/moto.sh status)"
  echo "moto already running at $endpoint (left running at exit)"
else
  stop_moto=1
  endpoint="$(scripts/moto.sh start)"
  echo "moto started at $endpoint"
fi
# Unique names, so a rerun against the same server starts from an empty table and empty metrics.
run_id="$(date -u +%Y%m%d%H%M%S)-$$"
table="apigw-demo-$run_id"
namespace="ApiGatewayLogsDemo/$run_id"
"$cli" create-table --table "$table" --endpoint-url "$endpoint"
echo "metrics namespace $namespace"

step "Lambda: cargo lambda watch (the runtime API emulator) running the real apigw-log-indexer binary"
# A free loopback port, as scripts/moto.sh picks one (another program could take it before the emulator binds
# it; the wait below then fails and says so).
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# cargo-lambda itself rather than `cargo lambda`, so that $! is the emulator's PID. The venv's bin goes first on
# PATH because cargo-lambda finds its helpers (zig) through it. The function gets its configuration as the
# deployed one would (docs/reference.md), plus the endpoint and dummy credentials.
PATH="$root/.tools/lambda/bin:$PATH" "$root/.tools/lambda/bin/cargo-lambda" lambda watch \
  -A 127.0.0.1 -P "$port" \
  --env-var "INDEX_TABLE=$table" \
  --env-var "METRICS_NAMESPACE=$namespace" \
  --env-var "AWS_ENDPOINT_URL=$endpoint" \
  --env-var AWS_REGION=us-east-1 \
  --env-var AWS_ACCESS_KEY_ID=test \
  --env-var AWS_SECRET_ACCESS_KEY=test \
  </dev/null >"$tmp/watch.log" 2>&1 &
watch_pid=$!

# Wait (bounded, 60 s) until the emulator accepts connections; it starts in about a second, the bound covers a
# busy 2-core machine. A TCP connect rather than an HTTP GET: every GET that is not an invocation is logged as an
# error by the emulator, which would only clutter its log.
deadline=$((SECONDS + 60))
# shellcheck disable=SC2016 # $1 is expanded by the inner bash, on purpose
until timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$port" 2>/dev/null; do
  kill -0 "$watch_pid" 2>/dev/null || { say "cargo lambda watch exited before it answered"; exit 1; }
  ((SECONDS < deadline)) || { say "cargo lambda watch did not answer on 127.0.0.1:$port within 60 s"; exit 1; }
  sleep 0.2
done
echo "emulator answers on 127.0.0.1:$port"

# Invoke the function with an event file, bounded. The first invocation starts the function (and would compile
# it if the build step above had not); on a busy 2-core machine a compile can take minutes, hence 600 s. Later
# invocations take well under a second. Prints the function's result (null: the handler returns nothing).
invoke() {
  local file="$1" bound="${2:-120}" out
  if ! out="$(timeout "$bound" "$root/.tools/lambda/bin/cargo-lambda" lambda invoke apigw-log-indexer \
    -A 127.0.0.1 -P "$port" --data-file "$file" 2>&1)"; then
    say "invoking the function with $(basename "$file") failed or took longer than ${bound}s: $out"
    return 1
  fi
  printf '%s' "$out"
}

# The function's own one-line summary of the last batch (counts only), read from the emulator's log. The log line
# is written before the invocation returns, but cargo-lambda relays the function's output asynchronously: wait
# (bounded, 10 s) for the Nth summary line.
summary() {
  local n="$1" deadline=$((SECONDS + 10)) line
  while (($(grep -c 'batch indexed' "$tmp/watch.log" || true) < n)); do
    ((SECONDS < deadline)) || { say "no summary line from the function after 10 s"; return 1; }
    sleep 0.1
  done
  line="$(grep 'batch indexed' "$tmp/watch.log" | sed -n "${n}p" | sed 's/\x1b\[[0-9;]*m//g')"
  grep -oE '(events|api_requests|lambda_invocations|failures_by_reason|items_written|metric_calls|metrics_already_counted)=[^ ]*' \
    <<<"$line" | paste -sd ' ' -
}
invocations=0

# A CloudWatch Logs control message: the function acknowledges it without writing anything, which makes it a
# harmless first invocation that proves the function is up.
result="$(invoke events/control-message.json 600)"
invocations=$((invocations + 1))
summary "$invocations" >/dev/null
# The function instance's PID(s), so cleanup can reach them even if the emulator has to be killed.
function_pids="$(ps -o pid= --ppid "$watch_pid" 2>/dev/null | tr '\n' ' ' || true)"
echo "function started (control message → $result)"

step "events: the three workshop logs as subscription events, timestamped 10 minutes ago"
# The committed events/workshop-*.json date from 2025, and CloudWatch refuses metric data older than two weeks,
# so they would index but publish no metrics. Regenerate them from the fixtures with one recent start time
# (shared by the three, so the execution, Lambda and access lines of a request line up), taking log group,
# stream and flags from events/manifest.txt so they stay in step with the committed events.
# The dates inside the messages (Lambda's own timestamps, X-Amz-Date, the HTTP Date header, the stream's
# YYYY/MM/DD) move by the same amount, so a line's text agrees with its timestamp.
start_ms=$(($(date +%s) * 1000 - 600000))
rebase() { # rebase FROM_MS TO_MS < text > text
  python3 -c '
import re, sys
from datetime import datetime, timedelta, timezone
shift = timedelta(milliseconds=int(sys.argv[2]) - int(sys.argv[1]))
def iso(m):
    t = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc) + shift
    return t.strftime("%Y-%m-%dT%H:%M:%S") + (m.group(2) or "") + "Z"
def amz(m):
    return (datetime.strptime(m.group(0), "%Y%m%dT%H%M%SZ") + shift).strftime("%Y%m%dT%H%M%SZ")
def http(m):
    return (datetime.strptime(m.group(0), "%a, %d %b %Y %H:%M:%S GMT") + shift).strftime("%a, %d %b %Y %H:%M:%S GMT")
def day(m):  # a stream date: that day at the fixture start time of day, moved
    at = datetime.fromtimestamp(int(sys.argv[1]) / 1000, timezone.utc)
    d = datetime.strptime(m.group(0), "%Y/%m/%d").replace(hour=at.hour, minute=at.minute, tzinfo=timezone.utc)
    return (d + shift).strftime("%Y/%m/%d")
for line in sys.stdin:
    line = re.sub(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z", iso, line)
    line = re.sub(r"\b\d{8}T\d{6}Z\b", amz, line)
    line = re.sub(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT", http, line)
    line = re.sub(r"\b\d{4}/\d\d/\d\d\b", day, line)
    sys.stdout.write(line)
' "$1" "$2"
}
for name in workshop-exec workshop-lambda workshop-access; do
  row="$(awk -v n="$name" '$1 == n { print $2, $3, $4, $5; exit }' events/manifest.txt)"
  [[ -n $row ]] || { say "no row for $name in events/manifest.txt"; exit 1; }
  read -r fixture_ms flags group stream <<<"$row"
  stream="$(rebase "$fixture_ms" "$start_ms" <<<"$stream")"
  args=(--log-group "$group" --log-stream "$stream" --start-ms "$start_ms")
  [[ $flags == - ]] || args+=("$flags")
  rebase "$fixture_ms" "$start_ms" <"events/fixtures/$name.log" >"$tmp/$name.log"
  "$cli" make-event "${args[@]}" "$tmp/$name.log" </dev/null >"$tmp/$name.json"
  printf '%-16s %-70s %s bytes\n' "$name" "$group" "$(wc -c <"$tmp/$name.json")"
done

step "invoke: cargo lambda invoke apigw-log-indexer --data-file <event>   (function's summary line)"
for name in workshop-exec workshop-lambda workshop-access; do
  result="$(invoke "$tmp/$name.json")"
  invocations=$((invocations + 1))
  printf '%-16s → %s   %s\n' "$name" "$result" "$(summary "$invocations")"
done

step "apigw-logs failures"
"$cli" failures --table "$table" --endpoint-url "$endpoint"

# The newest timed-out request and its Lambda request ID, from the JSON form.
read -r api_id lambda_id < <("$cli" failures --json --reason LambdaTimeout --table "$table" --endpoint-url "$endpoint" |
  python3 -c 'import json, sys; r = json.loads(sys.stdin.readline()); print(r["request_id"], r["lambda_request_id"])')

step "apigw-logs failures --explain --reason LambdaTimeout   (each failure's cause and fix; first 3)"
explained="$("$cli" failures --explain --reason LambdaTimeout --table "$table" --endpoint-url "$endpoint")"
head -n 3 <<<"$explained"
echo "  …"

step "apigw-logs lookup $api_id --logs-only   (by API Gateway request ID, with its cause and fix; lines cut at 200 characters here)"
# --logs-only: the workshop's function is not deployed on the local endpoint, so there is no configuration to
# read; the diagnosis rests on the logs. Output captured first, then shaped: piping a command straight into a
# filter that stops early (head) would kill it with SIGPIPE, which pipefail turns into a failure.
story="$("$cli" lookup "$api_id" --logs-only --table "$table" --endpoint-url "$endpoint")"
awk '{ if (length($0) > 200) print substr($0, 1, 200) " …"; else print }' <<<"$story"

step "apigw-logs lookup $lambda_id   (by its Lambda request ID: the same story; first 15 lines)"
story="$("$cli" lookup "$lambda_id" --logs-only --table "$table" --endpoint-url "$endpoint")"
head -n 15 <<<"$story"
echo "  …"

step "apigw-logs metrics --namespace $namespace"
"$cli" metrics --namespace "$namespace" --endpoint-url "$endpoint"

step "apigw-logs health --namespace $namespace   (how close successful calls ran to their limits)"
# The workshop function sleeps 250-1500 ms under a 1 s timeout: its successful calls run close to it, so health
# names that limit and exits 1. Its configuration is not in the local endpoint, so it judges from the logs
# (the batch's "Task timed out after 1.00 seconds" lines give the timeout) and says so on stderr.
health_rc=0
"$cli" health --namespace "$namespace" --endpoint-url "$endpoint" || health_rc=$?
if ((health_rc != 1)); then
  say "health exited $health_rc; the workshop function runs close to its timeout, so 1 was expected"
  exit 1
fi

step "retry: Lambda delivers the same workshop-exec event again (as it retries a failed asynchronous invocation)"
before="$("$cli" metrics --json --namespace "$namespace" --endpoint-url "$endpoint")"
result="$(invoke "$tmp/workshop-exec.json")"
invocations=$((invocations + 1))
printf '%-16s → %s   %s\n' "workshop-exec" "$result" "$(summary "$invocations")"
after="$("$cli" metrics --json --namespace "$namespace" --endpoint-url "$endpoint")"
"$cli" metrics --namespace "$namespace" --endpoint-url "$endpoint"
if [[ $before != "$after" ]]; then
  say "the retried invocation changed the metrics:"
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
echo "metrics unchanged by the retry: the batch was already counted"

step "done in $((SECONDS - started)) s (table $table; the emulator and any moto server started here are stopped)"
