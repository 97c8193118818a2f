#!/usr/bin/env python3
"""Measures the Lambda binary (apigw-log-indexer) under a minimal Lambda runtime API on 127.0.0.1.

  bench_lambda.py cold-start --bin BIN [--runs 10]
      Spawns BIN with AWS_LAMBDA_RUNTIME_API set, times spawn -> its first GET .../invocation/next (ready for
      its first event), kills it; N runs. Prints cold_start_median_ms=, cold_start_min_ms=, cold_start_runs=.
  bench_lambda.py peak-memory --bin BIN --event FILE --endpoint-url URL [--cli apigw-logs] [--table T]
      Creates a fresh table in the local endpoint (moto), serves FILE as one invocation (deadline 60 s ahead),
      waits for the POST of the result (must be .../response, not .../error), and on the next /next reads
      VmHWM from /proc/PID/status, then kills the process. METRICS_SINK=cloudwatch to the same endpoint, so
      the whole path runs. Prints peak_rss_mb=, result=, and items_written=, write_units=, metric_calls= when
      the function's summary line (its log on stdout/stderr) shows them.
  bench_lambda.py make-largest --out FILE [--cli apigw-logs] [--limit 1048576]
      Generates the largest batch CloudWatch Logs can deliver to a function: one execution-log event file
      just under LIMIT bytes (the async invocation payload limit), by searching `apigw-logs make-traffic`'s
      --batch-bytes. Prints event_bytes=, decoded_bytes=, events=, batch_bytes=.

Output: key=value lines on stdout; progress on stderr. Standard library only.
"""
import argparse, base64, gzip, http.server, json, os, re, socket, statistics, subprocess, sys, tempfile
import threading, time, uuid

PREFIX = "/2018-06-01/runtime"


def log(*a):
    print("bench_lambda:", *a, file=sys.stderr, flush=True)


