"""Cold-start and warm-latency benchmark of a function binary, through a minimal Lambda Runtime API.

Starts the binary as Lambda would (AWS_LAMBDA_* variables, the Runtime API on loopback), and measures:
- init: from spawning the process to its first `GET /runtime/invocation/next` (the Lambda "Init
  Duration": runtime start, config, SDK clients, the DynamoDB warm-up call);
- first: the first invocation, from handing out the event to receiving the response;
- warm: the following invocations of the same process;
- peak RSS of the process (VmHWM) after the last invocation;
- with --callgrind, CPU instructions per warm invocation: the process runs under
  `valgrind --tool=callgrind` twice, with 3 and with 53 warm invocations, and the difference of
  its instruction counts is divided by the 50 invocations between (start-up and shut-down cancel
  out; the emulator and the fakes are other processes, and the kernel's network work is not
  counted); the median of 3 such pairs. A single pair 10 invocations apart wandered by up to 10 %
  from run to run of the same binary (the runtime client's polls follow timing); this way, by
  about 1 %.

Usage: python bench_cold_start.py BINARY EVENT.json [--runs N] [--warm N] [--replace FROM=TO{n}]...
       [--callgrind] [--json RESULTS.jsonl] [--label TEXT]
`{n}` in a replacement is the invocation's sequence number (to make one-time login codes unique).
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Run:
    def __init__(self, event_text, replacements, warm):
        self.event_text = event_text
        self.replacements = replacements
        self.remaining = warm + 1
        self.sent_at = None
        self.latencies = []
        self.first_next = None
        self.done = threading.Event()
        self.sequence = 0
        self.statuses = []

    def next_event(self):
        self.sequence += 1
        text = self.event_text
        for old, new in self.replacements:
            text = text.replace(old, new.replace("{n}", f"{os.getpid()}x{time.time_ns()}x{self.sequence}"))
        return text.encode()


RUN = None


class RuntimeApi(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        # Headers and body go out as separate writes: without this, Nagle's algorithm and delayed
        # ACKs add ~40 ms to every invocation on a kept-alive connection (a harness artifact).
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        run = RUN
        now = time.perf_counter()
        if run.first_next is None:
            run.first_next = now
        if run.remaining == 0:
            run.done.set()
            time.sleep(3600)  # hold the poll open, like Lambda freezing the sandbox
            return
        run.remaining -= 1
        body = run.next_event()
        run.sent_at = time.perf_counter()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Lambda-Runtime-Aws-Request-Id", str(uuid.uuid4()))
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:bench")
        self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        run = RUN
        length = int(self.headers.get("Content-Length", 0))
        payload = self.rfile.read(length)
        if "/response" in self.path:
            run.latencies.append((time.perf_counter() - run.sent_at) * 1000)
            answer = json.loads(payload)
            status = answer.get("statusCode", 200) if isinstance(answer, dict) else 200
            run.statuses.append(status)
        else:
            print(f"error report on {self.path}: {payload[:500]!r}")
            run.done.set()
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def lambda_env(name, port):
    env = dict(os.environ)
    env.update({
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_LAMBDA_LOG_GROUP_NAME": "bench",
        "LOG_LEVEL": "warn",
    })
    return env


def run_once(command, env, event_text, replacements, warm, timeout, gentle=False):
    """One process through `warm` + 1 invocations; answers the Run and the process's peak RSS."""
    global RUN
    RUN = Run(event_text, replacements, warm)
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if not RUN.done.wait(timeout):
        process.kill()
        raise SystemExit(f"{command[-1]} did not finish: {process.stderr.read().decode()[:2000]}")
    rss = peak_rss_kib(process.pid) / 1024
    if gentle:
        # valgrind writes its counts when its client ends on a signal; SIGKILL would lose them.
        process.terminate()
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
    else:
        process.kill()
    process.wait()
    RUN.init_ms = (RUN.first_next - started) * 1000
    return RUN, rss


def instructions(binary, env, event_text, replacements, warm):
    """Instructions of a process under callgrind, through `warm` + 1 invocations."""
    out = f"/tmp/callgrind.{os.getpid()}.{warm}.out"
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary]
    run_once(command, env, event_text, replacements, warm, 600, gentle=True)
    # SIGTERM makes valgrind write its totals; wait for the file to be complete.
    for _ in range(100):
        if os.path.exists(out):
            with open(out) as f:
                for line in f:
                    if line.startswith(("summary:", "totals:")):
                        total = int(line.split()[1])
                        os.remove(out)
                        return total
        time.sleep(0.1)
    raise SystemExit(f"callgrind wrote no totals for {binary}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("event")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument("--replace", action="append", default=[])
    parser.add_argument("--callgrind", action="store_true")
    parser.add_argument("--json")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    replacements = [tuple(r.split("=", 1)) for r in args.replace]
    with open(args.event) as f:
        event_text = f.read()

    server = ThreadingHTTPServer(("127.0.0.1", 0), RuntimeApi)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    name = os.path.basename(args.binary)
    env = lambda_env(name, server.server_address[1])
    inits, firsts, warms, rss, statuses = [], [], [], [], []
    for _ in range(args.runs):
        run, peak = run_once([args.binary], env, event_text, replacements, args.warm, 60)
        rss.append(peak)
        inits.append(run.init_ms)
        firsts.append(run.latencies[0])
        warms.extend(run.latencies[1:])
        statuses.extend(run.statuses)
    per_request = None
    if args.callgrind:
        few, more = 3, 53
        pairs = [
            (
                instructions(args.binary, env, event_text, replacements, more)
                - instructions(args.binary, env, event_text, replacements, few)
            )
            / (more - few)
            for _ in range(3)
        ]
        per_request = statistics.median(pairs)

    def p50(values):
        return statistics.median(values)

    def summary(values):
        values = sorted(values)
        p90 = values[min(len(values) - 1, int(len(values) * 0.9))]
        return f"p50 {statistics.median(values):7.2f} ms   p90 {p90:7.2f} ms"

    answered = "/".join(str(s) for s in sorted(set(statuses)))
    print(f"{name}: {args.runs} cold starts, {len(warms)} warm invocations, answered {answered}")
    print(f"  init          {summary(inits)}")
    print(f"  first request {summary(firsts)}")
    print(f"  warm request  {summary(warms)}")
    print(f"  peak RSS      {statistics.median(rss):.1f} MiB (median)")
    if per_request is not None:
        print(f"  instructions  {per_request / 1e6:.2f} M per warm request (callgrind)")
    if args.json:
        with open(args.json, "a") as out:
            out.write(json.dumps({
                "function": name, "label": args.label, "answered": answered,
                "init_ms": p50(inits), "first_ms": p50(firsts), "warm_ms": p50(warms),
                "rss_mib": statistics.median(rss), "instructions": per_request,
            }) + "\n")


if __name__ == "__main__":
    main()
