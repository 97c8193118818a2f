#!/usr/bin/env bash
# Run a local moto server (DynamoDB, CloudWatch, Logs) for tests and local runs.
#
#   scripts/moto.sh start    start it unless it runs; print its URL (http://127.0.0.1:PORT) on stdout
#   scripts/moto.sh stop     stop it (by the recorded PID)
#   scripts/moto.sh status   print the URL and exit 0 if it runs, else exit 1
#   scripts/moto.sh env      start it if needed; print export lines:  eval "$(scripts/moto.sh env)"
#                            (under set -e, assign first: `eval "$(...)"` hides a failure)
#
# The port is $MOTO_PORT, or else a free one. PID, port and log live in .tools/run/.
# Safe to call concurrently (tests running in parallel may each call `start`): every command
# holds a lock, so exactly one server is started and all callers get its URL.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
server="$root/.tools/moto/bin/moto_server"
run="$root/.tools/run"
pidfile="$run/moto.pid"
portfile="$run/moto.port"
log="$run/moto.log"

say() { echo "moto.sh: $*" >&2; }

answers() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/moto-api/" 2>/dev/null; }

# Is PID our moto server? Checking the command line (not just `kill -0`) guards against a
# recycled PID and against a zombie, whose command line is empty.
is_moto() { [[ -n $1 && "$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)" == *"$server"* ]]; }

# Alive and not a zombie. (Right after `&` the child may not have exec'd moto_server yet, so
# is_moto would wrongly say no; and a dead child of ours stays a zombie that `kill -0` accepts.)
alive() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ ${stat##*) } != Z* ]]
}

recorded_pid() { cat "$pidfile" 2>/dev/null || true; }
recorded_port() { cat "$portfile" 2>/dev/null || true; }

running() {
  local port
  port="$(recorded_port)"
  is_moto "$(recorded_pid)" && [[ -n $port ]] && answers "$port"
}

# Wait (bounded, ~15 s) until PID answers on PORT; give up early if it dies. A busy machine
# (cargo builds and parallel tests on 2 cores) can delay an answer, so one miss is not fatal.
await() {
  local pid="$1" port="$2" deadline=$((SECONDS + 15))
  while ((SECONDS < deadline)); do
    answers "$port" && return 0
    alive "$pid" || return 1
    sleep 0.1
  done
  return 1
}

stop_locked() {
  local pid
  pid="$(recorded_pid)"
  if is_moto "$pid"; then
    kill "$pid"
    # Not our child, so `wait` cannot be used: poll, then force it after 5 s.
    for _ in $(seq 50); do is_moto "$pid" || break; sleep 0.1; done
    if is_moto "$pid"; then kill -9 "$pid"; fi
    say "stopped (pid $pid)"
  fi
  rm -f "$pidfile" "$portfile"
}

start_locked() {
  local pid port
  pid="$(recorded_pid)"
  port="$(recorded_port)"
  if is_moto "$pid" && [[ -n $port ]] && await "$pid" "$port"; then
    if [[ -n ${MOTO_PORT:-} && $MOTO_PORT != "$port" ]]; then
      say "already running on port $port, not \$MOTO_PORT=$MOTO_PORT; stop it first"
      return 1
    fi
    echo "http://127.0.0.1:$port"
    return 0
  fi
  # Whatever is recorded is dead or hung: clear it before starting afresh.
  stop_locked 2>/dev/null

  # A no-op when moto is installed; its messages must not pollute our stdout (the URL).
  "$root/scripts/tools.sh" moto >&2

  port="${MOTO_PORT:-}"
  if [[ -z $port ]]; then
    # Ask the kernel for a free port. (Another program could take it before moto binds it;
    # then the wait below fails and says so.)
    port="$("$root/.tools/moto/bin/python" -c \
      'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  fi

  # A plain command, so $! is the server's own PID. All three standard streams are redirected
  # and the lock fd is closed: otherwise a caller capturing our output (e.g. Rust's
  # Command::output) would wait for the server to exit, and the lock would live as long as it.
  "$server" -H 127.0.0.1 -p "$port" </dev/null >"$log" 2>&1 9>&- &
  pid=$!

  if await "$pid" "$port"; then
    echo "$pid" >"$pidfile"
    echo "$port" >"$portfile"
    echo "http://127.0.0.1:$port"
    return 0
  fi
  kill "$pid" 2>/dev/null || true
  say "moto_server did not answer on port $port; last lines of $log:"
  tail -n 20 "$log" >&2
  return 1
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    start | stop | status | env) ;;
    *)
      say "usage: scripts/moto.sh start|stop|status|env"
      return 2
      ;;
  esac

  mkdir -p "$run"
  # Generous wait: the first `start` on a fresh machine installs moto while holding the lock.
  exec 9>"$run/moto.lock"
  flock -w 300 9 || { say "timed out waiting for $run/moto.lock"; return 1; }

  case "$cmd" in
    start) start_locked ;;
    stop) stop_locked ;;
    status)
      if running; then
        echo "http://127.0.0.1:$(recorded_port)"
      else
        say "not running"
        return 1
      fi
      ;;
    env)
      local url
      url="$(start_locked)"
      # Both region variables: the Rust SDK reads AWS_REGION, the AWS CLI and SAM read AWS_DEFAULT_REGION.
      cat <<EOF
export AWS_ENDPOINT_URL=$url
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1
EOF
      ;;
  esac
}

main "$@"
