# Shared helpers of the dev and test scripts. Sourced, not run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
PIDS=()

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The one Python floor of every command: make test needs 3.11 (tomllib, schemathesis), make dev
# 3.10 (moto, the SAM CLI, cfn-lint); one floor is simpler to state and to check.
PYTHON_FLOOR=3.11
# Node.js: node --test with the features the SDK's tests use, fetch and FormData.
NODE_FLOOR=18.13

# The interpreter that builds .venv: the first of python3.13 ... python3 that meets the floor
# (Ubuntu 22.04's python3 is 3.10; `apt install python3.11` puts python3.11 beside it).
find_python() {
  local candidate
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

# Exports each NAME=value line of $1 (what `admin new-signing-key` prints). bash 3.2, macOS's
# /bin/bash, reads nothing from `source <(...)`.
export_assignments() {
  local line
  while IFS= read -r line; do
    case $line in
      [A-Za-z_]*=*) export "${line?}" ;;
    esac
  done <<EOT
$1
EOT
}

# What is wrong with Node.js and npm, printed (status 0), or nothing (status 1) when they are fine.
node_problem() {
  local hint="macOS: brew install node; Ubuntu, Debian, WSL2 (whose apt may give Node 12): curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -E bash - && sudo apt install nodejs, or nvm install 20"
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "Node.js $NODE_FLOOR or newer with npm is missing (the SDK's and the sample shop's tests): $hint"
    return 0
  fi
  if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 18 || (a === 18 && b >= 13) ? 0 : 1)'; then
    echo "Node.js is $(node -v); $NODE_FLOOR or newer is needed: $hint"
    return 0
  fi
  return 1
}

# The project's Python venv (.venv), first on PATH, with the tool sets named (each a requirements
# file installed once per version of that file): `dev` (requirements-dev.txt: the AWS emulator and
# cargo-lambda; make dev), `test` (requirements-test.txt: cfn-lint, the SAM CLI, the OpenAPI
# validator, schemathesis; make test), `build` (requirements-build.txt: the SAM CLI and zig; make
# build). Nothing is installed outside the project folder.
ensure_venv() {
  local python version
  python=$(find_python) || die "Python $PYTHON_FLOOR or newer is required (see: make preflight)"
  version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  # A venv made by another (or an older) Python is made again: its tools would not run.
  if [ -x "$VENV/bin/python3" ] && [ ! -f "$VENV/.python-$version" ]; then
    log "the .venv was made by another Python; making it again with $python ($version)"
    rm -rf "$VENV"
  fi
  if [ ! -x "$VENV/bin/python3" ]; then
    log "creating the project's Python venv in .venv with $python ($version; first run only)"
    "$python" -m venv "$VENV" || die "$python -m venv failed: on Debian, Ubuntu or WSL2 install python$version-venv"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
    touch "$VENV/.python-$version"
  fi
  local set file stamp
  for set in dev "$@"; do
    file="$ROOT/requirements-$set.txt"
    stamp="$VENV/.installed-$set-$(file_digest "$file")"
    if [ ! -f "$stamp" ]; then
      log "installing the $set tools into .venv: $(grep -v '^#' "$file" | cut -d= -f1 | tr '\n' ' ')(first run only, about 1-3 minutes)"
      "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$file"
      rm -f "$VENV/.installed-$set-"*
      touch "$stamp"
    fi
  done
  export PATH="$VENV/bin:$PATH"
}

# Installs the npm packages of each directory in $@ (client/, client/example/) exactly as their
# package-lock.json pins them (`npm ci`), when the lockfile changed since the last install.
ensure_node_packages() {
  local problem dir stamp
  if problem=$(node_problem); then die "$problem"; fi
  for dir in "$@"; do
    stamp="$ROOT/$dir/node_modules/.installed-$(file_digest "$ROOT/$dir/package-lock.json")"
    if [ ! -f "$stamp" ]; then
      log "installing the npm packages of $dir (npm ci; first run only, under a minute)"
      (cd "$ROOT/$dir" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed in $dir"
      touch "$stamp"
    fi
  done
}

# Debian's Chromium, for the console's browser tests: installed with apt the first time (as root,
# or through sudo). CHROMIUM names another executable (macOS: a Chrome or Chromium app's binary).
ensure_chromium() {
  CHROMIUM="${CHROMIUM:-$(command -v chromium || true)}"
  if [ -z "$CHROMIUM" ] || [ ! -x "$CHROMIUM" ]; then
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    command -v apt-get >/dev/null 2>&1 \
      || die "the console's browser tests need Chromium: install it, or set CHROMIUM to a Chrome or Chromium executable"
    log "installing Debian's chromium for the console's browser tests (apt; first run only, a minute or two)"
    $sudo apt-get update -qq >/dev/null || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null \
      || die "apt-get install chromium failed"
    CHROMIUM="$(command -v chromium)"
  fi
  export CHROMIUM
}

# The first 16 hex digits of a file's SHA-256 (python3: the same on Linux and macOS).
file_digest() {
  python3 -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest()[:16])' "$1"
}

