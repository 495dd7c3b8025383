#!/usr/bin/env bash
# `make build`: builds every function of template.yaml with `sam build` (cargo lambda, arm64,
# provided.al2023) into .aws-sam/build/, then prints each function's deployment zip size.
# Extra arguments go to `sam build` (e.g. `scripts/build.sh LoginFunction` builds one function).
# Everything comes from the project's .venv (cargo-lambda, zig and the SAM CLI are PyPI packages);
# only the Rust toolchain and its aarch64-unknown-linux-gnu standard library come from rustup.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

preflight
ensure_venv build
export SAM_CLI_TELEMETRY=0
# As .cargo/config.toml says, for a build that would not read it (README, Performance).
export AWS_LC_SYS_NO_JITTER_ENTROPY=1

command -v cargo >/dev/null || die "cargo is required (https://rustup.rs)"

# The Rust standard library for the Lambda arm64 target.
TARGET=aarch64-unknown-linux-gnu
if command -v rustup >/dev/null; then
  if ! rustup target list --installed | grep -qx "$TARGET"; then
    log "installing the Rust target $TARGET (rustup)"
    rustup target add "$TARGET"
  fi
fi

# cargo lambda cross-compiles with zig. PyPI's `ziglang` installs zig as a Python module, which
# cargo lambda finds as `python3 -m ziglang` because ensure_venv puts .venv/bin first on PATH.
# Should that lookup ever fail, a `zig` wrapper in .venv/bin (which cargo lambda tries first) does it.
zig_found() {
  cargo lambda system --output-format json 2>/dev/null |
    python3 -c 'import json, sys; sys.exit(0 if json.load(sys.stdin).get("zig", {}).get("command") else 1)'
}
if ! zig_found; then
  log "adding a zig wrapper for the ziglang package to .venv/bin"
  python3 -m ziglang version >/dev/null 2>&1 || die "the ziglang package is missing from .venv (run: make venv)"
  printf '#!/bin/sh\nexec "%s" -m ziglang "$@"\n' "$VENV/bin/python3" >"$VENV/bin/zig"
  chmod +x "$VENV/bin/zig"
  zig_found || die "cargo lambda does not find zig even with .venv/bin/zig; see 'cargo lambda system'"
fi

# The operators' console first: serve-console embeds console/dist.
log "the operators' console (console/dist: npm from its lockfile, esbuild)"
ensure_node_packages console
(cd console && npm run build --silent) || die "the console did not build"

log "sam build (cargo lambda, release, arm64): the first build compiles the whole workspace"
sam build "$@"

log "deployment packages"
python3 - "$ROOT/.aws-sam/build" <<'PY'
"""Zips each function's bootstrap the way `sam package` does (deflate, default level) and prints
the zip size, which is what Lambda stores and what counts against its 50 MB direct-upload limit."""
import os
import sys
import tempfile
import zipfile

build_dir = sys.argv[1]
rows = []
for name in sorted(os.listdir(build_dir)):
    bootstrap = os.path.join(build_dir, name, "bootstrap")
    if not os.path.isfile(bootstrap):
        continue
    with tempfile.TemporaryDirectory() as tmp:
        archive = os.path.join(tmp, "function.zip")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            info = zipfile.ZipInfo("bootstrap")
            info.external_attr = 0o100755 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(bootstrap, "rb") as f:
                zf.writestr(info, f.read())
        rows.append((name, os.path.getsize(archive), os.path.getsize(bootstrap)))

if not rows:
    sys.exit(f"no .aws-sam/build/*/bootstrap found under {build_dir}")


def mib(n):
    return f"{n / 1048576:.2f} MiB"


width = max(len("function"), *(len(r[0]) for r in rows))
print(f"{'function':<{width}}  {'zip':>10}  {'bootstrap':>10}")
for name, zipped, raw in rows:
    print(f"{name:<{width}}  {mib(zipped):>10}  {mib(raw):>10}")
print(f"{'total':<{width}}  {mib(sum(r[1] for r in rows)):>10}  {mib(sum(r[2] for r in rows)):>10}")
PY
