package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

const serveUsage = `Usage: breakerlab serve [flags] SCENARIO

Serve an external scenario's fakes where your service calls them, with the
scenario's fault schedule, and record what reaches them, without sending
any load: the load comes from vegeta on other machines. The schedule
starts --start-in after the fakes are up and runs for the scenario's
duration; the fakes stop --drain later. Meanwhile the clock the load
machines measure theirs against is served on --clock.

The recipe (docs/multi-attacker.md): on the breakerlab host, serve; on
each load machine i of N, 'breakerlab clock --name host-i --wait --slot
i/N URL && vegeta attack -name host-i -rate RATE/N -duration DURATION
... > host-i.bin'; copy the .bin and .clock.json files back; then
'breakerlab merge SERVED_DIR host-*.bin host-*.clock.json' checks the run.

Exit status: 0 served to the end; 1 interrupted (Ctrl-C); 2 bad input: a
scenario file, a flag, an address taken, a clock address off loopback.

Flags:
  --out DIR         parent directory of the served run's directory (default "served")
  --seed N          replace the scenario's seed (0: keep it)
  --start-in D      time from now to the schedule's start, to measure the load
                    machines' clocks and start their attacks (default 30s)
  --drain D         how long the fakes serve after the scenario's duration
                    (default 1s more than the longest client timeout)
  --clock ADDR      where the clock listens (default 127.0.0.1:9100)
  --allow-non-loopback  let --clock listen beyond this machine, for load machines
                    elsewhere; it serves the time only (the fakes stay on loopback)
  --target URL      the service's URL, replacing the scenario's target
  --listen NAME=ADDR  where dependency NAME's fake listens, replacing the
                    scenario's (repeatable)

Examples:
  breakerlab serve --start-in 10s examples/nfr6-service/nfr6-external.yaml
  breakerlab serve --clock 0.0.0.0:9100 --allow-non-loopback --listen iam=127.0.0.1:9001 my-external.yaml
`

// serveCmd serves a scenario's fakes for load from elsewhere.
func serveCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", serveUsage, stderr)
	var opts runner.ServeOptions
	fs.StringVar(&opts.Out, "out", "served", "parent directory of the served run's directory")
	fs.Uint64Var(&opts.Seed, "seed", 0, "replace the scenario's seed")
	fs.DurationVar(&opts.StartIn, "start-in", 30*time.Second, "time from now to the schedule's start")
	fs.DurationVar(&opts.Drain, "drain", 0, "how long the fakes serve after the duration")
	fs.StringVar(&opts.ClockAddr, "clock", "127.0.0.1:9100", "where the clock listens")
	fs.BoolVar(&opts.AllowNonLoopback, "allow-non-loopback", false, "let --clock listen beyond this machine")
	target := fs.String("target", "", "the service's URL")
	listen := listenFlag{}
	fs.Var(listen, "listen", "NAME=ADDR, where dependency NAME's fake listens (repeatable)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usagef("serve: want one scenario, got %d arguments", len(pos))
	}
	if opts.StartIn < 0 || opts.Drain < 0 {
		return usagef("serve: --start-in %s, --drain %s: want durations >= 0", opts.StartIn, opts.Drain)
	}
	sc, err := scenarios.Resolve(pos[0])
	if err != nil {
		return usageError{err}
	}
	if err := sc.Override(*target, listen); err != nil {
		return usagef("serve: %s: %v", pos[0], err)
	}
	if err := sc.CanRun(scenarios.ModeExternal); err != nil {
		return usageError{err}
	}
	opts.Ready = func(info runner.ServeInfo) { printServing(stdout, sc, info) }
	res, err := runner.Serve(ctx, sc, opts)
	switch {
	case errors.Is(err, runner.ErrSetup), errors.Is(err, scenarios.ErrModeMismatch):
		return usageError{err}
	case res == nil:
		return err
	}
	fmt.Fprintf(stdout, "served: %d requests reached the fakes; records in %s\n", res.Requests, res.Dir)
	fmt.Fprintf(stdout, "next: copy the load machines' files here and run\n  breakerlab merge %s host-*.bin host-*%s\n", res.Dir, runner.ClockFileSuffix)
	return err
}

// printServing says where the fakes and the clock are, when the schedule
// runs, and what each load machine runs.
func printServing(w io.Writer, sc *scenarios.Scenario, info runner.ServeInfo) {
	fmt.Fprintf(w, "serving %s into %s\n", info.Scenario, info.Dir)
	for _, f := range info.Fakes {
		fmt.Fprintf(w, "  fake %s on %s; its load goes to %s\n", f.Dep, f.Addr, f.Target)
	}
	fmt.Fprintf(w, "  clock: %s\n", info.ClockURL)
	fmt.Fprintf(w, "  schedule: %s from %s (in %s); the fakes stop at %s\n", info.Duration,
		info.T0.Format("15:04:05.000"), time.Until(info.T0).Round(time.Second), info.End.Format("15:04:05.000"))
	fmt.Fprintf(w, "  load: %s in all; each of N load machines sends its share\n", sc.Load.Shape(sc.Duration))
	fmt.Fprintf(w, "on load machine i of N:\n  breakerlab clock --name host-i --wait --slot i/N %s && \\\n    vegeta attack -name host-i -rate <rate/N> -duration %s -targets targets.txt > host-i.bin\n",
		info.ClockURL, info.Duration)
}
