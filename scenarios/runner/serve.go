package runner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// Serving an external run whose load comes from elsewhere: breakerlab
// serves the fakes where the service calls them and records what reaches
// them, while vegeta runs on other machines; [Merge] later adds their
// result files as the run's calls. See docs/multi-attacker.md.

// ServeOptions tune [Serve]. The zero value starts the schedule at once
// and records into ./served.
type ServeOptions struct {
	// Out is the parent directory; the fakes' records go to
	// Out/<scenario>. Empty means "served".
	Out string
	// Seed, if not zero, replaces the scenario's seed.
	Seed uint64
	// StartIn is how long after Serve is called the scenario's schedule
	// starts (t0): time to measure the load machines' clocks and start
	// their attacks. Negative is an error.
	StartIn time.Duration
	// Drain is how long the fakes go on serving after the scenario's
	// duration, for the calls still in flight. 0 means one second more than
	// the longest client timeout of the scenario's dependencies; negative
	// is an error.
	Drain time.Duration
	// ClockAddr is where the clock endpoint listens. Empty means
	// 127.0.0.1:0. Off loopback only with AllowNonLoopback.
	ClockAddr string
	// AllowNonLoopback lets ClockAddr be any address, so that load machines
	// elsewhere can read the clock. The fakes stay on loopback.
	AllowNonLoopback bool
	// Ready, if not nil, is called once the fakes and the clock listen,
	// before the schedule starts.
	Ready func(ServeInfo)
}

// ServeInfo is where a served run is, and when.
type ServeInfo struct {
	Scenario string
	Dir      string    // the run directory the fakes' records go to
	T0       time.Time // when the schedule starts
	Duration time.Duration
	End      time.Time // when the fakes stop: T0 + Duration + the drain
	ClockURL string
	Fakes    []ServedFake // in dependency order
}

// ServedFake is one dependency's fake in a served run.
type ServedFake struct {
	Dep    string
	Addr   string // where it listens
	Target string // the service's URL whose answers are its calls
}

// ServeResult is what a served run recorded.
type ServeResult struct {
	ServeInfo
	Requests    uint64 // requests that reached the fakes
	Interrupted bool
}

// Serve serves sc's fakes where the service under test calls them, with
// the scenario's fault schedule from opts.StartIn on, for the scenario's
// duration and the drain, recording what reaches them in
// opts.Out/<scenario>; meanwhile it serves the clock (GET [ClockPath]) that
// load machines measure theirs against. It sends no load: the load comes
// from vegeta on other machines, and [Merge] adds their results. When ctx
// is cancelled it stops early, records what it saw and returns an error
// matching [ErrInterrupted]. Setup that does not work (a taken address, a
// clock address off loopback) matches [ErrSetup].
func Serve(ctx context.Context, sc *scenarios.Scenario, opts ServeOptions) (*ServeResult, error) {
	if opts.StartIn < 0 || opts.Drain < 0 {
		return nil, fmt.Errorf("%w: StartIn %v and Drain %v must not be negative", ErrSetup, opts.StartIn, opts.Drain)
	}
	if err := sc.CanRun(scenarios.ModeExternal); err != nil {
		return nil, err
	}
	dir := filepath.Join(cmp.Or(opts.Out, "served"), sc.Name)
	clockAddr := cmp.Or(opts.ClockAddr, "127.0.0.1:0")
	if err := checkClockAddr(clockAddr, opts.AllowNonLoopback); err != nil {
		return nil, err
	}
	if err := clearRunDir(dir); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", clockAddr)
	if err != nil {
		return nil, fmt.Errorf("%w: serving the clock on %s: %v; free the address or pick another (--clock 127.0.0.1:PORT)", ErrSetup, clockAddr, err)
	}
	r := &runner{sc: sc, opts: Options{Out: opts.Out}, mode: scenarios.ModeExternal, seed: cmp.Or(opts.Seed, sc.Seed, 1),
		label: sc.Name, dir: dir, reports: &record.Reports{}}
	r.t0 = time.Now().Add(opts.StartIn)
	info := ServeInfo{Scenario: sc.Name, Dir: dir, T0: r.t0, Duration: sc.Duration,
		End: r.t0.Add(sc.Duration + cmp.Or(opts.Drain, defaultDrain(sc))), ClockURL: "http://" + ln.Addr().String()}
	clock := &http.Server{Handler: clockHandler(sc.Name, r.t0, sc.Duration, sc.Load.Shape(sc.Duration).Rate(0)), ReadHeaderTimeout: 5 * time.Second}
	go clock.Serve(ln)
	defer clock.Close()

	meta := r.meta()
	for i := range sc.Dependencies {
		t, _ := sc.TargetURL(i) // CanRun checked it
		meta.Dependencies[i].Target = t.URL
		info.Fakes = append(info.Fakes, ServedFake{Dep: sc.Dependencies[i].Name, Addr: sc.Dependencies[i].Listen, Target: t.URL})
	}
	if r.w, err = record.Create(dir, meta, record.WriterOptions{}); err != nil {
		return nil, err
	}
	leaks := watchLeaks() // after Create: the writer's flusher is the record's, stopped by Close
	deps, err := r.serveFakes()
	closeFakes := func() {
		for _, d := range deps {
			if d != nil && d.srv != nil {
				d.srv.Close()
			}
		}
	}
	if err != nil {
		closeFakes()
		return nil, errors.Join(err, r.w.Close())
	}
	if opts.Ready != nil {
		opts.Ready(info)
	}
	res := &ServeResult{ServeInfo: info}
	res.Interrupted = r.serveUntil(ctx, deps, info.End)
	ended := max(time.Since(r.t0), 0)
	closeFakes()
	clock.Close()
	for _, d := range deps {
		res.Requests += d.fake.Counters().Requests
	}
	leaked := leaks.find()
	n := len(leaked)
	r.w.UpdateMeta(func(m *record.Meta) {
		m.EndedNs = int64(ended)
		m.Interrupted = res.Interrupted
		m.LeakedGoroutines = &n
		m.Leaks = leaked[:min(n, record.MaxQuoted)]
		m.Reports = r.reports
	})
	if err := r.w.Close(); err != nil {
		return res, err
	}
	if res.Interrupted {
		return res, fmt.Errorf("%w: serving %s stopped after %s of %s", ErrInterrupted, sc.Name, ended.Round(time.Millisecond), sc.Duration)
	}
	return res, nil
}

// serveUntil waits for end, reading the service's state endpoint (if the
// scenario has one) from t0 on. It reports whether ctx ended it first.
func (r *runner) serveUntil(ctx context.Context, deps []*extDep, end time.Time) (interrupted bool) {
	wait := func(until time.Time) bool {
		t := time.NewTimer(time.Until(until))
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		}
	}
	if !wait(r.t0) {
		return true
	}
	stop := make(chan struct{})
	scrapeDone := r.scrapeState(deps, stop)
	ok := wait(end)
	close(stop)
	scrapeDone()
	return !ok
}

// defaultDrain is one second more than the longest client timeout of the
// scenario's dependencies: the calls in flight at the end have had their
// answers by then.
func defaultDrain(sc *scenarios.Scenario) time.Duration {
	longest := time.Duration(0)
	for _, d := range sc.Dependencies {
		longest = max(longest, d.Client.Timeout)
	}
	return longest + time.Second
}
