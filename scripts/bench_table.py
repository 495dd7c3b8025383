#!/usr/bin/env python3
"""Prints `make bench`'s results (JSON lines from bench_cold_start.py --json) as one Markdown table,
with each function's deployment zip size when `make build` has made it (.aws-sam/build)."""

import json
import os
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def zip_size(function: str) -> str:
    logical = "".join(part[:1].upper() + part[1:] for part in function.split("-")) + "Function"
    bootstrap = ROOT / ".aws-sam" / "build" / logical / "bootstrap"
    if not bootstrap.exists():
        return "-"
    out = Path("/tmp") / f"{logical}.zip"
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(bootstrap, "bootstrap")
    size = os.path.getsize(out) / 1048576
    out.unlink()
    return f"{size:.2f} MiB"


# Strings only each SDK client's code carries: the linker (fat LTO) drops a client a function never
# calls, so these tell which clients a binary really links.
CLIENT_MARKERS = {"DynamoDB": b"DynamoDB_20120810", "S3": b"s3express", "SSM": b"AmazonSSM"}


def clients(function: str) -> str:
    binary = ROOT / "target" / "release" / function
    if not binary.exists():
        return "-"
    data = binary.read_bytes()
    return ", ".join(name for name, marker in CLIENT_MARKERS.items() if marker in data)


def main(path: str) -> None:
    rows = [json.loads(line) for line in open(path) if line.strip()]
    print("| function | what a request does | answered | init p50 | first p50 | warm p50 | peak RSS | instructions / warm request | AWS clients linked | zip (arm64) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        instructions = row.get("instructions")
        shown = f"{instructions / 1e6:.2f} M" if instructions is not None else "-"
        print(
            f"| {row['function']} | {row['label']} | {row['answered']} | {row['init_ms']:.1f} ms | "
            f"{row['first_ms']:.1f} ms | {row['warm_ms']:.1f} ms | {row['rss_mib']:.1f} MiB | {shown} | "
            f"{clients(row['function'])} | {zip_size(row['function'])} |"
        )


if __name__ == "__main__":
    main(sys.argv[1])
