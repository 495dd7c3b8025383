#!/usr/bin/env python3
"""A thin HTTP proxy in front of `cargo lambda watch`, for the schemathesis run of `make test`.

Usage: python3 scripts/gateway_proxy.py LISTEN_PORT UPSTREAM_PORT

It forwards every request unchanged, with one exception. `cargo lambda watch` cannot put a body
that is not valid UTF-8 into a Lambda event when the body is labelled as text (JSON). It answers 500
on its own, before any function runs. API Gateway delivers such a body base64-encoded instead,
and `cargo lambda watch` does the same for a binary content type. So for such a body the proxy
sends `Content-Type: application/octet-stream`, and the function receives the same bytes, marked
as binary, as it would behind API Gateway. (That the function answers them 40001 is also tested
in-process.)
"""

import http.client
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

UPSTREAM = ("127.0.0.1", 0)
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
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
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Proxy).serve_forever()
