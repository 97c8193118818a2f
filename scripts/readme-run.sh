#!/usr/bin/env bash
# Runs a README recipe literally, as a user would paste it: the first ```sh block under the heading
# "## $1", up to and including its first line that starts with $2 (default: the whole block), in the
# repository root, bounded in time (README_RUN_TIMEOUT seconds, default 1800).
#   scripts/readme-run.sh Deploying "sam build"      # tools, PATH, sam build (never sam deploy)
#   scripts/readme-run.sh "Use it locally"
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
heading="## $1"
stop="${2:-}"

block="$(awk -v h="$heading" -v stop="$stop" '
  $0 == h { section = 1; next }
  section && /^## / { exit }
  section && !inside && /^```sh$/ { inside = 1; next }
  inside && /^```$/ { exit }
  inside { print; if (stop != "" && index($0, stop) == 1) { found = 1; exit } }
  END { if (stop != "" && !found) exit 3 }
' README.md)" || { echo "readme-run.sh: no line starting with '$stop' in the sh block under '$heading'" >&2; exit 1; }
[[ -n $block ]] || { echo "readme-run.sh: no sh block under '$heading'" >&2; exit 1; }

printf '%s\n' "$block" | sed 's/^/readme> /'
timeout "${README_RUN_TIMEOUT:-1800}" bash -euo pipefail -c "$block"
