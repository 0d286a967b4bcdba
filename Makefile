# breakerlab — see README.md for what each target does.
GO       ?= go
PKGS     := ./...
OUT      ?= out

.PHONY: all test bench lint check-deps demo gate build

all: lint test

build:
	$(GO) build -o bin/breakerlab ./cmd/breakerlab

## test: vet, then every test with the race detector.
test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 $(PKGS)

## lint: formatting and vet.
lint:
	@fmt_out="$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))"; \
	if [ -n "$$fmt_out" ]; then echo "gofmt would change:"; echo "$$fmt_out"; exit 1; fi
	$(GO) vet $(PKGS)

## check-deps: breaker/ must import the standard library only.
check-deps:
	@bad="$$($(GO) list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' ./breaker | grep -v '^github.com/breakerlab/breakerlab/breaker$$' || true)"; \
	if [ -n "$$bad" ]; then echo "breaker/ imports non-standard packages:"; echo "$$bad"; exit 1; fi; \
	echo "check-deps: breaker/ imports the standard library only"

## bench: the breaker benchmarks at -cpu 1,2.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -cpu 1,2 ./bench/...

## demo: the main job on built-in defaults.
demo:
	$(GO) test -run '^Example' -v ./breaker