class Runtime:
    """Runtime API for one process at a time. `events` are served in order to GET /next; once they are used
    up, a GET /next sets `idle` and is held (never answered) until the process is killed."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset([])
        handler = self.handler()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.address = "127.0.0.1:%d" % self.server.server_address[1]

    def reset(self, events):
        with self.lock:
            self.events = list(events)
            self.first_next = None          # perf_counter of the first GET /next
            self.results = []               # (kind, request_id, body)
            self.idle = threading.Event()   # a GET /next arrived with nothing left to serve
            self.released = threading.Event()
            self.result_posted = threading.Event()

    def handler(self):
        rt = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def reply(self, code, body=b"", headers=()):
                self.send_response(code)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                now = time.perf_counter()
                if self.path != PREFIX + "/invocation/next":
                    return self.reply(404)
                with rt.lock:
                    if rt.first_next is None:
                        rt.first_next = now
                    event = rt.events.pop(0) if rt.events else None
                if event is None:
                    rt.idle.set()
                    rt.released.wait(120)   # held until the process is killed
                    self.close_connection = True
                    return
                rid = str(uuid.uuid4())
                deadline = int(time.time() * 1000) + 60_000
                self.reply(200, event, [
                    ("Content-Type", "application/json"),
                    ("Lambda-Runtime-Aws-Request-Id", rid),
                    ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                    ("Lambda-Runtime-Invoked-Function-Arn",
                     "arn:aws:lambda:us-east-1:123456789012:function:apigw-log-indexer"),
                    ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0"),
                ])

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                m = re.fullmatch(PREFIX + r"/invocation/([^/]+)/(response|error)", self.path)
                if m:
                    with rt.lock:
                        rt.results.append((m.group(2), m.group(1), body))
                    rt.result_posted.set()
                elif self.path == PREFIX + "/init/error":
                    with rt.lock:
                        rt.results.append(("init/error", "", body))
                    rt.result_posted.set()
                    rt.idle.set()
                self.reply(202, b'{"status":"OK"}', [("Content-Type", "application/json")])

        return H


def spawn(binary, runtime, env_extra, stderr):
    env = dict(os.environ)
    env.update(env_extra)
    env["AWS_LAMBDA_RUNTIME_API"] = runtime.address
    env.setdefault("AWS_LAMBDA_FUNCTION_NAME", "apigw-log-indexer")
    env.setdefault("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
    env.setdefault("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
    env.setdefault("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
    env.setdefault("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/apigw-log-indexer")
    t0 = time.perf_counter()
    proc = subprocess.Popen([binary], env=env, stdout=stderr, stderr=stderr)
    return proc, t0


def stop(proc, runtime):
    proc.kill()
    proc.wait()
    runtime.released.set()


def cold_start(a):
    rt = Runtime()
    times = []
    env = {"INDEX_TABLE": "bench", "METRICS_SINK": "off", "AWS_REGION": "us-east-1",
           "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}  # never contacted: no event is served
    for i in range(a.runs):
        rt.reset([])
        proc, t0 = spawn(a.bin, rt, env, subprocess.DEVNULL)
        if not rt.idle.wait(30):
            stop(proc, rt)
            sys.exit("bench_lambda: no GET /invocation/next within 30 s (run %d)" % (i + 1))
        t1 = rt.first_next
        stop(proc, rt)
        if rt.results:
            sys.exit("bench_lambda: the function reported %s: %r" % (rt.results[0][0], rt.results[0][2][:300]))
        times.append((t1 - t0) * 1000)
    log("cold start, ms:", " ".join("%.2f" % t for t in times))
    print("cold_start_median_ms=%.2f" % statistics.median(times))
    print("cold_start_min_ms=%.2f" % min(times))
    print("cold_start_runs=%d" % len(times))


def summary_field(text, name):
    m = re.findall(r'"?%s"?\s*[=:]\s*"?(\d+)' % re.escape(name), text)
    return m[-1] if m else None


def peak_memory(a):
    table = a.table or "bench-%s" % uuid.uuid4().hex[:12]
    aws = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1"}
    env = dict(os.environ, **aws)
    r = subprocess.run([a.cli, "create-table", "--table", table, "--endpoint-url", a.endpoint_url],
                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit("bench_lambda: create-table failed: " + r.stderr.strip()[-500:])
    event = open(a.event, "rb").read()
    rt = Runtime()
    rt.reset([event])
    fn_env = dict(aws, INDEX_TABLE=table, METRICS_SINK="cloudwatch", AWS_ENDPOINT_URL=a.endpoint_url)
    with tempfile.TemporaryFile() as err:
        proc, _ = spawn(a.bin, rt, fn_env, err)
        ok = rt.result_posted.wait(120) and rt.idle.wait(30)
        status = None
        if ok:
            with open("/proc/%d/status" % proc.pid) as f:
                status = f.read()
        stop(proc, rt)
        err.seek(0)
        stderr = re.sub(r"\x1b\[[0-9;]*m", "", err.read().decode(errors="replace"))  # tracing's colours
    if not ok:
        sys.exit("bench_lambda: no result within 120 s; function stderr:\n" + stderr[-2000:])
    kind, _, body = rt.results[0]
    if kind != "response":
        sys.exit("bench_lambda: the function posted %s: %s\nlog:\n%s" % (kind, body[:500], stderr[-2000:]))
    if a.log:
        open(a.log, "w").write(stderr)
    hwm_kb = int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1))
    print("result=response")
    print("event_bytes=%d" % len(event))
    print("peak_rss_mb=%.1f" % (hwm_kb / 1024))
    for name in ("items_written", "write_units", "metric_calls", "duration_ms"):
        v = summary_field(stderr, name)
        if v is not None:
            print("%s=%s" % (name, v))


def make_largest(a):
    with tempfile.TemporaryDirectory() as tmp:
        def gen(batch_bytes):
            out = os.path.join(tmp, str(batch_bytes))
            subprocess.run([a.cli, "make-traffic", "--out", out, "--batches", "1", "--batch-bytes",
                            str(batch_bytes), "--start-ms", str(a.start_ms)], check=True,
                           stdout=subprocess.DEVNULL)
            path = os.path.join(out, "exec-0000.json")
            return path, os.path.getsize(path)

        # The event size grows with --batch-bytes about linearly: secant steps from the 1 MB batch's ratio,
        # then keep the largest one under the limit.
        best = None
        n = 1_000_000
        for _ in range(12):
            path, size = gen(n)
            log("--batch-bytes %d -> event file %d bytes" % (n, size))
            if size < a.limit and (best is None or size > best[2]):
                best = (n, path, size)
            if size < a.limit and a.limit - size < a.limit * 0.003:
                break
            # aim a little under the limit
            n = max(1000, int(n * (a.limit * 0.9985) / size))
        if best is None:
            sys.exit("bench_lambda: could not generate a batch under %d bytes" % a.limit)
        n, path, size = best
        data = open(path, "rb").read()
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "wb") as f:
            f.write(data)
    payload = gzip.decompress(base64.b64decode(json.loads(data)["awslogs"]["data"]))
    print("batch_bytes=%d" % n)
    print("event_bytes=%d" % size)
    print("decoded_bytes=%d" % len(payload))
    print("events=%d" % len(json.loads(payload)["logEvents"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("cold-start")
    c.add_argument("--bin", required=True)
    c.add_argument("--runs", type=int, default=10)
    p = sub.add_parser("peak-memory")
    p.add_argument("--bin", required=True)
    p.add_argument("--event", required=True)
    p.add_argument("--endpoint-url", required=True)
    p.add_argument("--cli", default="target/release/apigw-logs")
    p.add_argument("--table")
    p.add_argument("--log", help="save the function's output (stdout+stderr) here")
    g = sub.add_parser("make-largest")
    g.add_argument("--out", required=True)
    g.add_argument("--cli", default="target/release/apigw-logs")
    g.add_argument("--limit", type=int, default=1_048_576)
    g.add_argument("--start-ms", type=int, default=1698670710000)
    a = ap.parse_args()
    {"cold-start": cold_start, "peak-memory": peak_memory, "make-largest": make_largest}[a.cmd](a)


if __name__ == "__main__":
    main()
