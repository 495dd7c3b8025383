#!/usr/bin/env bash
# `make dev`: the whole backend on this machine. The AWS emulator (moto) on :4566 with the table
# and bucket, the fake WeChat server on :9100, the fake WeChat Pay on :9200 (with the local merchant
# identity in .dev/wechatpay/), the functions on :9000 through `cargo lambda watch`.
# Every setting can be overridden from the environment (ports: AWS_PORT, WECHAT_PORT, WECHATPAY_PORT,
# API_PORT). LAN=1 serves everything a phone needs (the functions, the uploads and downloads of the
# emulated bucket, the fake WeChat Pay) on this machine's LAN address, and prints it with a QR code.
# Ctrl-C stops everything it started. Works on Linux, macOS and Windows through WSL2.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

AWS_PORT="${AWS_PORT:-4566}"
WECHAT_PORT="${WECHAT_PORT:-9100}"
WECHATPAY_PORT="${WECHATPAY_PORT:-9200}"
API_PORT="${API_PORT:-9000}"
API_HOST="${API_HOST:-127.0.0.1}"
# The address the services are reached at, and the one they listen on: loopback, or with LAN=1
# this machine's LAN address (a phone on the same network reaches it) and every interface.
HOST=127.0.0.1
BIND_HOST=127.0.0.1
if [ -n "${LAN:-}" ]; then
  HOST=$(lan_address) || die "LAN=1: no LAN address found (is this machine on a Wi-Fi or wired network?)"
  BIND_HOST=0.0.0.0
  API_HOST=0.0.0.0
fi
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://$HOST:$AWS_PORT}"
export TABLE_NAME="${TABLE_NAME:-wx-serverless}"
export BUCKET_NAME="${BUCKET_NAME:-wx-serverless-uploads}"
export WECHAT_APPID="${WECHAT_APPID:-wxdevappid0000000}"
export WECHAT_SECRET="${WECHAT_SECRET:-dev-wechat-app-secret}"
export WECHAT_API_BASE="${WECHAT_API_BASE:-http://127.0.0.1:$WECHAT_PORT}"
export LOG_LEVEL="${LOG_LEVEL:-info}"
# WeChat's message push (image verdicts), in safe mode: the fake pushes to /wechat/push.
export WECHAT_PUSH_TOKEN="${WECHAT_PUSH_TOKEN:-devPushToken2026}"
export WECHAT_PUSH_AES_KEY="${WECHAT_PUSH_AES_KEY:-devEncodingAesKey00000000000000000000000000}"
# Example subscribe message templates, so that subscribe messages go out locally (to the fake
# WeChat, which records them): accept them with POST /users/me/subscriptions
# {"accepted": ["DEV_TPL_ORDER_PAID"]}. SUBSCRIBE_TEMPLATES='' turns them off.
DEV_SUBSCRIBE_TEMPLATES='{"orderPaid": {"templateId": "DEV_TPL_ORDER_PAID", "page": "pages/order/detail?id={orderId}", "data": {"character_string1": "{orderId}", "amount2": "{total}", "thing3": "{items}", "time4": "{paidAt}"}}, "orderShipped": {"templateId": "DEV_TPL_ORDER_SHIPPED", "page": "pages/order/detail?id={orderId}", "data": {"character_string1": "{orderId}", "thing2": "{carrier}", "character_string3": "{trackingNo}"}}, "orderExpiring": {"templateId": "DEV_TPL_ORDER_EXPIRING", "page": "pages/order/detail?id={orderId}", "data": {"character_string1": "{orderId}", "amount2": "{total}", "time3": "{payBy}"}}}'
export SUBSCRIBE_TEMPLATES="${SUBSCRIBE_TEMPLATES-$DEV_SUBSCRIBE_TEMPLATES}"
# Authenticates pagination cursors; a new key per start only invalidates old cursors.
export CURSOR_KEY="${CURSOR_KEY:-$(head -c 48 /dev/urandom | base64 | tr -d '\n')}"
# The operators' console calls /admin/ from the API's own origin (CSRF: the only one allowed).
export CONSOLE_ORIGINS="${CONSOLE_ORIGINS:-http://127.0.0.1:$API_PORT,http://localhost:$API_PORT}"
use_emulator_credentials

# Every port this starts a server on must be free: a taken one is an error, never a silent
# connection to another program.
PORTS=("API_PORT=$API_PORT")
[ "$AWS_ENDPOINT_URL" = "http://$HOST:$AWS_PORT" ] && PORTS+=("AWS_PORT=$AWS_PORT")
[ "$WECHAT_API_BASE" = "http://127.0.0.1:$WECHAT_PORT" ] && PORTS+=("WECHAT_PORT=$WECHAT_PORT")
[ -z "${WECHAT_PAY_MCHID:-}" ] && PORTS+=("WECHATPAY_PORT=$WECHATPAY_PORT")
preflight "${PORTS[@]}"

ensure_venv
mkdir -p .dev
trap 'echo; log "stopping"; stop_all' EXIT
trap 'exit 130' INT TERM

if [ "$AWS_ENDPOINT_URL" = "http://$HOST:$AWS_PORT" ]; then
  log "starting the AWS emulator (moto) on $BIND_HOST:$AWS_PORT"
  start_bg .dev/moto.log python3 scripts/emulator.py "$BIND_HOST" "$AWS_PORT"
  wait_port "$AWS_PORT" "the AWS emulator" 60 .dev/moto.log
