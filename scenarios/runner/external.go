package runner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/breakerlab/breakerlab/fakes"
	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// ErrSetup matches a run that could not start or go on because of its
// setup, not the breaker: the implementation refuses the scenario's breaker
// config, a fake cannot be built or served (a listen address taken), and in
// external mode a target that does not answer or a service that never calls
// a fake. It is bad input. Such a run is not judged ([Run]).
var ErrSetup = errors.New("runner: the run's setup does not work")

// External-mode limits.
const (
	// targetWait is how long the target may take to answer before the run.
	targetWait = 5 * time.Second
	// quietGrace is how long the load runs before a fake that has seen no
	// request while the service answers stops the run.
	quietGrace = 5 * time.Second
	// quietAnswers is how many answers the service must have given a
	// dependency's target by then.
	quietAnswers = 20
	// defaultStateEvery is how often the breaker's state endpoint is read.
	defaultStateEvery = 100 * time.Millisecond
	// externalRejectionP99 is I9's bound in external mode when the scenario
	// sets none: the client times a rejection across the service's HTTP
	// stack, not a function call.
	externalRejectionP99 = 25 * time.Millisecond
)

// extDep is one dependency in an external run: its fake, served where the
// service calls it, and the target whose answers are its calls.
type extDep struct {
	name     string
	fake     *fakes.Fake
	srv      *fakes.Server
	target   scenarios.Target
	answers  atomic.Int64  // answers from its target so far
	tally    *tally        // the answers by outcome, for observers
	reported reportedState // what the state endpoint said last
}

// runExternal drives the user's service in real time: the fakes serve its
// dependencies on their listen addresses, vegeta sends the load at its
// targets, and every answer is a call record; what reached the fakes is
// dependency.bin. The checker infers the service's breaker from the two.
func (r *runner) runExternal(ctx context.Context) error {
	since := func() time.Duration { return time.Since(r.t0) }
	deps, err := r.serveFakes()
	defer func() {
		for _, d := range deps {
			if d.srv != nil {
				d.srv.Close()
			}
		}
	}()
	if err != nil {
		return err
	}
	if err := r.waitForTargets(ctx, deps); err != nil {
		return err
	}
	defer r.observeExternal(deps)()
	byURL := map[string]int{}
	var targets []vegeta.Target
	for i, d := range deps {
		byURL[d.target.URL] = i
		h := http.Header{}
		for k, v := range d.target.Headers {
			h.Set(k, v)
		}
		targets = append(targets, weighted(r.sc.Dependencies[i].Share(),
			vegeta.Target{Method: d.target.Method, URL: d.target.URL, Header: h, Body: []byte(d.target.Body)})...)
	}
	stop := make(chan struct{})
	var setupErr error
	var once sync.Once
	halt := func(err error) { once.Do(func() { setupErr = err; close(stop) }) }
	watch := time.AfterFunc(min(quietGrace, r.sc.Duration/3), func() {
		if err := quietFakes(deps); err != nil {
			halt(err)
		}
	})
	defer watch.Stop()
	scrapeDone := r.scrapeState(deps, stop)
	stats, attackErr := r.attackTargets(ctx, targets, nil, func(res *vegeta.Result) {
		i, ok := byURL[res.URL]
		if !ok {
			return
		}
		deps[i].answers.Add(1)
		c := r.callOf(res, deps[i].name)
		deps[i].tally.add(c)
		r.w.WriteCall(c)
	}, stop)
	halt(nil)
	scrapeDone()
	r.live = stats
	r.elapsed = since()
	if setupErr != nil {
		return setupErr
	}
	if attackErr != nil {
		return attackErr
	}
	if ctx.Err() == nil && stats.AchievedRate < minAchievedShare*stats.TargetRate {
		return fmt.Errorf("%w: %s: %.0f/s of %.0f/s (%.0f%%): the load generator or the service was the bottleneck, lower the rate",
			ErrRateShort, r.sc.Name, stats.AchievedRate, stats.TargetRate, 100*stats.AchievedRate/stats.TargetRate)
	}
	return nil
}

