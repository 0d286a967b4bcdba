# breakerlab — see README.md ("make targets") for what each target does.
GO       ?= go
# gofmt from the Go installation that runs the build, which need not be on PATH.
GOFMT    ?= $(shell $(GO) env GOROOT)/bin/gofmt
PKGS     := ./...
OUT      ?= out
BASELINE ?= bench/baseline/linux-amd64-2core.txt
# make gate-ab: the revision to compare the working tree with, and how many
# alternating rounds to measure.
BASE     ?= HEAD
ROUNDS   ?= 8

# The cases the gate compares: the reference breaker, serial and par=1.
GATE_CASES := impl=reference/par=(serial|1)$$

# The built-in NFR-6 suite (sim) plus one short live scenario.
DEMO_SCENARIOS := nfr6-iam-outage nfr6-eris-outage nfr6-policy-outage \
	nfr6-llm-gateway-outage nfr6-data-governance-outage nfr6-ubi-outage \
	live-iam-outage

.PHONY: all test bench lint check-deps demo gate gate-ab build race

all: lint check-deps test

## build: the CLI, as bin/breakerlab.
build:
	$(GO) build -o bin/breakerlab ./cmd/breakerlab

## test: vet, then every test with the race detector (main module and bench/peers).
test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 $(PKGS)
	cd bench/peers && $(GO) vet ./... && $(GO) test -race -count=1 ./...

## lint: formatting and vet.
lint:
	@fmt_out="$$($(GOFMT) -l .)"; \
	if [ -n "$$fmt_out" ]; then echo "gofmt would change:"; echo "$$fmt_out"; exit 1; fi
	$(GO) vet $(PKGS)
	cd bench/peers && $(GO) vet ./...

## check-deps: breaker/ must import the standard library only.
check-deps:
	@bad="$$($(GO) list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' ./breaker | grep -v '^github.com/breakerlab/breakerlab/breaker$$' || true)"; \
	if [ -n "$$bad" ]; then echo "breaker/ imports non-standard packages:"; echo "$$bad"; exit 1; fi; \
	echo "check-deps: breaker/ imports the standard library only"

## demo: the built-in NFR-6 suite in sim mode plus one live scenario, with reports.
demo: build
	./bin/breakerlab run --out $(OUT) $(DEMO_SCENARIOS)

## bench: the contention suite (main module in-process, peers via go test), summary and plot.
bench: build
	mkdir -p $(OUT)/bench
	cd bench/peers && $(GO) test -run '^$$' -bench . -benchmem -cpu 1,2 -benchtime 200ms > $(abspath $(OUT))/bench/peers.txt
	./bin/breakerlab bench --cpu 1,2 --benchtime 200ms --out $(OUT)/bench --with $(OUT)/bench/peers.txt

## gate: the reference breaker's serial and par=1 cases, 5 runs each, against $(BASELINE).
gate: build
	./bin/breakerlab bench --cpu 1,2 --count 5 --bench '$(GATE_CASES)' --out $(OUT)/gate
	./bin/breakerlab gate --baseline $(BASELINE) --current $(OUT)/gate/bench.txt

## gate-ab: the same cases, revision $(BASE) against the working tree, measured
## alternately on this machine ($(ROUNDS) rounds), then gated: robust to a drifting runner.
gate-ab: build
	rm -rf $(OUT)/gate-ab && mkdir -p $(OUT)/gate-ab && git worktree prune
	git worktree add --detach $(abspath $(OUT))/gate-ab/src $(BASE)
	cd $(OUT)/gate-ab/src && $(GO) build -o ../base-breakerlab ./cmd/breakerlab
	git worktree remove --force $(abspath $(OUT))/gate-ab/src
	for i in $$(seq $(ROUNDS)); do \
		$(OUT)/gate-ab/base-breakerlab bench --cpu 1,2 --bench '$(GATE_CASES)' --out $(OUT)/gate-ab/base-$$i >/dev/null && \
		./bin/breakerlab bench --cpu 1,2 --bench '$(GATE_CASES)' --out $(OUT)/gate-ab/head-$$i >/dev/null || exit 2; \
	done
	cat $(OUT)/gate-ab/base-*/bench.txt > $(OUT)/gate-ab/base.txt
	cat $(OUT)/gate-ab/head-*/bench.txt > $(OUT)/gate-ab/head.txt
	./bin/breakerlab gate --baseline $(OUT)/gate-ab/base.txt --current $(OUT)/gate-ab/head.txt

## race: the race-stress scenario, run by a race-enabled binary.
race:
	$(GO) run -race ./cmd/breakerlab run --out $(OUT)/race race-stress
