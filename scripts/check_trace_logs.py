"""With LOG_LEVEL=trace, no log line may carry a login code, an access or refresh token, an
Authorization header or a request body: the functions run as Lambda runs them (a local Runtime
API, the real binaries, the Lambda runtime's own logging included) and everything they print is
searched for those values.

Usage: python check_trace_logs.py TARGET_DIR   (the folder holding the debug binaries; the table,
the bucket, the fake WeChat and the keys come from the environment, as `make test` sets them)
"""

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Invocation:
    """One event handed to a function, and its answer."""

    def __init__(self, event):
        self.event = event
        self.sent = False
        self.response = None
        self.done = threading.Event()


CURRENT = None


class RuntimeApi(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        invocation = CURRENT
        if invocation.sent:
            time.sleep(3600)  # one event per process: hold the poll, like a frozen sandbox
            return
        invocation.sent = True
        body = invocation.event.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Lambda-Runtime-Aws-Request-Id", str(uuid.uuid4()))
        self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
        self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:check")
        self.send_header("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        CURRENT.response = self.rfile.read(length)
        CURRENT.done.set()
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()


def invoke(server, binary, event):
    """Runs `binary` for one `event` with LOG_LEVEL=trace; answers (response, everything it printed)."""
    global CURRENT
    CURRENT = Invocation(event)
    env = dict(os.environ)
    env.update({
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.server_address[1]}",
        "AWS_LAMBDA_FUNCTION_NAME": os.path.basename(binary),
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_STREAM_NAME": "check",
        "AWS_LAMBDA_LOG_GROUP_NAME": "check",
        "LOG_LEVEL": "trace",
    })
    process = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    # Drained as it comes: a full pipe would block the function mid-request.
    chunks = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(process.stdout.readline, b"")), daemon=True)
    reader.start()
    answered = CURRENT.done.wait(60)
    time.sleep(0.3)  # let the last log lines out
    process.kill()
    reader.join(5)
    output = b"".join(chunks).decode(errors="replace")
    if not answered:
        raise SystemExit(f"{binary} gave no answer: {output[-2000:]}")
    return json.loads(CURRENT.response), output


def sample(name, replacements):
    with open(os.path.join(ROOT, "events", f"{name}.json")) as f:
        text = f.read()
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text


def main():
    target = sys.argv[1]
    server = ThreadingHTTPServer(("127.0.0.1", 0), RuntimeApi)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()

    code = f"tracecheck{os.getpid()}.{time.time_ns()}"
    login_event = sample("login", {"alice.sample": code})
    answer, login_logs = invoke(server, os.path.join(target, "login"), login_event)
    data = json.loads(answer["body"])["data"]
    access, refresh = data["accessToken"], data["refreshToken"]
    me_event = sample("get-user-info", {"REPLACE_WITH_ACCESS_TOKEN": access})
    answer, me_logs = invoke(server, os.path.join(target, "get-user-info"), me_event)
    assert json.loads(answer["body"])["code"] == 0, answer
    refresh_event = sample("refresh", {"REPLACE_WITH_REFRESH_TOKEN": refresh})
    answer, refresh_logs = invoke(server, os.path.join(target, "refresh"), refresh_event)
    assert json.loads(answer["body"])["code"] == 0, answer

    logs = login_logs + me_logs + refresh_logs
    secrets = {
        "the login code": code,
        "the access token": access,
        "the refresh token": refresh,
        "the refresh token's secret": refresh.split(".", 1)[1],
        "an Authorization header": "Bearer ",
        "the login request body": json.loads(login_event)["body"],
        "the refresh request body": json.loads(refresh_event)["body"],
    }
    leaked = [what for what, value in secrets.items() if value in logs]
    if leaked:
        raise SystemExit(f"check_trace_logs: with LOG_LEVEL=trace the logs carry {', '.join(leaked)}")
    if '"level":"TRACE"' not in logs and '"level":"DEBUG"' not in logs:
        raise SystemExit("check_trace_logs: no trace or debug line was logged: LOG_LEVEL=trace did not take")
    lines = logs.count("\n")
    print(f"check_trace_logs: OK - {lines} log lines at LOG_LEVEL=trace from login, get-user-info and refresh; no code, token, header or body")


if __name__ == "__main__":
    main()
