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

// runLive drives the scenario in real time: vegeta sends HTTP load at the
// guarded endpoint, whose handler calls each dependency's fake (served on
// loopback) through its breaker. The guarded endpoint is served to vegeta
// in-process (guardTransport): its requests and answers are what vegeta
// sends and gets, without a socket between them, so the harness spends its
// time on the hop that matters, the breaker's call to the fake.
func (r *runner) runLive(ctx context.Context) error {
	since := func() time.Duration { return time.Since(r.t0) }
	l := &liveRun{r: r}
	defer l.close()
	if err := l.start(); err != nil {
		return err
	}
	defer r.observe()()
	stopProgress := r.startProgress(since, l.calls.Load)

	stopCutOff := l.cutOffAfterLoad(ctx, r.sc.Duration)
	stats, attackErr := r.attack(ctx, l.client(), l.deps)
	stopCutOff()
	r.live = stats
	r.elapsed = since()
	l.close()
	stopProgress()
	r.writeSnapshots(since)
	if r.opts.Progress != nil {
		r.opts.Progress(r.progress(r.elapsed, l.calls.Load()))
	}
	if attackErr != nil {
		return attackErr
	}
	if ctx.Err() == nil && stats.AchievedRate < minAchievedShare*stats.TargetRate {
		return fmt.Errorf("%w: %s: %.0f/s of %.0f/s (%.0f%%): the load generator was the bottleneck, lower the rate",
			ErrRateShort, r.sc.Name, stats.AchievedRate, stats.TargetRate, 100*stats.AchievedRate/stats.TargetRate)
	}
	return nil
}

// liveRun is a live run's servers: each fake's, and the guarded endpoint
// (the guard) in front of the breakers.
type liveRun struct {
	r *runner
	// base is cancelled to end calls to the fakes still running when the
	// drain is over.
	base       context.Context
	cancelBase context.CancelFunc
	transport  *http.Transport // outgoing calls to the fakes share it
	servers    []*http.Server  // the fakes'
	guard      *http.ServeMux
	deps       []*liveDep
	calls      atomic.Uint64 // calls the guard has taken
}

// guardURL is where vegeta's targets point: the guard, served in-process
// by guardTransport (the host is never dialled).
const guardURL = "http://guard.breakerlab"

// start builds each dependency's fake and breaker, serves the fakes, and
// routes the guard's paths.
func (l *liveRun) start() error {
	r, sc := l.r, l.r.sc
	l.base, l.cancelBase = context.WithCancel(context.Background())
	l.transport = &http.Transport{
		DialContext:         (&net.Dialer{Timeout: time.Second}).DialContext,
		MaxIdleConns:        4096,
		MaxIdleConnsPerHost: 4096,
		IdleConnTimeout:     30 * time.Second,
	}
	l.guard = http.NewServeMux()
	l.deps = make([]*liveDep, len(sc.Dependencies))
	var err error
	for i, dep := range sc.Dependencies {
		d := &liveDep{r: r, name: dep.Name, cfg: dep.Client, calls: &l.calls, base: l.base,
			key: r.seed ^ hashString(dep.Name), client: &http.Client{Transport: l.transport}}
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
		l.servers = append(l.servers, d.srv)
		go d.srv.Serve(ln)
		d.url = "http://" + ln.Addr().String() + "/" + dep.Name
		l.guard.Handle("/call/"+dep.Name, d)
		l.deps[i] = d
	}
	return nil
}

// client is vegeta's client: it reaches the guard in-process.
func (l *liveRun) client() *http.Client {
	return &http.Client{Transport: guardTransport{l.guard}, Timeout: 30 * time.Second}
}

// cutOffAfterLoad lets calls in flight when the load stops (after
// duration, or at ctx's end) finish for up to liveDrain, then cuts the
// rest off. The returned function stops the watch.
func (l *liveRun) cutOffAfterLoad(ctx context.Context, duration time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		loadEnd := time.NewTimer(duration)
		defer loadEnd.Stop()
		select {
		case <-loadEnd.C:
		case <-ctx.Done():
		case <-done:
			return
		}
		drain := time.NewTimer(liveDrain)
		defer drain.Stop()
		select {
		case <-drain.C:
			l.cancelBase()
		case <-done:
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// guardTransport serves vegeta's requests with the guard's handler, in
// the calling goroutine: the answer is the status the handler wrote, with
// no body.
type guardTransport struct{ h http.Handler }

func (t guardTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	w := &statusWriter{header: http.Header{}}
	t.h.ServeHTTP(w, req)
	code := cmp.Or(w.code, http.StatusOK)
	return &http.Response{
		Status: strconv.Itoa(code) + " " + http.StatusText(code), StatusCode: code,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: w.header, Body: http.NoBody, Request: req,
	}, nil
}

// statusWriter keeps the status a handler writes and discards its body.
type statusWriter struct {
	header http.Header
	code   int
}

func (w *statusWriter) Header() http.Header { return w.header }

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(b), nil
}

// close stops the fakes' servers and the calls to them; it may be called
// more than once.
func (l *liveRun) close() {
	for _, s := range l.servers {
		s.Close()
	}
	l.servers = nil
	if l.transport != nil {
		l.transport.CloseIdleConnections()
	}
	if l.cancelBase != nil {
		l.cancelBase()
	}
}

// startProgress reports progress every Options.ProgressEvery from a
// goroutine of its own, until the returned function is called.
func (r *runner) startProgress(since func() time.Duration, calls func() uint64) (stop func()) {
	if r.opts.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(r.opts.ProgressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				r.opts.Progress(r.progress(since(), calls()))
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// attack runs one vegeta attack at the guard through client and writes
// vegeta.bin.
func (r *runner) attack(ctx context.Context, client *http.Client, deps []*liveDep) (*LiveStats, error) {
	var targets []vegeta.Target
	for i, d := range deps {
		targets = append(targets, weighted(r.sc.Dependencies[i].Share(),
			vegeta.Target{Method: http.MethodGet, URL: guardURL + "/call/" + d.name})...)
	}
	return r.attackTargets(ctx, targets, client, nil, nil)
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
	d.b.calls.add(&c)
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
		return nil, fmt.Errorf("%w: listening on loopback: %w", ErrSetup, err)
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
