# calfeed: `make` builds the tool and writes public/ from feeds/; `make test` runs every test.
# Test tools (Python parsers, ical.js) are installed into git-ignored folders on first use.

CARGO ?= cargo
BIN_RELEASE := target/release/calfeed
BIN_DEBUG := target/debug/calfeed

.PHONY: all build public test unit interop browser bench fuzz lint fmt clean

all: public

build:
	$(CARGO) build --release --locked

public: build
	$(BIN_RELEASE) build --in feeds --out public

test: unit interop browser

unit:
	$(CARGO) test --locked

interop:
	$(CARGO) build --locked
	bash tests/interop/run.sh $(BIN_DEBUG)
	bash tests/interop/generated.sh $(BIN_DEBUG) 1000

# Headless Chromium (Debian's, installed with apt if missing) and the Nu HTML Checker
# on the generated pages; screenshots go to tests/artifacts/.
browser:
	$(CARGO) build --locked
	bash tests/browser/run.sh $(BIN_DEBUG)

# Speed, memory and the serve load check; numbers only, nothing asserted (bench/README.md).
bench:
	bash bench/run.sh
	bash bench/serve-load.sh 10
	python3 bench/serve_first.py target/release/calfeed target/release/calfeed-bench 10000 3
	python3 bench/slow_clients.py target/release/calfeed 20 200
	python3 bench/serve_edit.py 10000

# Each fuzz target for a bounded time (not in CI).
fuzz:
	bash fuzz/run.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --no-deps --locked

fmt:
	$(CARGO) fmt --all

clean:
	$(CARGO) clean
	rm -rf public .tools tests/interop/node_modules tests/browser/node_modules bench/peers/node/node_modules tests/artifacts
