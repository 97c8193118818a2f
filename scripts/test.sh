#!/usr/bin/env bash
# Runs every check the project has, on a fresh machine with only the Rust toolchain and Python 3:
# installs the pinned tools into .tools/, then formatting, lints, all tests (unit, integration against
# the project's own moto server on 127.0.0.1, property tests, the Lambda end to end under cargo-lambda's
# runtime emulator) and the SAM template checks. This is the README's test command and what CI runs.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

step() { printf '\n== %s\n' "$*"; }
# Tests start the project's moto server on demand; stop it whatever happens.
trap 'scripts/moto.sh stop >/dev/null 2>&1 || true' EXIT

# The repository stands on its own: nothing it tracks may point at a folder beside it (a clone has none).
step "no tracked file refers to a path outside the repository"
status=0
outside="$(git grep -n '\.\./shared')" || status=$?
if [[ $status -eq 0 ]]; then
    printf '%s\n' "$outside" >&2
    echo "these tracked files refer to the sibling folder 'shared', outside the repository:" \
        "$(cut -d: -f1 <<< "$outside" | sort -u | tr '\n' ' ')" >&2
    exit 1
elif [[ $status -ne 1 ]]; then
    echo "git grep failed (status $status): run the checks from a git checkout" >&2
    exit 1
fi

step "tools (pinned, into .tools/)"
for group in moto sam lambda mcp; do scripts/tools.sh "$group"; done

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings
# The function's package alone: the library without the CLI's feature must build clean too.
cargo clippy -p apigw-log-indexer-function --all-targets --quiet -- -D warnings

# The codec comparison scripts/bench.sh runs is a package of its own (zstd and lz4 stay out of the indexer's
# dependencies); held to the same checks so it builds when the benchmark needs it.
step "benches/codec-frontier: fmt, clippy"
cargo fmt --manifest-path benches/codec-frontier/Cargo.toml -- --check
cargo clippy --manifest-path benches/codec-frontier/Cargo.toml --target-dir target/codec-frontier --quiet -- -D warnings

step "cargo test (moto is started by the tests themselves, on a free loopback port)"
PATH="$root/.tools/lambda/bin:$PATH" cargo test --workspace --all-targets
# Doc tests are not among --all-targets: they hold the compile-fail proofs that raw log text is not `Redacted`.
cargo test -p apigw-log-indexer --doc

step "template: cfn-lint, sam validate --lint, sam build"
.tools/sam/bin/cfn-lint template.yaml demo/template.yaml
for t in template.yaml demo/template.yaml; do
    AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}" .tools/sam/bin/sam validate --lint --template-file "$t"
done
# sam build exactly as the README's deploy recipe says (its PATH order included).
scripts/readme-run.sh Deploying "sam build"
test -x .aws-sam/build/IndexerFunction/bootstrap

step "README: the 'Use it locally' recipe, as written"
scripts/readme-run.sh "Use it locally"

step "all checks passed"
