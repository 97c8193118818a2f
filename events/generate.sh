#!/usr/bin/env bash
# Regenerates every events/*.json from the human-readable fixtures in events/fixtures/*.log.
#
#   events/generate.sh            (from anywhere; works from the repository root)
#
# Each fixture is encoded by the project's own CLI, `apigw-logs make-event`, into a CloudWatch Logs subscription
# Lambda event ({"awslogs":{"data":"<base64(gzip(JSON))>"}}). The corrupt-*.json payloads are written with the
# Python standard library (gzip mtime fixed at 0), so the whole directory is reproducible byte for byte as long as
# make-event itself is deterministic. Edit the .log fixtures or the table below, never the .json files.
set -euo pipefail

cd "$(dirname "$0")/.."
cargo build -q --bin apigw-logs
BIN="${CARGO_TARGET_DIR:-target}/debug/apigw-logs"

# Fixture table: one encoded event per row.
#   name        events/fixtures/<name>.log  ->  events/<name>.json
#   start-ms    --start-ms (the fixture's "@N " offsets are relative to it; pairs of exec/lambda/access fixtures
#               that describe the same requests share it, so their timestamps line up)
#   flags       extra make-event flags ("-" for none; --newline for Lambda text log groups, whose real messages end in \n)
#   log group   --log-group
#   log stream  --log-stream
#
# name                                      start-ms       flags      log group                                                               log stream
FIXTURES=$(cat <<'TABLE'
workshop-exec                               1763726400000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               6f8a4c1b5d144baea8cdcc7c71d5cdad
workshop-lambda                             1763726400000  --newline  /aws/lambda/module-4-observability-FunctionForDataPoints-1ABCDEF2GHIJ   2025/11/21/[$LATEST]61fd44f6b98634cbeb1431249df98718
workshop-access                             1763726400000  -          /aws/apigateway/workshop-api-access-logs                                04f66d5e0a32baf321f93bd80f95f0e1
reason-lambda-timeout                       1763727060000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               4526ff363360841f992454b8f9497c51
reason-lambda-timeout-lambda                1763727060000  --newline  /aws/lambda/module-4-observability-FunctionForDataPoints-1ABCDEF2GHIJ   2025/11/21/[$LATEST]279c5e3f7bd88be6e849643e633ed8ae
reason-lambda-timeout-httpapi-access        1763727120000  -          /aws/apigateway/orders-http-api-access-logs                             043eef0c9324581a3e6141e0ba55563b
reason-lambda-out-of-memory                 1763727180000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               fdf97274b2bc63550c420bb193dcc14d
reason-lambda-out-of-memory-lambda          1763727180000  --newline  /aws/lambda/module-4-observability-FunctionForDataPoints-1ABCDEF2GHIJ   2025/11/21/[$LATEST]750446d6a2e6b1e8ea56ec0958e1c036
reason-lambda-error                         1763727240000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               49ff70cf148c71d1de1b39879f6a6b95
reason-lambda-error-lambda                  1763727240000  --newline  /aws/lambda/module-4-observability-FunctionForDataPoints-1ABCDEF2GHIJ   2025/11/21/[$LATEST]31a33639a795296eb165789868333dd4
reason-lambda-error-access                  1763727240000  -          /aws/apigateway/workshop-api-access-logs                                99d21f46b0f64fcc37015d9b72cd485a
lambda-python                               1763727240000  --newline  /aws/lambda/orders-api-GetOrderFunction-7MNOPQ8RSTUV                    2025/11/21/[$LATEST]22501136a4bd869d8b9e3c1c5adc5e2b
lambda-init-error                           1763727270000  --newline  /aws/lambda/orders-api-GetOrderFunction-7MNOPQ8RSTUV                    2025/11/21/[$LATEST]d1597e83934beb89d2e0ee0804f8def3
reason-lambda-throttled                     1763727300000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               5eeef38eb323e1e0656bbd3be5dbc159
reason-lambda-throttled-access              1763727300000  -          /aws/apigateway/workshop-api-access-logs                                71e4929ff6e4bd7ecfcbb428766d1167
reason-malformed-proxy-response             1763727360000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               3ba0e79782214fd193019690c6a1db50
reason-malformed-proxy-response-lambda      1763727360000  --newline  /aws/lambda/module-4-observability-FunctionForDataPoints-1ABCDEF2GHIJ   2025/11/21/[$LATEST]5e4ef31c33b0cd3b3449a023d8fee143
reason-integration-timeout                  1763727420000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               bfc727983a7e92d0b2adcfa74c75abf4
reason-integration-timeout-access           1763727420000  -          /aws/apigateway/workshop-api-access-logs                                b01c8c8662abe3971614a4c563a8982f
reason-integration-network-error            1763727480000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               95e26454320cd284ae1447d148777c48
reason-integration-permission-error         1763727540000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               61e0442157d8ace8b3b18086ab171c8a
reason-mapping-template-error               1763727600000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               66d3016f5a7924766fc784ac418bcd69
reason-authorizer-error                     1763727660000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               06e2f47fa6da9935cd70d009c9472e96
reason-unauthorized                         1763727720000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               93c57ce593b4aa41eceeee553ceb6b3f
reason-access-denied                        1763727780000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               e44bc09932e53270d5bdf6b4d9fed791
reason-invalid-api-key                      1763727840000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               44bb1053b451bc9c31b7e210cd5b1c04
reason-missing-authentication-token-access  1763727900000  -          /aws/apigateway/workshop-api-access-logs                                42252593bf74c211552cd01b81f8a59c
reason-waf-blocked-access                   1763727960000  -          /aws/apigateway/workshop-api-access-logs                                0697328fa9877f34545777e1edbb10ca
reason-throttled                            1763728020000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               0baed4d8a5328e997a987858f35ce8b8
reason-throttled-access                     1763728020000  -          /aws/apigateway/workshop-api-access-logs                                3cf930bb3b2ed032d5bce3c2d7c4076b
reason-quota-exceeded                       1763728080000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               ced247c17d55c7d279cdd8526e12e0d1
reason-request-validation-failed            1763728140000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               7cf863a3ba6d6d5a15796466a7af70d5
reason-backend-5xx                          1763728200000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               c970d76fa43b868d4a73d50d2349c705
reason-backend-5xx-lambda                   1763728200000  --newline  /aws/lambda/module-4-observability-FunctionForDataPoints-1ABCDEF2GHIJ   2025/11/21/[$LATEST]b1832fd3c82548ed4e811c62fa917172
reason-backend-4xx                          1763728260000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               4f7f8c2f879d6fbe8f137227aa096c71
reason-backend-4xx-lambda                   1763728260000  --newline  /aws/lambda/module-4-observability-FunctionForDataPoints-1ABCDEF2GHIJ   2025/11/21/[$LATEST]312f63ba64562f8bd7832beaf69adf5f
reason-other-5xx                            1763728320000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               5f7d365ba9c35b25314f82faaab4dc98
reason-other-4xx                            1763728380000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               f8defda9d36f06cb556b485921422526
single-request                              1763730060000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               2b4966eafb73743564e6138d88f54286
single-request-lambda                       1763730060000  --newline  /aws/lambda/module-4-observability-FunctionForDataPoints-1ABCDEF2GHIJ   2025/11/21/[$LATEST]69dbfd9cee95ddc214ce8136cc67971e
split-request-1                             1763730120000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               baaaa8b1aa15ceb6105dbb6fc2270cbf
split-request-2                             1763730120000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               baaaa8b1aa15ceb6105dbb6fc2270cbf
websocket-exec                              1763730180000  -          API-Gateway-Execution-Logs_w7x8y9z0ab/production                        e9f59635ad47a225e4748ebc18905c69
access-clf                                  1763730240000  -          /aws/apigateway/legacy-api-access-logs                                  15ef1a0440d8f83a56e1869fab733795
lambda-json-format                          1763730300000  -          /orders-api/lambda                                                      2025/11/21/orders-api-CreateOrderFunction-4KLMNOP5QRST[$LATEST]a033c2643c8d8cf2ed6cf25b1dc1a332
malformed-mixed                             1763730360000  -          API-Gateway-Execution-Logs_a1b2c3d4e5/dev                               4a654f775e7f3a6fe968db18353b79fc
TABLE
)

tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
count=0
while read -r name start_ms flags group stream; do
    [ -n "$name" ] || continue
    args=(--log-group "$group" --log-stream "$stream" --start-ms "$start_ms")
    [ "$flags" = "-" ] || args+=("$flags")
    "$BIN" make-event "${args[@]}" "events/fixtures/$name.log" < /dev/null > "$tmp"
    cp "$tmp" "events/$name.json"
    count=$((count + 1))
done <<< "$FIXTURES"

# CONTROL_MESSAGE (the fixture file is ignored with --control; messageType CONTROL_MESSAGE, owner CloudwatchLogs).
"$BIN" make-event --control > "$tmp"
cp "$tmp" events/control-message.json
count=$((count + 1))

# Corrupt payloads: every way the transport can be broken. Standard library only, deterministic.
python3 - <<'PY'
import base64, gzip, io, json

def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)

def b64(data):
    return base64.b64encode(data).decode()

def write(name, text):
    with open(f"events/{name}.json", "w") as f:
        f.write(text)

def event(data_b64):
    return json.dumps({"awslogs": {"data": data_b64}})

payload = {"messageType": "DATA_MESSAGE", "owner": "123456789012",
           "logGroup": "API-Gateway-Execution-Logs_a1b2c3d4e5/dev", "logStream": "0c5f2d7e9a1b3c4d5e6f708192a3b4c5",
           "subscriptionFilters": ["apigw-log-indexer"],
           "logEvents": [{"id": "39288459286123744393813413893120000000000000000000000000", "timestamp": 1763733600000,
                          "message": "(7d1c9f0e-3a52-4b8e-9f6d-2c4b1a0e8d37) Method completed with status: 200"}]}
