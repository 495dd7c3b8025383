#!/usr/bin/env python3
"""Checks a functions log (JSON lines, as `cargo lambda watch` or CloudWatch Logs keep them): every
request, webhook and event line has exactly one CloudWatch EMF line with the same request id, whose
directive names members that the line has. Run by `make test` over the end-to-end pass's log:

    python3 scripts/check_metrics_lines.py target/test-logs/functions.log
"""

from __future__ import annotations

import json
import sys
from collections import Counter

# The custom metrics a deployed stack may create (each costs money every month).
MAX_SERIES = 50


def main(path: str) -> int:
    handled: list[str] = []
    emf: Counter[str] = Counter()
    # Each (metric, dimension values) is one CloudWatch custom metric, billed monthly.
    metric_series: set = set()
    problems: list[str] = []
    with open(path, encoding="utf-8", errors="replace") as log:
        for raw in log:
            # `cargo lambda watch` writes its own progress ("Running ...") into the same stream,
            # at times without a newline before a function's line: read from the first brace.
            start = raw.find("{")
            if start < 0:
                continue
            raw = raw[start:].strip()
            try:
                line = json.loads(raw)
            except json.JSONDecodeError:
                continue
            if "_aws" in line:
                for directive in line["_aws"]["CloudWatchMetrics"]:
                    for dimensions in directive["Dimensions"]:
                        for name in dimensions:
                            if not isinstance(line.get(name), str):
                                problems.append(f"EMF line without its dimension {name}: {raw[:200]}")
                    for metric in directive["Metrics"]:
                        if not isinstance(line.get(metric["Name"]), (int, float)):
                            problems.append(f"EMF line without its metric {metric['Name']}: {raw[:200]}")
                        for dimensions in directive["Dimensions"]:
                            key = tuple((name, line.get(name)) for name in dimensions)
                            metric_series.add((metric["Name"], key))
                emf[line.get("requestId", "")] += 1
            elif line.get("message") in ("request", "webhook", "event") and line.get("request_id"):
                handled.append(line["request_id"])
    for request_id in handled:
        if emf[request_id] != 1:
            problems.append(f"request {request_id}: {emf[request_id]} metrics lines, expected 1")
    if not handled:
        problems.append("no request lines at all")
    if len(metric_series) > MAX_SERIES:
        problems.append(f"{len(metric_series)} custom metrics (metric and dimension values); keep them under {MAX_SERIES}")
    for problem in problems:
        print(f"FAIL: {problem}")
    print(
        f"check_metrics_lines: {len(handled)} requests, {sum(emf.values())} EMF lines, "
        f"{len(metric_series)} custom metrics, {len(problems)} problem(s)"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
