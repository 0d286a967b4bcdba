package runner

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/breakerlab/breakerlab/fakes"
	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// Live-mode defaults and limits.
const (
	defaultLiveTimeout = 10 * time.Second
	// minAchievedShare is the least share of the target rate the generator
	// must reach; below it the generator, not the breaker, was the bottleneck.
	minAchievedShare = 0.9
	// liveDrain bounds how long calls in flight may run after the load stops.
	liveDrain = 15 * time.Second
)

// liveDep is one dependency in a live run: the fake served on loopback, the
// breaker, and the guarded endpoint's handler that calls one through the other.
type liveDep struct {
	r      *runner
	name   string
	b      *driven
	fake   *fakes.Fake
	srv    *http.Server
	url    string
	client *http.Client
	cfg    scenarios.Client
	key    uint64 // seeds the cancellation decisions
	seq    atomic.Uint64
	calls  *atomic.Uint64
	base   context.Context // cancelled when the drain ends
}

// runLive drives the scenario in real time: vegeta sends HTTP load at a
// loopback endpoint whose handler calls each dependency's fake (served on
// loopback) through its breaker.
func (r *runner) runLive(ctx context.Context) error {
	sc := r.sc
	var err error
	since := func() time.Duration { return time.Since(r.t0) }

	// Outgoing calls to the fakes share one transport; cancelling base ends
	// calls still running when the drain is over.
	base, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	depTransport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: time.Second}).DialContext,
		MaxIdleConns:        4096,
		MaxIdleConnsPerHost: 4096,
		IdleConnTimeout:     30 * time.Second,
	}
	defer depTransport.CloseIdleConnections()
	var calls atomic.Uint64
	var servers []*http.Server
	defer func() {
		for _, s := range servers {
			s.Close()
		}
	}()
	mux := http.NewServeMux()
	deps := make([]*liveDep, len(sc.Dependencies))
	for i, dep := range sc.Dependencies {
		d := &liveDep{r: r, name: dep.Name, cfg: dep.Client, calls: &calls, base: base,
			key: r.seed ^ hashString(dep.Name), client: &http.Client{Transport: depTransport}}
		if d.fake, err = r.newFake(i, nil); err != nil {
			return err
		}
		if d.b, err = r.newBreaker(i, nil); err != nil {
			return err
		}
		ln, err := listenLoopback()
		if err != nil {
			return err
		}
		d.srv = &http.Server{Handler: d.fake, ReadHeaderTimeout: 5 * time.Second}
		servers = append(servers, d.srv)
		go d.srv.Serve(ln)
		d.url = "http://" + ln.Addr().String() + "/" + dep.Name
		mux.Handle("/call/"+dep.Name, d)
		deps[i] = d
	}
	guardLn, err := listenLoopback()
	if err != nil {
		return err
	}
	guard := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go guard.Serve(guardLn)
	defer r.observe()()

	// The progress line, from its own goroutine.
	stopProgress := make(chan struct{})
	var progressDone sync.WaitGroup
	if r.opts.Progress != nil {
		progressDone.Add(1)
		go func() {
			defer progressDone.Done()
			t := time.NewTicker(r.opts.ProgressEvery)
			defer t.Stop()
			for {
				select {
				case <-stopProgress:
					return
				case <-t.C:
					r.opts.Progress(r.progress(since(), calls.Load()))
				}
			}
		}()
	}

	stats, attackErr := r.attack(ctx, "http://"+guardLn.Addr().String(), deps)
	r.live = stats

	// Let calls in flight finish, then cut the rest off.
	drainCtx, cancelDrain := context.WithTimeout(context.Background(), liveDrain)
	shutdownErr := guard.Shutdown(drainCtx)
	cancelDrain()
	if shutdownErr != nil {
		cancelBase()
		guard.Close()
	}
	r.elapsed = since()
	for _, s := range servers {
		s.Close()
	}
	servers = nil
	depTransport.CloseIdleConnections()
	close(stopProgress)
	progressDone.Wait()
	r.writeSnapshots(since)
	if r.opts.Progress != nil {
		r.opts.Progress(r.progress(r.elapsed, calls.Load()))
	}
	if attackErr != nil {
		return attackErr
	}
	if ctx.Err() == nil && stats.AchievedRate < minAchievedShare*stats.TargetRate {
		return fmt.Errorf("%w: %s: %.0f/s of %.0f/s (%.0f%%): the load generator was the bottleneck, lower the rate",
			ErrRateShort, sc.Name, stats.AchievedRate, stats.TargetRate, 100*stats.AchievedRate/stats.TargetRate)
	}
	return nil
}