good = gz(json.dumps(payload).encode())

# Not JSON at all.
write("corrupt-not-json", "this is not JSON {\"awslogs\": \n")
# Valid JSON, valid data, but no "awslogs" wrapper (the data sits at the top level).
write("corrupt-no-awslogs", json.dumps({"data": b64(good)}))
# "data" is not base64.
write("corrupt-bad-base64", event("H4sIAAAAAAAC/!!not*base64@@"))
# Base64 of plain JSON that was never gzipped.
write("corrupt-not-gzip", event(b64(json.dumps(payload).encode())))
# A gzip stream cut in half (no trailer, incomplete deflate data).
write("corrupt-truncated-gzip", event(b64(good[: len(good) // 2])))
# Valid gzip whose content is not JSON.
write("corrupt-gzip-not-json", event(b64(gz(b"hello, this is not JSON\n"))))
# Valid gzip JSON of the wrong shape: logEvents is not an array.
wrong = dict(payload, logEvents="not-an-array")
write("corrupt-wrong-shape", event(b64(gz(json.dumps(wrong).encode()))))
# Gzip bomb: 256 MiB once decompressed (the default decode cap is 64 MiB). It starts like a real payload and
# continues with ASCII zeros inside a string that is never closed, so only the decompressed-size cap stops it,
# not a JSON syntax error. Compressed in 1 MiB chunks to keep this script's memory small.
buf = io.BytesIO()
with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0) as g:
    head = ('{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"API-Gateway-Execution-Logs_a1b2c3d4e5/dev",'
            '"logStream":"0c5f2d7e9a1b3c4d5e6f708192a3b4c5","subscriptionFilters":["apigw-log-indexer"],'
            '"logEvents":[{"id":"1","timestamp":1763733600000,"message":"').encode()
    total, chunk = 256 * 1024 * 1024, b"0" * (1024 * 1024)
    g.write(head)
    left = total - len(head)
    while left > 0:
        n = min(left, len(chunk))
        g.write(chunk[:n])
        left -= n
write("corrupt-gzip-bomb", event(b64(buf.getvalue())))
PY
count=$((count + 8))

echo "events/generate.sh: wrote $count event files into events/"
