package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
)

const fakeUsage = `Usage: breakerlab fake [--listen 127.0.0.1:8081] [--preset NAME | --fake NAME=PRESET ...] [fault flags] [--seed N] [--log FILE]

Serve fault-injecting fake dependencies over HTTP on a loopback address
(beyond it only with --allow-non-loopback) until Ctrl-C. Prints the address
it listens on. Each request's fault is decided from --seed and its sequence
number (X-Breakerlab-Seq or X-Vegeta-Seq header), so a replay with the same
seed gets the same faults. The fault flags are laid over every fake's preset.
With one fake every path is that fake; with several (--fake, repeatable),
/NAME/... is fake NAME. Faults can be changed while it runs through the
control API under /_breakerlab/ (docs/fakes.md, "The control API").

Presets: data-governance, eris, iam, llm-gateway, policy, ubi.

Flags:
  --listen ADDR          loopback address, 127.0.0.1:PORT, [::1]:PORT or localhost:PORT;
                         port 0 picks one (default 127.0.0.1:8081)
  --allow-non-loopback   let --listen and --control be any address, e.g. 0.0.0.0:8081 in a
                         container or beside a sidecar; prints a warning: whoever reaches
                         the fakes can change their faults (the control API has no
                         authentication)
  --control ADDR         serve the control API on its own loopback address; "none": no control
                         API (default: on --listen, where a down fake resets connections
                         instead of refusing them, so the API stays reachable)
  --preset NAME          the one fake's preset (default none: healthy, instant)
  --name NAME            the one fake's name (default the preset's, or "fake")
  --fake NAME=PRESET     serve fake NAME with PRESET at /NAME/ (repeatable; NAME alone: PRESET=NAME)
  --seed N               seed of every decision (default 1)
  --log FILE             stream every request as JSON lines to FILE ("-": stdout)
Fault flags (rates are 0..1 per request; durations like 20ms, 1.5s):
  --error-rate R         answer --error-status to this share of requests
  --error-status CODE    HTTP status of injected errors, 400..599 (default 500)
  --latency D            median latency (alone: every request takes D)
  --latency-p99 D        99th percentile latency (with --latency: lognormal by default)
  --latency-dist DIST    fixed, uniform, normal, lognormal or pareto
  --jitter D             add a uniform ±D to each latency
  --hang-rate R          never answer this share until the client gives up
  --timeout-rate R       close this share without an answer after --timeout-after
  --timeout-after D      wait before closing (default 1s)
  --reset-rate R         reset (TCP RST) this share of connections
  --truncate-rate R      cut this share of bodies in half and close
  --slow-body-rate R     send this share of bodies at --slow-body-bps
  --slow-body-bps N      bytes per second of a slow body (default 1024)
  --max-in-flight N      answer 503 beyond N requests in flight (0: no limit)
  --body-bytes N         size of response bodies (default 64)
  --down                 start down (refused, or reset with the control API on --listen)

Exit 0 after Ctrl-C, 2 on bad flags or an address in use.

Examples:
  breakerlab fake --listen 127.0.0.1:8081 --preset iam --error-rate 0.3 --latency 20ms
  breakerlab fake --listen 127.0.0.1:8081 --fake iam --fake llm=llm-gateway --seed 7 --log fake.jsonl
  breakerlab fake --listen 127.0.0.1:0 --latency 15ms --latency-p99 80ms --hang-rate 0.01
  breakerlab fake --listen 127.0.0.1:8081 --control 127.0.0.1:8089 --preset eris --down
  breakerlab fake --listen 0.0.0.0:8081 --allow-non-loopback --preset iam   # in a container
  curl -X PUT -d '{"error_rate": 1}' http://127.0.0.1:8081/_breakerlab/faults
`

// fakeSpecs collects repeated --fake NAME=PRESET flags.
type fakeSpecs []fakes.Config

func (s *fakeSpecs) String() string { return fmt.Sprint(len(*s)) }

func (s *fakeSpecs) Set(v string) error {
	name, preset, ok := strings.Cut(v, "=")
	if !ok {
		preset = name
	}
	if name == "" {
		return errors.New("want NAME=PRESET or NAME")
	}
	for _, c := range *s {
		if c.Name == name {
			return fmt.Errorf("the name %q is taken by an earlier --fake: give each fake a name of its own, as NAME=PRESET", name)
		}
	}
	*s = append(*s, fakes.Config{Name: name, Preset: preset})
	return nil
}

