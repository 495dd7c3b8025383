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
form, and review keeps it so.

Then a Mac's first run, simulated: `preflight` with only an old python3 (3.9, as Xcode's command
line tools give) and an old Node.js (12, as Ubuntu 22.04's apt gives) on PATH must refuse, naming
both and how to upgrade. Exits 1 naming what failed.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
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


FAKE_PYTHON = """#!/bin/sh
# python3 3.9, as a Mac's Xcode command line tools give it.
case "$1" in
  -V|--version) echo "Python 3.9.6"; exit 0 ;;
  -c) case "$2" in *"version_info < (3, 11)"*) exit 1 ;; esac ;;
esac
exit 0
"""
FAKE_NODE = """#!/bin/sh
# Node.js 12, as Ubuntu 22.04's apt gives it.
case "$1" in
  -v|--version) echo "v12.22.9"; exit 0 ;;
esac
exit 1
"""


def simulated_old_toolchain():
    """preflight's answer with an old python3 and an old node first (and alone) on PATH."""
    with tempfile.TemporaryDirectory() as bin_dir:
        for name, text in (("python3", FAKE_PYTHON), ("node", FAKE_NODE), ("npm", "#!/bin/sh\necho 6.14.4\n")):
            path = Path(bin_dir, name)
            path.write_text(text)
            path.chmod(0o755)
        # Only what preflight needs besides them: bash, the coreutils it calls, cargo and a C compiler.
        for tool in ("bash", "sed", "sort", "head", "cut", "grep", "uname", "tr", "dirname", "cargo", "rustc", "rustup", "cc", "gcc"):
            found = shutil.which(tool)
            if found and not Path(bin_dir, tool).exists():
                Path(bin_dir, tool).symlink_to(found)
        env = dict(os.environ, PATH=bin_dir)
        return subprocess.run(
            [str(Path(bin_dir, "bash")), "-c", f"source '{ROOT}/scripts/lib.sh'; preflight"],
            capture_output=True,
            text=True,
            env=env,
        )


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
    old = simulated_old_toolchain()
    said = old.stderr
    wanted = ["python3 is 3.9.6; 3.11 or newer is needed", "brew install python", "Node.js is v12.22.9; 18.13 or newer", "nodesource"]
    if old.returncode == 0 or not all(w in said for w in wanted):
        problems.append(f"preflight with python3 3.9 and Node.js 12 did not refuse with the upgrade hints: status {old.returncode}: {said.strip()}")
    print(f"shell: {checked} scripts checked for bash 3.2 (macOS's /bin/bash); preflight refuses python3 3.9 and Node.js 12 with their hints")
    for problem in problems:
        print(f"  {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
