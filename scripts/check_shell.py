#!/usr/bin/env python3
"""The project's shell scripts run on macOS's stock /bin/bash 3.2 (make test): `bash -n` on each,
then a scan for what bash 3.2 does not run. No bash 3.2 can be installed on CI's machines (no
distribution packages it), so the constructs are listed here, each with what to write instead:

| construct | since | instead |
|---|---|---|
| `source <(cmd)` / `. <(cmd)` | reads nothing in 3.2 | `export_assignments "$(cmd)"` (lib.sh), or a temp file |
| `declare -A` / `local -A` (associative arrays) | 4.0 | two indexed arrays, or `case` |
| `mapfile` / `readarray` | 4.0 | `while IFS= read -r line; do ...; done` |
| `${var,,}` `${var^^}` `${var,}` `${var^}` (case changes) | 4.0 | `tr '[:upper:]' '[:lower:]'` |
| `|&` and `&>>` | 4.0 | `2>&1 |` and `>>file 2>&1` |
| `coproc` | 4.0 | a background job and a FIFO |
| `;&` / `;;&` in `case` | 4.0 | repeat the branch |
| `declare -n` / `local -n` (namerefs) | 4.3 | pass values, or `eval` with care |
| `${array[-1]}` (negative index) | 4.3 | `${array[${#array[@]}-1]}` |
| `wait -n` | 4.3 | `wait "$pid"` |
| `${var@Q}` and other `@` transformations | 4.4 | `printf '%q'` |
| `$EPOCHSECONDS` / `$EPOCHREALTIME` | 5.0 | `date +%s` |
| `shopt -s globstar` / `**` | 4.0 | `find` |
| `"${array[@]}"` of a possibly empty array under `set -u` | unbound in 3.2 | `${array[@]+"${array[@]}"}` |

The last one cannot be told from a non-empty array by reading; lib.sh's helpers use the guarded
form, and review keeps it so. Exits 1 naming file and line of each construct found.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = [
    (r"(?:\bsource|(?:^|[;&|]\s*)\.)\s+<\(", "`source <(...)` reads nothing in bash 3.2: use export_assignments \"$(...)\""),
    (r"\b(?:declare|local|typeset)\s+-[a-zA-Z]*A", "associative arrays need bash 4"),
    (r"\b(?:mapfile|readarray)\b", "mapfile/readarray need bash 4: use a while-read loop"),
    (r"\$\{[A-Za-z_][A-Za-z0-9_]*(?:,,?|\^\^?)\}", "case modification needs bash 4: use tr"),
    (r"\|&", "`|&` needs bash 4: use `2>&1 |`"),
    (r"&>>", "`&>>` needs bash 4: use `>>file 2>&1`"),
    (r"\bcoproc\b", "coproc needs bash 4"),
    (r";;&|;&\s*$", "case fall-through needs bash 4"),
    (r"\b(?:declare|local|typeset)\s+-[a-zA-Z]*n\b", "namerefs need bash 4.3"),
    (r"\$\{[A-Za-z_][A-Za-z0-9_]*\[-\d+\]\}", "negative array indexes need bash 4.3"),
    (r"\bwait\s+-n\b", "`wait -n` needs bash 4.3"),
    (r"\$\{[A-Za-z_][A-Za-z0-9_]*@[QEPAaKk]\}", "`${var@X}` transformations need bash 4.4: use printf %q"),
    (r"\$\{?EPOCH(?:SECONDS|REALTIME)\b", "$EPOCHSECONDS needs bash 5: use date +%s"),
    (r"\bshopt\s+-s\s+globstar\b", "globstar needs bash 4: use find"),
]


def scripts():
    yield from sorted((ROOT / "scripts").glob("*.sh"))
    yield from sorted((ROOT / ".ci").glob("*"))


def main():
    problems, checked = [], 0
    for path in scripts():
        if not path.is_file():
            continue
        checked += 1
        syntax = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        if syntax.returncode != 0:
            problems.append(f"{path.relative_to(ROOT)}: bash -n: {syntax.stderr.strip()}")
        for number, line in enumerate(path.read_text().splitlines(), 1):
            code = line.split(" #", 1)[0] if not line.lstrip().startswith("#") else ""
            for pattern, why in FORBIDDEN:
                if re.search(pattern, code):
                    problems.append(f"{path.relative_to(ROOT)}:{number}: {why}")
    print(f"shell: {checked} scripts checked for bash 3.2 (macOS's /bin/bash)")
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
