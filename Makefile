# The project's commands. `make dev` runs the backend locally; `make test` runs every check.
# `make` alone lists them (it builds nothing).
.PHONY: help dev test screenshots build bench venv preflight fmt lint clean new-function
.DEFAULT_GOAL := help

## List the commands.
help:
	@awk '/^## /{doc = doc (doc ? " " : "") substr($$0, 4); next} /^[a-z][a-z-]*:/{if (doc) printf "  make %-14s %s\n", substr($$1, 1, length($$1) - 1), doc; doc = ""; next} {doc = ""}' $(MAKEFILE_LIST)

## Run the functions on 127.0.0.1:9000 with the AWS emulator and the fake WeChat server.
dev:
	./scripts/dev.sh

## Install what is needed, start a private emulator and fake WeChat, run every check.
test:
	./scripts/test.sh

## sam build (cargo lambda, arm64, release) and print each function's zip size.
build:
	./scripts/build.sh

## The README's console screenshots (docs/images/), taken by the browser tests of a full `make test`.
screenshots:
	CONSOLE_SCREENSHOTS="$(CURDIR)/docs/images" ./scripts/test.sh

## Cold start, request latency and peak memory of release builds, through a local Runtime API (Linux only).
bench:
	./scripts/bench.sh

## Create the project's Python venv with every tool set (dev, test, build).
venv:
	bash -c 'source scripts/lib.sh && ensure_venv test build'

## Check what a first run needs (Rust, Python 3.11+, Node.js 18.13+ with npm, a C compiler, make dev's ports) and say what is missing.
preflight:
	bash -c 'source scripts/lib.sh && preflight API_PORT=$${API_PORT:-9000} AWS_PORT=$${AWS_PORT:-4566} WECHAT_PORT=$${WECHAT_PORT:-9100} WECHATPAY_PORT=$${WECHATPAY_PORT:-9200} && echo "preflight: ready"'

## Add an HTTP function: make new-function NAME=get-thing METHOD=GET ROUTE=/things/{id} AUTH=user|public|operator [AREA=catalog]
## (the binary, the endpoint in its area, template, contract, router, SDK, sample event, tests; CONTRIBUTING.md).
new-function:
	python3 scripts/new_function.py NAME="$(NAME)" METHOD="$(METHOD)" ROUTE="$(ROUTE)" AUTH="$(AUTH)" AREA="$(AREA)"
	bash -c 'source scripts/lib.sh && ensure_node_packages client' && cd client && npm run generate --silent
	cargo fmt --all

## Format the Rust code.
fmt:
	cargo fmt --all

## Check formatting and clippy (make test does both, and more).
lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

## Remove build output and local state (target/, .dev/, .aws-sam/).
clean:
	cargo clean
	rm -rf .dev .aws-sam
