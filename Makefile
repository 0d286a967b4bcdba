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

# The cases the gate compares: the reference breaker, serial and par=1. It is
# go test's -bench: one '/'-separated part per level of
# BenchmarkBreaker/path=P/impl=I/par=N.
GATE_CASES := Breaker/path=.*/impl=reference/par=(serial|1)$$
# How gate-ab runs each side's test binary: what go test passes it for
# go test -run '^$$' -bench '$(GATE_CASES)' -benchmem -cpu 1,2 -benchtime 200ms.
GATE_TEST_FLAGS = -test.run '^$$' -test.bench '$(GATE_CASES)' -test.benchmem -test.cpu 1,2 -test.benchtime 200ms

# The built-in NFR-6 suite (sim) plus one short live scenario.
DEMO_SCENARIOS := nfr6-iam-outage nfr6-eris-outage nfr6-policy-outage \
	nfr6-llm-gateway-outage nfr6-data-governance-outage nfr6-ubi-outage \
	live-iam-outage

.PHONY: all test bench lint check-deps demo gate gate-ab build race mutants

all: lint check-deps test

## build: the CLI, as bin/breakerlab.
build:
	$(GO) build -o bin/breakerlab ./cmd/breakerlab

## test: vet, then every test with the race detector (main module and bench/peers).
test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 $(PKGS)
	cd bench/peers && $(GO) vet ./... && $(GO) test -race -count=1 ./...

## lint: formatting, vet, and every relative Markdown link resolving
## (internal/doclinks: files inside the repository, #anchors to headings).
lint:
	@fmt_out="$$($(GOFMT) -l .)"; \
	if [ -n "$$fmt_out" ]; then echo "gofmt would change:"; echo "$$fmt_out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) test -count=1 -run '^TestRepoLinks$$' ./internal/doclinks
	cd bench/peers && $(GO) vet ./...

## check-deps: breaker/ must import the standard library only.
check-deps:
	@bad="$$($(GO) list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' ./breaker | grep -v '^github.com/breakerlab/breakerlab/breaker$$' || true)"; \
	if [ -n "$$bad" ]; then echo "breaker/ imports non-standard packages:"; echo "$$bad"; exit 1; fi; \
	echo "check-deps: breaker/ imports the standard library only"

## demo: the built-in NFR-6 suite in sim mode plus one live scenario, with reports.
demo: build
	./bin/breakerlab run --out $(OUT) $(DEMO_SCENARIOS)

## bench: the contention suite with go test (main module and bench/peers), summary and plot.
bench: build
	./bin/breakerlab bench --peers --cpu 1,2 --benchtime 200ms --out $(OUT)/bench

## gate: the reference breaker's serial and par=1 cases, 5 runs each, against $(BASELINE).
gate: build
	./bin/breakerlab bench --cpu 1,2 --count 5 --bench '$(GATE_CASES)' --out $(OUT)/gate
	./bin/breakerlab gate --baseline $(BASELINE) --current $(OUT)/gate/bench.txt

## gate-ab: the same cases, revision $(BASE) against the working tree, measured
## alternately on this machine ($(ROUNDS) rounds), then gated: robust to a drifting runner.
## Each side is its ./bench/ test binary (go test -c), so any revision with the
## suite works, whatever its breakerlab bench did.
gate-ab: build
	rm -rf $(OUT)/gate-ab && mkdir -p $(OUT)/gate-ab && git worktree prune
	git worktree add --detach $(abspath $(OUT))/gate-ab/src $(BASE)
	cd $(OUT)/gate-ab/src && $(GO) test -c -o $(abspath $(OUT))/gate-ab/base.test ./bench/
	git worktree remove --force $(abspath $(OUT))/gate-ab/src
	$(GO) test -c -o $(OUT)/gate-ab/head.test ./bench/
	for i in $$(seq $(ROUNDS)); do \
		echo "gate-ab: round $$i of $(ROUNDS)"; \
		$(OUT)/gate-ab/base.test $(GATE_TEST_FLAGS) > $(OUT)/gate-ab/base-$$i.txt && \
		$(OUT)/gate-ab/head.test $(GATE_TEST_FLAGS) > $(OUT)/gate-ab/head-$$i.txt || \
		{ cat $(OUT)/gate-ab/base-$$i.txt $(OUT)/gate-ab/head-$$i.txt 2>/dev/null; exit 1; }; \
	done
	cat $(OUT)/gate-ab/base-*.txt > $(OUT)/gate-ab/base.txt
	cat $(OUT)/gate-ab/head-*.txt > $(OUT)/gate-ab/head.txt
	./bin/breakerlab gate --baseline $(OUT)/gate-ab/base.txt --current $(OUT)/gate-ab/head.txt

## mutants: every planted bug (scenarios/mutants) against the whole sim
## library; fails when docs/mutants.md's matrices drift, UPDATE=1 rewrites them.
mutants:
	$(GO) test -count=1 -run 'TestMatrix|TestEveryMutantIsCaught' -v ./scenarios/mutants -library $(if $(UPDATE),-update)

## race: the race-stress scenario, run by a race-enabled binary.
race:
	$(GO) run -race ./cmd/breakerlab run --out $(OUT)/race race-stress
