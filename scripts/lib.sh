# Shared helpers of the dev and test scripts. Sourced, not run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
PIDS=()

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Creates the project's Python venv (moto, cargo-lambda, zig, SAM CLI, cfn-lint) once per
# version of requirements-dev.txt, and puts it first on PATH.
ensure_venv() {
  command -v python3 >/dev/null || die "python3 is required"
  local stamp="$VENV/.installed-$(sha256sum "$ROOT/requirements-dev.txt" | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    log "installing the Python tools into .venv (first run only)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --upgrade pip
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$ROOT/requirements-dev.txt"
    touch "$stamp"
  fi
  export PATH="$VENV/bin:$PATH"
}

# A free TCP port on loopback.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# True when something listens on 127.0.0.1:$1.
port_open() {
  python3 -c 'import socket,sys; s=socket.socket(); s.settimeout(0.3); sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))))' "$1"
}

# Waits until 127.0.0.1:$1 accepts connections ($2: what, $3: seconds, default 60).
wait_port() {
  local i
  for ((i = 0; i < ${3:-60} * 5; i++)); do
    port_open "$1" && return 0
    sleep 0.2
  done
  die "$2 did not start on port $1"
}

# Starts a command in its own process group, logging to $1; remembered for cleanup.
start_bg() {
  local logfile=$1; shift
  setsid "$@" >"$logfile" 2>&1 &
  PIDS+=($!)
}

# Stops everything start_bg started (whole process groups).
stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
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
# functions' WECHAT_PAY_* settings. Needs ./target/debug/{admin,fake-wechatpay}.
start_fake_wechatpay() {
  local dir=$1 port=$2 deliver_to=$3 logfile=$4
  set -a
  eval "$("$ROOT/target/debug/admin" dev-wechatpay "$dir")"
  set +a
  export WECHAT_PAY_API_BASE="http://127.0.0.1:$port"
  # WeChat Pay only notifies https URLs; the fake delivers https://HOST/PATH to $deliver_to/PATH.
  export WECHAT_PAY_NOTIFY_URL="https://wx-serverless.local/pay/notify"
  FAKE_WECHATPAY_DIR="$dir" FAKE_WECHATPAY_ADDR="127.0.0.1:$port" FAKE_WECHATPAY_DELIVER_TO="$deliver_to" \
    start_bg "$logfile" "$ROOT/target/debug/fake-wechatpay"
  wait_port "$port" "the fake WeChat Pay server"
}