# Checks what a first run needs before it spends minutes building, and says how to get what is
# missing. $@: ports that must be free, as VARIABLE=PORT (make dev's).
preflight() {
  local problems=() python node
  local python_hint="macOS: brew install python@3.12; Ubuntu 22.04, WSL2: sudo apt install python3.11 python3.11-venv; Debian 12, Ubuntu 24.04: sudo apt install python3 python3-venv"
  if ! python=$(find_python); then
    if command -v python3 >/dev/null; then
      problems+=("python3 is $(python3 -V 2>&1 | cut -d' ' -f2); $PYTHON_FLOOR or newer is needed: $python_hint")
    else
      problems+=("Python $PYTHON_FLOOR or newer is missing: $python_hint")
    fi
  else
    "$python" -c 'import venv, ensurepip' 2>/dev/null ||
      problems+=("$python cannot create venvs: Debian, Ubuntu, WSL2: sudo apt install python3-venv (or python3.11-venv)")
  fi
  if node=$(node_problem); then
    problems+=("$node")
  fi
  if ! command -v cargo >/dev/null; then
    problems+=("Rust is missing: install rustup from https://rustup.rs (it then fetches the toolchain rust-toolchain.toml names)")
  elif ! command -v rustup >/dev/null; then
    local want have
    want=$(sed -n 's/^channel = "\(.*\)"/\1/p' "$ROOT/rust-toolchain.toml")
    have=$(rustc --version | cut -d' ' -f2)
    [ "$(printf '%s\n%s\n' "$want" "$have" | sort -t. -k1,1n -k2,2n -k3,3n | head -n 1)" = "$want" ] ||
      problems+=("rustc is $have; rust-toolchain.toml wants $want: install rustup (https://rustup.rs) or Rust $want")
  fi
  command -v cc >/dev/null || command -v gcc >/dev/null || command -v clang >/dev/null ||
    problems+=("a C compiler is missing (the crypto crate builds C): macOS: xcode-select --install; Debian, Ubuntu, WSL2: sudo apt install build-essential")
  local pair name port
  for pair in "$@"; do
    name=${pair%%=*} port=${pair#*=}
    if port_open "$port"; then
      problems+=("port $port is taken by another program: stop it, or choose another port with $name=<port>")
    fi
  done
  if [ ${#problems[@]} -gt 0 ]; then
    printf 'error: not ready to run; fix these first:\n' >&2
    printf '  - %s\n' "${problems[@]}" >&2
    exit 1
  fi
  if command -v rustup >/dev/null && ! rustup toolchain list 2>/dev/null | grep -q "$(sed -n 's/^channel = "\(.*\)"/\1/p' "$ROOT/rust-toolchain.toml")"; then
    log "rustup will fetch the Rust toolchain rust-toolchain.toml names on the first build (a few minutes, once)"
  fi
}

# This machine's address on its network (the interface of the default route): what a phone on
# the same Wi-Fi reaches. No packet is sent.
lan_address() {
  python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.connect(("10.255.255.255", 1))
    address = s.getsockname()[0]
finally:
    s.close()
if address.startswith("127."):
    raise SystemExit(1)
print(address)'
}

# A free TCP port on loopback.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# True when something listens on 127.0.0.1:$1.
port_open() {
  python3 -c 'import socket,sys; s=socket.socket(); s.settimeout(0.3); sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))))' "$1"
}

# Waits until 127.0.0.1:$1 accepts connections ($2: what, $3: seconds, default 60, $4: its log).
wait_port() {
  local i
  for ((i = 0; i < ${3:-60} * 5; i++)); do
    port_open "$1" && return 0
    sleep 0.2
  done
  die "$2 did not start on port $1${4:+: see $4}"
}

# Starts a command in its own process group (a new session: python3's os.setsid, since macOS has
# no setsid command), logging to $1; remembered for cleanup.
start_bg() {
  local logfile=$1; shift
  python3 -c 'import os, sys; os.setsid(); os.execvp(sys.argv[1], sys.argv[1:])' "$@" >"$logfile" 2>&1 &
  PIDS+=($!)
}

# Stops everything start_bg started (whole process groups).
stop_all() {
  local pid
  # ${PIDS[@]+...}: an empty array is "unbound" under set -u in bash 3.2 (macOS's /bin/bash).
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}

# The emulator's fake credentials and region, unless the caller set their own.
use_emulator_credentials() {
  export AWS_REGION="${AWS_REGION:-us-east-1}"
  export AWS_DEFAULT_REGION="$AWS_REGION"
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
  export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
  export AWS_EC2_METADATA_DISABLED=true
}

# WeChat Pay against the fake: the local identity in $1 (made on first use), the fake on
# 127.0.0.1:$2 delivering notifications to $3 (the functions), logging to $4. Exports the
# functions' WECHAT_PAY_* settings. Runs admin and fake-wechatpay from $5 (default target/debug;
# make bench, which builds release only, passes target/release).
start_fake_wechatpay() {
  local dir=$1 port=$2 deliver_to=$3 logfile=$4 bin=${5:-$ROOT/target/debug}
  set -a
  eval "$("$bin/admin" dev-wechatpay "$dir")"
  set +a
  export WECHAT_PAY_API_BASE="http://127.0.0.1:$port"
  # WeChat Pay only notifies https URLs; the fake delivers https://HOST/PATH to $deliver_to/PATH.
  export WECHAT_PAY_NOTIFY_URL="https://wx-serverless.local/pay/notify"
  local lan=0
  [ "${BIND_HOST:-127.0.0.1}" = 0.0.0.0 ] && lan=1
  FAKE_WECHATPAY_LAN=$lan FAKE_WECHATPAY_DIR="$dir" FAKE_WECHATPAY_ADDR="${BIND_HOST:-127.0.0.1}:$port" FAKE_WECHATPAY_DELIVER_TO="$deliver_to" \
    start_bg "$logfile" "$bin/fake-wechatpay"
  wait_port "$port" "the fake WeChat Pay server" 60 "$logfile"
}
