#!/usr/bin/env bash
# `make bench`: every function's release build, run as Lambda runs it (through a local Runtime API)
# against the emulator, the fake WeChat and the fake WeChat Pay: cold start (init includes the
# first use of the random generator, as a TLS handshake on Lambda would), first and warm request
# latency, peak memory, and CPU instructions per warm request (callgrind), printed as one table
# (target/bench-results.md). Local figures: no network latency, no Lambda sandbox; compare them
# with each other and over time, not with AWS's numbers. Arguments go to bench_cold_start.py
# (e.g. `--runs 5 --warm 20` for a quick pass); BENCH_CALLGRIND=0 skips the instruction counts.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
# Peak memory is read from /proc and instructions counted with valgrind: Linux only.
[ "$(uname -s)" = Linux ] ||
  die "make bench measures through /proc and valgrind, so it runs on Linux only (a Linux VM or WSL2 works); make dev and make test run on macOS too"

preflight
ensure_venv
use_emulator_credentials
mkdir -p target/bench-logs
trap 'stop_all' EXIT
trap 'exit 130' INT TERM

AWS_PORT=$(free_port)
WECHAT_PORT=$(free_port)
WECHATPAY_PORT=$(free_port)
export AWS_ENDPOINT_URL="http://127.0.0.1:$AWS_PORT"
export TABLE_NAME=bench BUCKET_NAME=bench-uploads
export WECHAT_APPID=wxbenchappid00000 WECHAT_SECRET=bench-wechat-secret
export WECHAT_API_BASE="http://127.0.0.1:$WECHAT_PORT"
RESULTS=target/bench-results.jsonl
CALLGRIND=()
if [ "${BENCH_CALLGRIND:-1}" != 0 ]; then
  command -v valgrind >/dev/null || die "valgrind is needed for the instruction counts (apt-get install valgrind), or set BENCH_CALLGRIND=0"
  CALLGRIND=(--callgrind)
fi

log "building release binaries (native; the deployed ones are the same code for arm64)"
FUNCTIONS=$(ls functions)
cargo build --release --quiet $(printf -- '-p %s ' $FUNCTIONS) -p tools --bins
start_bg target/bench-logs/moto.log python3 scripts/emulator.py 127.0.0.1 "$AWS_PORT"
FAKE_WECHAT_ADDR="127.0.0.1:$WECHAT_PORT" start_bg target/bench-logs/fake-wechat.log ./target/release/fake-wechat
wait_port "$AWS_PORT" "the AWS emulator" 60 target/bench-logs/moto.log
wait_port "$WECHAT_PORT" "the fake WeChat server" 60 target/bench-logs/fake-wechat.log
# WeChat Pay against the fake; the notifications it would post go nowhere (nothing listens there).
start_fake_wechatpay "$ROOT/target/bench-wechatpay" "$WECHATPAY_PORT" "http://127.0.0.1:9" target/bench-logs/fake-wechatpay.log "$ROOT/target/release"
export_assignments "$(./target/release/admin new-signing-key bench)"
export CURSOR_KEY="$(head -c 48 /dev/urandom | base64 | tr -d '\n')"
export CONSOLE_ORIGINS="http://127.0.0.1:9000"
# Thousands of requests from one address and one user: the limits would refuse most of them.
export RATE_LIMITS="login=1000000/60,login-failure=1000000/60,login-user=1000000/60,refresh=1000000/60,refresh-failure=1000000/60,refresh-session=1000000/60,order=1000000/60,upload=1000000/60,profile=1000000/60,code=1000000/60,sign-in=1000000/60"
export MAX_PENDING_ORDERS=1000 MAX_PENDING_UNITS_PER_PRODUCT=1000
export SUBSCRIBE_TEMPLATES='{"orderPaid": {"templateId": "TPL_BENCH", "data": {"character_string1": "{orderId}"}}}'
export WECHAT_PUSH_TOKEN=benchPushToken
./target/release/admin init >/dev/null
./target/release/admin seed-products data/products.json >/dev/null

