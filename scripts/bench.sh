#!/usr/bin/env bash
# `make bench`: cold start, first and warm request latency and peak memory of release builds of
# get-product (one DynamoDB read), login (a rate count, WeChat, two DynamoDB writes) and get-user-info
# (a token-protected GET: the session read beside the profile read), run as Lambda runs them
# (through a local Runtime API) against the emulator and the fake WeChat. Local figures: no network
# latency, no Lambda sandbox; compare them with each other and over time, not with AWS's numbers.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_venv
use_emulator_credentials
mkdir -p target/bench-logs
trap 'stop_all' EXIT
trap 'exit 130' INT TERM

AWS_PORT=$(free_port)
WECHAT_PORT=$(free_port)
export AWS_ENDPOINT_URL="http://127.0.0.1:$AWS_PORT"
export TABLE_NAME=bench BUCKET_NAME=bench-uploads
export WECHAT_APPID=wxbenchappid00000 WECHAT_SECRET=bench-wechat-secret
export WECHAT_API_BASE="http://127.0.0.1:$WECHAT_PORT"

log "building release binaries (native; the deployed ones are the same code for arm64)"
cargo build --release --quiet -p get-product -p login -p get-user-info -p tools --bins
start_bg target/bench-logs/moto.log python3 scripts/emulator.py 127.0.0.1 "$AWS_PORT"
FAKE_WECHAT_ADDR="127.0.0.1:$WECHAT_PORT" start_bg target/bench-logs/fake-wechat.log ./target/release/fake-wechat
wait_port "$AWS_PORT" "the AWS emulator"
wait_port "$WECHAT_PORT" "the fake WeChat server"
set -a; source <(./target/release/admin new-signing-key bench); set +a
export CURSOR_KEY="$(head -c 48 /dev/urandom | base64 | tr -d '\n')"
# Hundreds of logins from one address: the per-IP limit would refuse most of them.
export RATE_LIMITS="login=1000000/60"
./target/release/admin init >/dev/null
./target/release/admin seed-products data/products.json >/dev/null

ls -l target/release/get-product target/release/login target/release/get-user-info | awk '{printf "  %-28s %6.2f MiB (native x86_64 release)\n", $9, $5 / 1048576}'
python3 scripts/bench_cold_start.py target/release/get-product events/get-product.json "${@}"
python3 scripts/bench_cold_start.py target/release/login events/login.json --replace 'alice.sample=bench.{n}' "${@}"
# A token-protected GET: the access token's check, the session read beside the profile read.
TOKEN=$(./target/release/admin dev-token o_bench_reader)
python3 scripts/bench_cold_start.py target/release/get-user-info events/get-user-info.json --replace "REPLACE_WITH_ACCESS_TOKEN=$TOKEN" "${@}"
# The latency of a WeChat Pay notification (verify, decrypt, read the order, the paying transaction):
# in-process, debug build, through the test harness's fake WeChat Pay.
cargo test -q -p integration-tests --test api -- --ignored --exact payments::pay_notify_latency --nocapture 2>&1 | grep '^pay-notify:'
