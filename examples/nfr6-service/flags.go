package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

const usageText = `Usage: nfr6-service --dep NAME=URL [--dep NAME=URL ...] [flags]

nfr6-service is an example HTTP service for breakerlab's external mode. It
guards each dependency with a hand-written circuit breaker of its own
(NFR-6: open after 5 consecutive failures, 60 s open, at most 2 probes in
flight, closed after 2 probe successes, reopened by a probe failure), and
can plant realistic breaker bugs.

Endpoints:
  GET /call/{dep}  call that dependency once through its breaker:
                   200 success, 503 rejected by the breaker, 502 the
                   dependency failed or timed out (header X-Breaker-State)
  GET /state       {"iam":"closed",...}: each breaker's state
  GET /metrics     Prometheus text: breaker_state{breaker="iam",state="open"} 1

Flags:
%s
Bugs (--bug NAME, repeatable or comma-separated):
%s
Exit codes: 0 stopped by SIGINT/SIGTERM, 1 could not serve, 2 bad flags.

Examples:
  nfr6-service --dep iam=http://127.0.0.1:9001
  nfr6-service --dep iam=http://127.0.0.1:9001 --dep eris=http://127.0.0.1:9002 --bug off-by-one
`

// usageError is bad input on the command line; it exits 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// parseFlags reads the command line into a service configuration. -h
// prints the usage to stdout and returns flag.ErrHelp.
func parseFlags(args []string, stdout io.Writer) (serviceConfig, error) {
	cfg := serviceConfig{forwardSeq: true}
	fs := flag.NewFlagSet("nfr6-service", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned, not printed
	fs.StringVar(&cfg.listen, "listen", "127.0.0.1:8080", "address to serve on")
	fs.Func("dep", "a dependency `NAME=URL` to guard with a breaker of its own (repeatable)", func(s string) error {
		d, err := parseDep(s)
		for _, have := range cfg.deps {
			if err == nil && have.name == d.name {
				err = fmt.Errorf("dependency %q given twice", d.name)
			}
		}
		cfg.deps = append(cfg.deps, d)
		return err
	})
	fs.IntVar(&cfg.breaker.FailureThreshold, "failure-threshold", 5, "consecutive failures, while closed, that open the circuit")
	fs.IntVar(&cfg.breaker.SuccessThreshold, "success-threshold", 2, "consecutive probe successes, while half-open, that close it")
	fs.DurationVar(&cfg.breaker.RecoveryTimeout, "recovery-timeout", 60*time.Second, "time from opening until probes are admitted")
	fs.IntVar(&cfg.breaker.HalfOpenMaxCalls, "half-open-max-calls", 0, "probes in flight at once while half-open; 0 means --success-threshold")
	fs.DurationVar(&cfg.timeout, "timeout", time.Second, "the service's own timeout per dependency call (a timeout is a failure)")
	fs.Func("bug", "plant a bug `NAME[,NAME...]` (repeatable; see Bugs)", func(s string) (err error) {
		cfg.breaker.Bugs, err = parseBugs(cfg.breaker.Bugs, s)
		return err
	})
	noForward := fs.Bool("no-forward-seq", false, "do not forward X-Breakerlab-Seq / X-Vegeta-Seq to the dependencies")
	fs.Usage = func() {} // flag calls it on every error; the usage is printed on -h only

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(stdout, fs)
			return cfg, err
		}
		return cfg, usagef("%v (see --help)", err)
	}
	cfg.forwardSeq = !*noForward
	switch {
	case fs.NArg() > 0:
		return cfg, usagef("unexpected argument %q: every setting is a flag (see --help)", fs.Arg(0))
	case len(cfg.deps) == 0:
		return cfg, usagef("no dependency: give at least one --dep NAME=URL, e.g. --dep iam=http://127.0.0.1:9001")
	case cfg.breaker.FailureThreshold < 1:
		return cfg, usagef("--failure-threshold must be at least 1, got %d", cfg.breaker.FailureThreshold)
	case cfg.breaker.SuccessThreshold < 1:
		return cfg, usagef("--success-threshold must be at least 1, got %d", cfg.breaker.SuccessThreshold)
	case cfg.breaker.RecoveryTimeout <= 0:
		return cfg, usagef("--recovery-timeout must be positive, got %s", cfg.breaker.RecoveryTimeout)
	case cfg.breaker.HalfOpenMaxCalls < 0:
		return cfg, usagef("--half-open-max-calls must not be negative (0 means --success-threshold), got %d", cfg.breaker.HalfOpenMaxCalls)
	case cfg.timeout <= 0:
		return cfg, usagef("--timeout must be positive, got %s", cfg.timeout)
	}
	if cfg.breaker.HalfOpenMaxCalls == 0 {
		cfg.breaker.HalfOpenMaxCalls = cfg.breaker.SuccessThreshold
	}
	return cfg, nil
}

// parseDep reads one --dep NAME=URL.
func parseDep(s string) (depSpec, error) {
	name, raw, ok := strings.Cut(s, "=")
	if !ok || name == "" || raw == "" {
		return depSpec{}, fmt.Errorf("want NAME=URL, e.g. iam=http://127.0.0.1:9001, got %q", s)
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return depSpec{}, fmt.Errorf("name %q: use letters, digits, '-', '_' and '.' only", name)
		}
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return depSpec{}, fmt.Errorf("%s: want an http:// or https:// URL with a host, got %q", name, raw)
	}
	return depSpec{name: name, url: raw}, nil
}

// printUsage prints the usage text with the flags and the bugs.
func printUsage(w io.Writer, fs *flag.FlagSet) {
	var flags strings.Builder
	fs.SetOutput(&flags)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	var list strings.Builder
	for _, e := range bugs {
		fmt.Fprintf(&list, "  %-22s %s\n", e.name, e.doc)
	}
	fmt.Fprintf(w, usageText, flags.String(), list.String())
}