// faultFlags maps a fault field (as in a FieldError) to the flag that sets it.
var faultFlags = map[string]string{
	"error_rate": "--error-rate", "error_status": "--error-status", "latency.p50": "--latency",
	"latency.p99": "--latency-p99", "latency.dist": "--latency-dist", "latency.jitter": "--jitter",
	"hang_rate": "--hang-rate", "timeout.rate": "--timeout-rate", "timeout.after": "--timeout-after",
	"reset_rate": "--reset-rate", "truncate_rate": "--truncate-rate", "slow_body.rate": "--slow-body-rate",
	"slow_body.bytes_per_sec": "--slow-body-bps", "max_in_flight": "--max-in-flight", "body_bytes": "--body-bytes",
	"preset": "--preset", "name": "--name",
}

// fakeOptions are the fake command's flags, parsed.
type fakeOptions struct {
	listen, control, logFile string
	allowNonLoopback         bool
	fromFakeFlags            bool // specs came from --fake, not --preset and --name
	specs                    fakeSpecs
}

// fakeCmd serves fakes until ctx ends.
func fakeCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFakeFlags(args, stderr)
	if err != nil {
		return err
	}
	var lw *fakes.LogWriter
	if o.logFile != "" {
		out := stdout
		if o.logFile != "-" {
			file, err := os.Create(o.logFile)
			if err != nil {
				return usagef("fake: --log: %v", err)
			}
			defer file.Close()
			out = file
		}
		lw = fakes.NewLogWriter(out)
		defer lw.Close()
	}
	var all []*fakes.Fake
	for _, spec := range o.specs {
		if lw != nil {
			spec.OnRecord = lw.Write
		}
		fk, err := fakes.New(spec)
		if err != nil {
			return fakeFlagError(err, o.fromFakeFlags)
		}
		all = append(all, fk)
	}
	srv, err := fakes.NewServer(fakes.ServerConfig{Addr: o.listen, ControlAddr: o.control, Fakes: all, AllowNonLoopback: o.allowNonLoopback})
	if err != nil {
		return fakeAddrError(err)
	}
	if o.allowNonLoopback {
		fmt.Fprintf(stderr, "breakerlab: warning: --allow-non-loopback: listening on %s; whoever reaches it can change the faults through the control API, which has no authentication\n", srv.Addr())
	}
	printFakes(stdout, srv)

	<-ctx.Done()
	if err := srv.Close(); err != nil {
		return fmt.Errorf("fake: stopping: %w", err)
	}
	if lw != nil {
		if err := lw.Close(); err != nil {
			return fmt.Errorf("fake: --log %s: %w", o.logFile, err)
		}
	}
	printCounters(stdout, all)
	return nil
}

