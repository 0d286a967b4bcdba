// Command nfr6-service is an example target for breakerlab's external mode:
// a small HTTP service that guards each of its dependencies with a
// hand-written circuit breaker of its own (breaker.go), and that can plant
// realistic breaker bugs (bugs.go). It imports nothing of breakerlab: it
// stands for a team's own service.
//
//	go run ./examples/nfr6-service --dep iam=http://127.0.0.1:9001
//	curl -i localhost:8080/call/iam
//	curl localhost:8080/state
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// shutdownGrace bounds how long a shutdown waits for calls in flight.
const shutdownGrace = 5 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode prints err and maps it to the exit code: 0 none, 2 bad flags
// (a usageError), 1 anything else.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "nfr6-service:", err)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// run serves until ctx is done, then shuts down gracefully. Bad flags
// return a usageError. Tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	cfg.log = log.New(stderr, "nfr6-service: ", 0)
	svc := newService(cfg)
	defer svc.close()

	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", cfg.listen, err)
	}
	deps := make([]string, len(cfg.deps))
	for i, d := range cfg.deps {
		deps[i] = d.name + "=" + d.url
	}
	fmt.Fprintf(stdout, "nfr6-service listening on http://%s\n", ln.Addr())
	fmt.Fprintf(stdout, "dependencies: %s\n", strings.Join(deps, " "))
	fmt.Fprintf(stdout, "breaker: failure threshold %d, success threshold %d, recovery timeout %s, half-open max calls %d, timeout %s; bugs: %s\n",
		cfg.breaker.FailureThreshold, cfg.breaker.SuccessThreshold, cfg.breaker.RecoveryTimeout,
		cfg.breaker.HalfOpenMaxCalls, cfg.timeout, cfg.breaker.Bugs)

	srv := &http.Server{Handler: svc.handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serving on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err = srv.Shutdown(sctx) // waits for calls in flight, each bounded by --timeout
	if err != nil {
		_ = srv.Close()
	}
	<-served // http.ErrServerClosed
	if err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	fmt.Fprintln(stdout, "nfr6-service stopped")
	return nil
}
