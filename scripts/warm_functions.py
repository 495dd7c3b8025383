#!/usr/bin/env python3
"""Starts every function of `cargo lambda watch` once, before the tests that time or count their
calls: its first request of each function runs `cargo run`, which on a busy machine can take long
enough for the watcher to answer 500 instead. One request per route of the Cargo.toml router
(path parameters filled with `warm-up`); any answer of the function is fine, and the requests are
logged like any other (one EMF line each).

    python3 scripts/warm_functions.py http://127.0.0.1:9000
"""

import sys
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(base):
    router = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]["metadata"]["lambda"]["watch"]["router"]
    started = time.monotonic()
    for path, target in router.items():
        methods = [entry["method"] for entry in target] if isinstance(target, list) else ["GET"]
        url = base.rstrip("/") + path.replace("{id}", "warm-up")
        for method in methods:
            for attempt in range(5):
                request = urllib.request.Request(url, method=method, data=b"{}" if method != "GET" else None)
                try:
                    status = urllib.request.urlopen(request, timeout=120).status
                except urllib.error.HTTPError as err:
                    status = err.code
                except OSError:
                    status = 0
                # A function's own answer carries our envelope's codes; the watcher's 500 while the
                # function starts does not: try again after a pause.
                if status and status != 500:
                    break
                time.sleep(2)
    print(f"warm_functions: {len(router)} routes started in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1])