fi

# The operators' console first: serve-console embeds console/dist when it is built.
log "building the operators' console (console/dist)"
ensure_node_packages console
(cd console && npm run build --silent) || die "the console did not build"
if [ -x target/debug/admin ]; then
  log "building the dev tools"
else
  log "building the dev tools (first run: about 5 minutes on 2 cores, the AWS SDK included; then seconds)"
fi
cargo build -p tools --bins
# The access-token key pair of this checkout, made once and kept in .dev/ (tokens survive restarts).
if [ -z "${JWT_SIGNING_KEY:-}" ]; then
  [ -f .dev/signing-key.env ] || ./target/debug/admin new-signing-key dev > .dev/signing-key.env
  set -a; source .dev/signing-key.env; set +a
fi
# Catalog images uploaded from the console: served by the emulator, path-style.
export CATALOG_IMAGE_BASE_URL="${CATALOG_IMAGE_BASE_URL:-$AWS_ENDPOINT_URL/$BUCKET_NAME}"
./target/debug/admin init
log "seeding the catalog"
./target/debug/admin seed-products data/products.json

if [ "$WECHAT_API_BASE" = "http://127.0.0.1:$WECHAT_PORT" ]; then
  log "starting the fake WeChat server on 127.0.0.1:$WECHAT_PORT"
  FAKE_WECHAT_ADDR="127.0.0.1:$WECHAT_PORT" FAKE_WECHAT_PUSH_URL="http://127.0.0.1:$API_PORT/wechat/push" \
    FAKE_WECHAT_DEVELOPER="${FAKE_WECHAT_DEVELOPER:-developer}" \
    start_bg .dev/fake-wechat.log ./target/debug/fake-wechat
  wait_port "$WECHAT_PORT" "the fake WeChat server" 60 .dev/fake-wechat.log
  head -n 1 .dev/fake-wechat.log
fi

if [ -z "${WECHAT_PAY_MCHID:-}" ]; then
  log "starting the fake WeChat Pay on $BIND_HOST:$WECHATPAY_PORT (local keys in .dev/wechatpay/)"
  start_fake_wechatpay .dev/wechatpay "$WECHATPAY_PORT" "http://127.0.0.1:$API_PORT" .dev/fake-wechatpay.log
  head -n 1 .dev/fake-wechatpay.log
fi

# What the admin command needs against this stack (`set -a; source .dev/admin.env`).
{
  for name in AWS_ENDPOINT_URL AWS_REGION AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY TABLE_NAME BUCKET_NAME \
    WECHAT_APPID WECHAT_SECRET WECHAT_API_BASE JWT_SIGNING_KEY JWT_PUBLIC_KEYS; do
    printf "%s='%s'\n" "$name" "${!name:-}"
  done
} > .dev/admin.env
chmod 600 .dev/admin.env

log "starting the functions (cargo lambda watch) on $API_HOST:$API_PORT; each compiles on its first request"
start_bg .dev/functions.log cargo lambda watch --invoke-address "$API_HOST" --invoke-port "$API_PORT"
wait_port "$API_PORT" "cargo lambda watch" 300 .dev/functions.log

cat <<TXT

  Functions    http://$API_HOST:$API_PORT   (REST routes, and /lambda-url/<function>/)
  Console      http://127.0.0.1:$API_PORT/console   (the operators' back office; the first owner: see below)
  AWS emulator $AWS_ENDPOINT_URL   (table $TABLE_NAME, bucket $BUCKET_NAME)
  Fake WeChat  $WECHAT_API_BASE   (codes: NAME or NAME.ANYTHING; bad*, blocked*, limited*, busy*, flaky*, slow*; phone codes: phone.NAME)
  WeChat Pay   ${WECHAT_PAY_API_BASE:-https://api.mch.weixin.qq.com}   (fake unless WECHAT_PAY_MCHID is set; keys and ids in .dev/wechatpay/)
  Logs         .dev/*.log

  Try:
    curl -s -X POST http://127.0.0.1:$API_PORT/auth/login -d '{"code":"alice.1"}'
    curl -s http://127.0.0.1:$API_PORT/users/me -H "Authorization: Bearer <accessToken>"
  Pay an order (after POST /orders/<id>/pay), as the payer's tap would:
    curl -s -X POST http://$HOST:$WECHATPAY_PORT/dev/pay/<orderId>
  The operators' console: create the first owner, then sign in at
  http://127.0.0.1:$API_PORT/console with the password and a code of the printed otpauth:// URI:
    ./target/debug/admin create-operator owner@example.com owner

  Functions compile on their first request. Ctrl-C stops everything.
TXT
if [ -n "${LAN:-}" ]; then
  cat <<TXT
  LAN=1: a phone on this network reaches the stack at
    baseUrl   http://$HOST:$API_PORT       (client/example/config.js: baseUrl)
    devPayUrl http://$HOST:$WECHATPAY_PORT (client/example/config.js: devPayUrl)
  WARNING: every service above now answers anyone on this network, with test credentials. Use a
  network you trust, and stop it (Ctrl-C) when you are done.

TXT
  python3 scripts/qr.py "http://$HOST:$API_PORT" || true
fi
tail -n +1 -f .dev/functions.log &
PIDS+=($!)
wait "${PIDS[@]}"