// attack runs one vegeta attack at the guard and writes vegeta.bin.
func (r *runner) attack(ctx context.Context, guardURL string, deps []*liveDep) (*LiveStats, error) {
	var targets []vegeta.Target
	for i, d := range deps {
		targets = append(targets, weighted(r.sc.Dependencies[i].Share(),
			vegeta.Target{Method: http.MethodGet, URL: guardURL + "/call/" + d.name})...)
	}
	return r.attackTargets(ctx, targets, nil, nil)
}

// ServeHTTP is the guarded endpoint: one call to the fake through the breaker.
func (d *liveDep) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r := d.r
	seq := d.seq.Add(1) - 1
	d.calls.Add(1)
	since := func() time.Duration { return time.Since(r.t0) }
	a := d.b.call(req.Context(), func(ctx context.Context) error { return d.call(ctx, seq) }, since)
	c := a.record(seq, d.name, d.cfg.Fallback)
	c.Err = errText(a.err)
	r.w.WriteCall(c)
	switch {
	case c.Outcome == record.OutcomeSuccess || c.Fallback:
		w.WriteHeader(http.StatusOK)
	case !a.admitted:
		w.WriteHeader(http.StatusServiceUnavailable)
	default:
		w.WriteHeader(http.StatusBadGateway)
	}
}

// call makes one request to the fake, honouring the client's timeout and
// cancellations; a 5xx or 429 answer is an error.
func (d *liveDep) call(parent context.Context, seq uint64) error {
	ctx, cancel := context.WithTimeout(parent, cmp.Or(d.cfg.Timeout, defaultLiveTimeout))
	defer cancel()
	stop := context.AfterFunc(d.base, cancel)
	defer stop()
	if d.cfg.CancelRate > 0 && unitFloat(d.key, seq) < d.cfg.CancelRate {
		var cancelCall context.CancelFunc
		ctx, cancelCall = context.WithCancel(ctx)
		t := time.AfterFunc(cmp.Or(d.cfg.CancelAfter, time.Millisecond), cancelCall)
		defer t.Stop()
		defer cancelCall()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.url, nil)
	if err != nil {
		return err
	}
	req.Header[fakes.HeaderSeq] = []string{strconv.FormatUint(seq, 10)}
	resp, err := d.client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	switch {
	case err != nil:
		return err
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return &StatusError{Code: resp.StatusCode}
	}
	return nil
}

// StatusError is a dependency's error answer in live mode.
type StatusError struct{ Code int }

// Error returns "status CODE".
func (e *StatusError) Error() string { return "status " + strconv.Itoa(e.Code) }

// shapePacer adapts a [scenarios.Shape] to vegeta's Pacer.
type shapePacer struct{ s scenarios.Shape }

var _ vegeta.Pacer = shapePacer{}

// Pace returns the wait until call number hits is due.
func (p shapePacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	next := p.s.At(float64(hits))
	if next == scenarios.Never {
		return 0, true
	}
	return max(next-elapsed, 0), false
}

// Rate returns the profile's rate at elapsed.
func (p shapePacer) Rate(elapsed time.Duration) float64 { return p.s.Rate(elapsed) }

// listenLoopback listens on an ephemeral loopback port.
func listenLoopback() (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("scenarios: listening on loopback: %w", err)
	}
	return ln, nil
}

// hashString is FNV-1a, to key per-dependency random streams.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// unitFloat is a uniform number in [0, 1) that depends only on key and seq
// (splitmix64), so live cancellations are decided per call, reproducibly.
func unitFloat(key, seq uint64) float64 {
	z := key + (seq+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11) / (1 << 53)
}