// serveFakes starts each dependency's fake on its listen address.
func (r *runner) serveFakes() ([]*extDep, error) {
	deps := make([]*extDep, len(r.sc.Dependencies))
	for i, dep := range r.sc.Dependencies {
		t, err := r.sc.TargetURL(i)
		if err != nil {
			return deps, fmt.Errorf("%w: %s: dependency %s: target: %v", ErrSetup, r.sc.Name, dep.Name, err)
		}
		d := &extDep{name: dep.Name, target: t, tally: newTally(r.sc.BreakerSpec(i).SuccessThreshold)}
		deps[i] = d
		if d.fake, err = r.newFake(i, nil); err != nil {
			return deps, err
		}
		// The control API on the same address keeps a down fake
		// reachable: the service's calls are reset, and logged.
		d.srv, err = fakes.NewServer(fakes.ServerConfig{Addr: dep.Listen, Fakes: []*fakes.Fake{d.fake}})
		if err != nil {
			return deps, fmt.Errorf("%w: %s: dependency %s: serving its fake on %s: %v; free the address or pick another (--listen %s=127.0.0.1:PORT)",
				ErrSetup, r.sc.Name, dep.Name, dep.Listen, err, dep.Name)
		}
	}
	return deps, nil
}

// waitForTargets waits until every target accepts a connection, for
// targetWait at most.
func (r *runner) waitForTargets(ctx context.Context, deps []*extDep) error {
	deadline := time.Now().Add(targetWait)
	for _, d := range deps {
		u, err := url.Parse(d.target.URL)
		if err != nil {
			return fmt.Errorf("%w: %s: target %q: %v", ErrSetup, r.sc.Name, d.target.URL, err)
		}
		host := u.Host
		if u.Port() == "" {
			port := "80"
			if u.Scheme == "https" {
				port = "443"
			}
			host = net.JoinHostPort(u.Hostname(), port)
		}
		for {
			conn, err := (&net.Dialer{Timeout: 200 * time.Millisecond}).DialContext(ctx, "tcp", host)
			if err == nil {
				conn.Close()
				break
			}
			if ctx.Err() != nil || time.Now().After(deadline) {
				return fmt.Errorf("%w: %s: the target %s does not answer (%v): start the service first, or point --target at it",
					ErrSetup, r.sc.Name, d.target.URL, err)
			}
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}

// quietFakes names a dependency whose target answers but whose fake has
// seen nothing: the service does not call it where breakerlab serves it.
func quietFakes(deps []*extDep) error {
	for _, d := range deps {
		if d.answers.Load() >= quietAnswers && d.fake.Counters().Requests == 0 {
			return fmt.Errorf("%w: the service answered %d calls to %s, but no request reached dependency %s's fake on %s: is the service configured to call %s?",
				ErrSetup, d.answers.Load(), d.target.URL, d.name, d.srv.Addr(), d.srv.URL())
		}
	}
	return nil
}

// callOf turns one of vegeta's results into a call record, reading the
// service's answer by the scenario's classify rules.
func (r *runner) callOf(res *vegeta.Result, dep string) record.Call {
	start := res.Timestamp.Sub(r.t0)
	c := record.Call{Seq: res.Seq, Dep: dep, StartNs: int64(start), EndNs: int64(start + res.Latency)}
	header := func(name string) string { return res.Headers.Get(name) }
	outcome, fallback := r.sc.ReadAnswer(int(res.Code), header, res.Body, res.Code == 0)
	switch outcome {
	case "success":
		c.Outcome = record.OutcomeSuccess
	case "rejected":
		c.Outcome = record.OutcomeRejected
	default:
		c.Outcome = record.OutcomeFailure
	}
	c.Fallback = fallback
	switch {
	case res.Code == 0:
		c.Err = res.Error
	case c.Outcome != record.OutcomeSuccess:
		c.Err = "status " + strconv.Itoa(int(res.Code))
	}
	return c
}
