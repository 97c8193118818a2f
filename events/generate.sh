#!/usr/bin/env bash
# Regenerates every events/*.json from events/manifest.txt and the readable fixtures in events/fixtures/*.log.
#
#   events/generate.sh            (from anywhere)
#
# The manifest lists one file per row (name, start time, kind, log group, log stream); the project's own CLI
# encodes each with src/encode.rs, the corrupt-*.json payloads and the control message included, so the
# fixtures, the tests and `make-event` share one encoder. Output is deterministic (gzip mtime 0); a test
# (tests/it/events.rs) regenerates into a temporary directory and compares byte for byte.
set -euo pipefail

cd "$(dirname "$0")/.."
cargo run -q --bin apigw-logs -- make-event --manifest events/manifest.txt --out-dir events
