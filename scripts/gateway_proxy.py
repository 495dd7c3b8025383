#!/usr/bin/env python3
"""A thin HTTP proxy in front of `cargo lambda watch`: the API's one origin in `make dev` and in
`make test` (schemathesis, the console's browser tests).

Usage: python3 scripts/gateway_proxy.py LISTEN_PORT UPSTREAM_PORT [CONSOLE_DIR]

With CONSOLE_DIR (the console's build, console/dist), it serves the operators' console at
/console/ on the API's own origin, as CloudFront does in a deployment: the session cookie is then
first-party, and the files carry the same Content-Security-Policy (no inline script or style,
nothing from another origin, not frameable).

It forwards every request unchanged, with one exception. `cargo lambda watch` cannot put a body
that is not valid UTF-8 into a Lambda event when the body is labelled as text (JSON). It answers 500
on its own, before any function runs. API Gateway delivers such a body base64-encoded instead,
and `cargo lambda watch` does the same for a binary content type. So for such a body the proxy
sends `Content-Type: application/octet-stream`, and the function receives the same bytes, marked
as binary, as it would behind API Gateway. (That the function answers them 40001 is also tested
in-process.)
"""

import http.client
import os
import mimetypes
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

UPSTREAM = ("127.0.0.1", 0)
CONSOLE: Path | None = None
# The console's headers, here and in CloudFront's response headers policy (template.yaml).
CONSOLE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def console(self) -> bool:
        """Serves /console/... from CONSOLE_DIR; false when the request is the API's."""
        path = self.path.split("?", 1)[0]
        if CONSOLE is None or not (path == "/console" or path.startswith("/console/")):
            return False
        if path == "/console":
            self.send_response(301)
            self.send_header("Location", "/console/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return True
        name = path[len("/console/"):] or "index.html"
        file = (CONSOLE / name).resolve()
        if self.command not in ("GET", "HEAD") or CONSOLE not in file.parents or not file.is_file():
            self.send_error(404 if self.command in ("GET", "HEAD") else 405)
            return True
        payload = file.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", (mimetypes.guess_type(file.name)[0] or "application/octet-stream") + ("; charset=utf-8" if file.suffix in (".html", ".js", ".css") else ""))
        for header, value in CONSOLE_HEADERS.items():
            self.send_header(header, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(payload)
        return True

    def forward(self):
        if self.console():
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
            headers["Content-Type"] = "application/octet-stream"
        upstream = http.client.HTTPConnection(*UPSTREAM, timeout=300)
        upstream.request(self.command, self.path, body=body or None, headers=headers)
        answer = upstream.getresponse()
        payload = answer.read()
        self.send_response_only(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        upstream.close()

    def __getattr__(self, name):
        # Every method, whatever its name (TRACE, QUERY, ...): the gateway decides, not the proxy.
        if name.startswith("do_"):
            return self.forward
        raise AttributeError(name)


if __name__ == "__main__":
    UPSTREAM = ("127.0.0.1", int(sys.argv[2]))
    if len(sys.argv) > 3:
        CONSOLE = Path(sys.argv[3]).resolve()
    bind = os.environ.get("PROXY_BIND", "127.0.0.1")
    ThreadingHTTPServer((bind, int(sys.argv[1])), Proxy).serve_forever()