# What the sample events need: a user's token, orders in each state, an uploaded key.
USER=o_bench_user
TOKEN=$(./target/release/admin dev-token "$USER")
PRODUCT=tea-longjing-250g
UNPAID=$(./target/release/admin dev-order "$USER" "$PRODUCT")
TO_CANCEL=$(./target/release/admin dev-order "$USER" "$PRODUCT")
TO_REFUND=$(./target/release/admin dev-order "$USER" "$PRODUCT" --paid)
TO_SHIP=$(./target/release/admin dev-order "$USER" "$PRODUCT" --paid)
KEY="uploads/$USER/2026/11/bench.png"
rm -f "$RESULTS"

bench() { # bench FUNCTION LABEL [--replace FROM=TO]...
  local name=$1 label=$2; shift 2
  python3 scripts/bench_cold_start.py "target/release/$name" "events/$name.json" --json "$RESULTS" \
    --label "$label" ${CALLGRIND[@]+"${CALLGRIND[@]}"} "$@" ${BENCH_ARGS[@]+"${BENCH_ARGS[@]}"}
}
BENCH_ARGS=("$@")
T="REPLACE_WITH_ACCESS_TOKEN=$TOKEN"
bench get-product "1 GetItem"
bench list-products "1 Query"
bench login "per-IP count, jscode2session, 2 writes" --replace 'alice.sample=bench.{n}'
bench refresh "per-IP count (refused: the sample's token is a placeholder)"
bench get-user-info "token check, session read beside the profile read" --replace "$T"
bench update-user-info "session + count, 1 conditional write" --replace "$T"
bench subscribe "session + count, 1 UpdateItem" --replace "$T" --replace "REPLACE_WITH_TEMPLATE_ID=TPL_BENCH"
bench get-product-code "session + count, GetItem, HeadObject (generated once: getwxacodeunlimit, PutObject)" --replace "$T"
bench bind-phone "session + count, getuserphonenumber, 1 conditional write" --replace "$T" --replace 'phone.alice.sample=phone.bench.{n}'
bench submit-order "session + count, BatchGet, transaction (a replay after the first)" --replace "$T"
bench list-orders "session beside 1 Query" --replace "$T"
bench get-order "session beside 1 GetItem" --replace "$T" --replace "REPLACE_WITH_ORDER_ID=$UNPAID"
bench cancel-order "session, GetItem, transaction (then: already cancelled)" --replace "$T" --replace "REPLACE_WITH_ORDER_ID=$TO_CANCEL"
bench pay-order "session + count, GetItem, prepay (then: reused)" --replace "$T" --replace "REPLACE_WITH_ORDER_ID=$UNPAID"
bench refund-order "session + count, GetItem, refund asked of WeChat Pay" --replace "$T" --replace "REPLACE_WITH_ORDER_ID=$TO_REFUND"
bench ship-order "operator, GetItem, write, upload_shipping_info (then: already reported)" --replace "REPLACE_WITH_ORDER_ID=$TO_SHIP"
bench pay-notify "refused at the signature (the sample's placeholders)"
bench refund-notify "refused at the signature (the sample's placeholders)"
bench upload-token "session + count, usage read, policy signed" --replace "$T"
bench get-file-url "session, URLs presigned" --replace "$T" --replace "REPLACE_WITH_OBJECT_KEY=$KEY"
bench on-upload "S3 HeadObject of a missing object" --replace "REPLACE_WITH_OBJECT_KEY=$KEY" --replace wx-serverless-uploads=bench-uploads
bench expire-orders "2 Queries (nothing overdue)"
bench refresh-wechat-token "1 consistent GetItem (the first run refreshes: stable_token, lease, save)"
bench wechat-push "refused at the signature (the sample's placeholder)"
bench logout "session check, then refused: the session ended" --replace "$T"

log "the table (zip sizes: those of the last make build, if any)"
python3 scripts/bench_table.py "$RESULTS" | tee target/bench-results.md
# The latency of a WeChat Pay notification through its whole path (verify, decrypt, read the order,
# the paying transaction): in-process, debug build, through the test harness's fake WeChat Pay.
cargo test -q -p integration-tests --test api -- --ignored --exact payments::pay_notify_latency --nocapture 2>&1 | grep '^pay-notify:'

log "reconciliation: a day of 100,000 bill rows (90,000 payments, 10,000 refunds) against the emulator"
# Prints the run's seconds, the emulator's share of them (its Queries of the day's book) and the
# peak memory; fails when the run's own work takes 30 s or more or the peak reaches 512 MiB.
./target/release/bench-reconcile 100000 | tee target/bench-reconcile.json