// parseFakeFlags reads the fake command's flags into the fakes to serve.
func parseFakeFlags(args []string, stderr io.Writer) (*fakeOptions, error) {
	fs := newFlags("fake", fakeUsage, stderr)
	o := &fakeOptions{}
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8081", "loopback address")
	fs.StringVar(&o.control, "control", "", "control API address")
	fs.BoolVar(&o.allowNonLoopback, "allow-non-loopback", false, "allow addresses beyond loopback")
	preset := fs.String("preset", "", "preset of the one fake")
	name := fs.String("name", "", "name of the one fake")
	fs.Var(&o.specs, "fake", "NAME=PRESET (repeatable)")
	seed := fs.Int64("seed", 1, "seed")
	fs.StringVar(&o.logFile, "log", "", "JSON-lines log file")
	var f fakes.Faults
	var latency, latencyP99, jitter time.Duration
	fs.Float64Var(&f.ErrorRate, "error-rate", 0, "")
	fs.IntVar(&f.ErrorStatus, "error-status", 0, "")
	fs.DurationVar(&latency, "latency", 0, "")
	fs.DurationVar(&latencyP99, "latency-p99", 0, "")
	dist := fs.String("latency-dist", "", "")
	fs.DurationVar(&jitter, "jitter", 0, "")
	fs.Float64Var(&f.HangRate, "hang-rate", 0, "")
	fs.Float64Var(&f.Timeout.Rate, "timeout-rate", 0, "")
	fs.DurationVar(&f.Timeout.After, "timeout-after", time.Second, "")
	fs.Float64Var(&f.ResetRate, "reset-rate", 0, "")
	fs.Float64Var(&f.TruncateRate, "truncate-rate", 0, "")
	fs.Float64Var(&f.SlowBody.Rate, "slow-body-rate", 0, "")
	fs.IntVar(&f.SlowBody.BytesPerSec, "slow-body-bps", 1024, "")
	fs.IntVar(&f.MaxInFlight, "max-in-flight", 0, "")
	fs.IntVar(&f.BodyBytes, "body-bytes", 0, "")
	fs.BoolVar(&f.Down, "down", false, "")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if err := noArgs("fake", pos, ""); err != nil {
		return nil, err
	}
	if len(o.specs) > 0 && (*preset != "" || *name != "") {
		return nil, usagef("fake: --preset and --name describe a single fake; with --fake give each as NAME=PRESET")
	}
	o.fromFakeFlags = len(o.specs) > 0
	if !o.fromFakeFlags {
		o.specs = fakeSpecs{{Name: *name, Preset: *preset}}
	}
	// Zero the rate-less parts of compound faults so they do not show as set.
	if f.Timeout.Rate == 0 {
		f.Timeout = fakes.Timeout{}
	}
	if f.SlowBody.Rate == 0 {
		f.SlowBody = fakes.SlowBody{}
	}
	f.Latency = fakes.Latency{Dist: *dist, P50: latency, P99: latencyP99, Jitter: jitter}
	for i := range o.specs {
		o.specs[i].Faults, o.specs[i].Seed = f, *seed
	}
	return o, nil
}

// fakeAddrError turns a server error into a usage error naming the flag.
func fakeAddrError(err error) error {
	var ae *fakes.AddrError
	if !errors.As(err, &ae) {
		return err
	}
	flagName := "--listen"
	if ae.Field == "control_addr" {
		flagName = "--control"
	}
	hint := ""
	if errors.Is(err, fakes.ErrNotLoopback) {
		hint = "; --allow-non-loopback listens beyond loopback (containers, sidecars)"
	}
	return usagef("fake: %s %s: %v%s", flagName, ae.Addr, ae.Err, hint)
}

// printFakes says where each fake and the control API are served, in one
// write: whoever reads stdout for the address (a script, a test) gets the
// whole list with it.
func printFakes(stdout io.Writer, srv *fakes.Server) {
	var b strings.Builder
	fmt.Fprintf(&b, "listening on %s\n", srv.Addr())
	all := srv.Fakes()
	for _, fk := range all {
		path := "/"
		if len(all) > 1 {
			path = "/" + fk.Name() + "/"
		}
		fmt.Fprintf(&b, "  %-16s %s%s  preset %q: %s\n", fk.Name(), srv.URL(), path, fk.Config().Preset, fk.Faults().Describe())
	}
	if u := srv.ControlURL(); u != "" {
		fmt.Fprintf(&b, "control API: %s\n", u)
	}
	io.WriteString(stdout, b.String())
}

// printCounters sums up what each fake served.
func printCounters(stdout io.Writer, all []*fakes.Fake) {
	for _, fk := range all {
		c := fk.Counters()
		var parts []string
		for _, k := range fakes.Kinds() {
			if n := c.Of(k); n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", k, n))
			}
		}
		if len(parts) == 0 {
			fmt.Fprintf(stdout, "stopped %s: %d requests\n", fk.Name(), c.Requests)
			continue
		}
		fmt.Fprintf(stdout, "stopped %s: %d requests (%s)\n", fk.Name(), c.Requests, strings.Join(parts, ", "))
	}
}

// fakeFlagError turns a fault spec error into a usage error naming the flag.
// With fromFakeFlags, a bad name or preset came from --fake.
func fakeFlagError(err error, fromFakeFlags bool) error {
	var fe *fakes.FieldError
	if errors.As(err, &fe) {
		if flagName, ok := faultFlags[fe.Field]; ok {
			if fromFakeFlags && (fe.Field == "preset" || fe.Field == "name") {
				flagName = "--fake"
			}
			return usagef("fake: %s: %s", flagName, fe.Reason)
		}
	}
	return usagef("fake: %v", err)
}
