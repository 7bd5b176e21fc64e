# Sluice — the two commands a new machine needs:
#   make run    install missing packages, build, run `sluice serve` on ./data
#   make test   install missing packages, build, run every test
# Plain `make` builds build/sluice.

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
ARGS       ?=

.PHONY: all deps test-deps run test unit unit-asan conformance bench fuzz clean

all: $(BUILD)/Makefile
	@$(MAKE) --no-print-directory -C $(BUILD) -j$(JOBS) sluice

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

$(ASAN_BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON >/dev/null

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh test

run: deps all
	$(BUILD)/sluice serve --data ./data $(ARGS)

# Unit tests (ctest) in the normal and the ASan+UBSan builds, then the
# conformance suite (real AWS SDK for JavaScript v3) against the ASan server.
test: test-deps all unit unit-asan conformance

unit: $(BUILD)/Makefile
	@$(MAKE) --no-print-directory -C $(BUILD) -j$(JOBS)
	cd $(BUILD) && ctest --output-on-failure

unit-asan: $(ASAN_BUILD)/Makefile
	@$(MAKE) --no-print-directory -C $(ASAN_BUILD) -j$(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure

conformance: $(ASAN_BUILD)/Makefile
	@$(MAKE) --no-print-directory -C $(ASAN_BUILD) -j$(JOBS) sluice
	cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error
	SLUICE_BIN=$(CURDIR)/$(ASAN_BUILD)/sluice node --test --test-concurrency=1 tests/conformance/

bench: deps $(BUILD)/Makefile
	@$(MAKE) --no-print-directory -C $(BUILD) -j$(JOBS) sluice bench_evstore bench_put bench_validate bench_policy bench_authz bench_s3 bench_delivery bench_dqueue bench_engine bench_format
	bench/run.sh $(BUILD)

fuzz:
	@scripts/fuzz.sh $(ARGS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) build-fuzz
