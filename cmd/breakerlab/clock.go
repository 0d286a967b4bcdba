package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/breakerlab/breakerlab/scenarios/runner"
)

const clockUsage = `Usage: breakerlab clock --name NAME [flags] URL

Measure this load machine's clock against the run 'breakerlab serve'
serves (URL is the address it prints after "clock:"): the offset from the
round trip that was shortest of --samples, right to within half of it.
The measurement is added to NAME.clock.json (-o), for 'breakerlab merge';
a file of another run is replaced. Measure once before the attack, and for
a long run once more after it: merge interpolates between measurements.

With --wait it then waits until this machine's attack is due: the
schedule's start on this machine's clock, staggered by --slot so that N
machines' attacks interleave (machine i starts i-1 intervals of the
scenario's rate later), and exits 0, for 'breakerlab clock ... --wait &&
vegeta attack ...'.

Exit status: 0 measured (and waited); 1 interrupted while waiting; 2 bad
input: a flag, a clock that does not answer, --wait after the start.

Flags:
  --name NAME     this attacker's name: the -name of its vegeta attack (required)
  -o FILE         the clock file (default NAME.clock.json)
  --samples N     round trips to make (default 16)
  --wait          wait until this machine's attack is due
  --slot I/N      this machine is I of N load machines (default 1/1)

Examples:
  breakerlab clock --name host-1 --wait --slot 1/2 http://10.0.0.5:9100 && vegeta attack -name host-1 ... > host-1.bin
  breakerlab clock --name host-1 http://10.0.0.5:9100
`

// clockCmd measures this machine's clock against a served run's.
func clockCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("clock", clockUsage, stderr)
	name := fs.String("name", "", "this attacker's name")
	out := fs.String("o", "", "the clock file")
	samples := fs.Int("samples", runner.DefaultClockSamples, "round trips to make")
	wait := fs.Bool("wait", false, "wait until this machine's attack is due")
	slot := fs.String("slot", "1/1", "this machine is I of N load machines")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return usagef("clock: want the clock's URL, got %d arguments", len(pos))
	}
	if *name == "" || strings.ContainsAny(*name, `/\`) {
		return usagef("clock: --name %q: want the attacker's name, as in vegeta attack -name, e.g. host-1", *name)
	}
	if *samples < 1 {
		return usagef("clock: --samples %d: want at least 1", *samples)
	}
	i, n, err := parseSlot(*slot)
	if err != nil {
		return err
	}
	path := *out
	if path == "" {
		path = *name + runner.ClockFileSuffix
	}
	reading, m, err := runner.MeasureClock(ctx, pos[0], runner.ClockOptions{Samples: *samples})
	if err != nil {
		return usageError{err}
	}
	cf, err := runner.AddMeasurement(path, *name, pos[0], reading, m)
	if err != nil {
		return usageError{err}
	}
	measurements := "1 measurement"
	if n := len(cf.Measurements); n > 1 {
		measurements = strconv.Itoa(n) + " measurements"
	}
	fmt.Fprintf(stdout, "%s: offset %s ± %s (round trip %s) against %s; wrote %s (%s)\n",
		*name, fmtOffset(m.OffsetNs), time.Duration(m.ErrorNs()), time.Duration(m.RoundTripNs), reading.Scenario, path, measurements)
	if !*wait {
		return nil
	}
	start := runner.StartAt(reading, m, i, n)
	until := time.Until(start)
	if until < 0 {
		return usagef("clock: --wait: the attack of slot %d/%d was due %s ago (the schedule started at %s): serve again with a longer --start-in",
			i, n, (-until).Round(time.Millisecond), reading.T0.Format("15:04:05.000"))
	}
	fmt.Fprintf(stdout, "%s: waiting %s for slot %d/%d, due at %s on this machine's clock\n", *name, until.Round(time.Millisecond), i, n, start.Format("15:04:05.000"))
	t := time.NewTimer(until)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("clock: interrupted while waiting: %w", ctx.Err())
	case <-t.C:
		return nil
	}
}

// parseSlot reads --slot I/N.
func parseSlot(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return 0, 0, usagef("clock: --slot %q: want I/N, this machine's number of N, 1 <= I <= N, e.g. 2/3", s)
	}
	return i, n, nil
}

// fmtOffset prints an offset with its sign.
func fmtOffset(ns int64) string {
	if ns >= 0 {
		return "+" + time.Duration(ns).String()
	}
	return time.Duration(ns).String()
}
