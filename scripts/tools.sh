#!/usr/bin/env bash
# Install the project's pinned, PyPI-distributed tools into the git-ignored .tools/.
#
#   scripts/tools.sh [moto|sam|lambda|awscli|mcp|all]     (default: all)
#
# Each group gets its own virtualenv (.tools/GROUP) because the tools share dependencies they
# pin differently (e.g. aws-sam-cli pins boto3 exactly, moto takes the newest) and would fight
# in one environment.
# Nothing installed globally is used: CI and new machines start from an empty .tools/.
# A stamp file records the exact requirement set (and Python), so a re-run is a no-op and
# changing a pin below reinstalls that group from scratch.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"

# The pins, tested together by scripts/test.sh: change one only with the whole gate passing.
requirements() {
  case "$1" in
    moto) echo 'moto[dynamodb,cloudwatch,logs,apigateway,apigatewayv2,awslambda,cloudformation,events,iam,s3,sqs]==5.2.5' 'flask>=3,<4' 'flask-cors>=6,<7' ;;
    sam) echo 'aws-sam-cli==1.170.0' 'cfn-lint==1.58.0' ;;
    lambda) echo 'cargo-lambda==1.9.2' ;; # its wheel depends on ziglang, the linker it uses
    awscli) echo 'awscli==1.46.3' ;;
    # The Python MCP SDK: its stdio client drives `apigw-logs mcp` in tests/it/mcp.rs.
    mcp) echo 'mcp==2.3.0' ;;
    *)
      echo "tools.sh: unknown group '$1' (expected moto, sam, lambda, awscli, mcp or all)" >&2
      return 2
      ;;
  esac
}

# Prove the installed group actually runs, not just that pip exited 0.
verify() {
  local bin="$tools/$1/bin"
  case "$1" in
    moto) "$bin/moto_server" --help >/dev/null ;;
    sam) "$bin/sam" --version >/dev/null && "$bin/cfn-lint" --version >/dev/null ;;
    # `cargo lambda` is found as `cargo-lambda` on PATH; -V because it has no --version.
    # It finds zig as `python3 -m ziglang` through PATH, so the venv's bin must come first.
    lambda) PATH="$bin:$PATH" cargo lambda -V >/dev/null &&
      PATH="$bin:$PATH" cargo lambda system </dev/null | grep -q ziglang ;;
    awscli) "$bin/aws" --version >/dev/null 2>&1 ;;
    mcp) "$bin/python" -c 'import mcp.client.stdio' ;;
  esac
}

install_group() {
  local group="$1" venv="$tools/$1" stamp="$tools/$1/.stamp" want reqs
  want="$(requirements "$group")"
  # A venv is tied to the interpreter that made it, so a new Python also means reinstall.
  want="$want $(python3 -c 'import sys; print(sys.version.split()[0])')"

  mkdir -p "$tools"
  # Parallel callers (e.g. tests running scripts/moto.sh start) must not build one venv twice.
  exec {lock}>"$tools/.$group.lock"
  flock -w 600 "$lock" || { echo "tools.sh: timed out waiting for $group install lock" >&2; return 1; }

  if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then
    exec {lock}>&-
    return 0
  fi
  # A venv made by the same Python that already holds every requirement (say, an extra added whose
  # packages were already there) is kept, not rebuilt: a rebuild would pull the files from under a server
  # running from it. pip checks offline (--no-index), so anything missing means a rebuild. The stamp is
  # left as it was, so a checkout of the older pin set using the same .tools/ still finds it up to date.
  read -ra reqs <<<"$(requirements "$group")"
  if [[ -x $venv/bin/python ]] &&
    [[ "$("$venv/bin/python" -c 'import sys; print(sys.version.split()[0])')" == "${want##* }" ]] &&
    "$venv/bin/python" -m pip install --disable-pip-version-check -q --no-index --dry-run "${reqs[@]}" >/dev/null 2>&1 &&
    verify "$group" >/dev/null 2>&1; then
    exec {lock}>&-
    return 0
  fi

  local start=$SECONDS
  # Start clean: leftovers of an older pin set could otherwise satisfy (or break) the new one.
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check -q "${reqs[@]}"
  verify "$group"
  # Written last, so an interrupted install is redone next time.
  echo "$want" >"$stamp"
  echo "tools.sh: installed $group into .tools/$group in $((SECONDS - start))s"
  exec {lock}>&-
}

main() {
  local groups=("${@:-all}")
  if [[ ${groups[*]} == all ]]; then
    groups=(moto sam lambda awscli mcp)
  fi
  # One after another: pip installs in parallel would only contend for the 2 cores.
  for group in "${groups[@]}"; do
    install_group "$group"
  done
}

main "$@"
