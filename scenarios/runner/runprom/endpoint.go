package runprom

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// ErrNotLoopback matches the error of [Listen] for an address beyond this
// machine when non-loopback addresses were not allowed.
var ErrNotLoopback = errors.New("runprom: address is not loopback")

// Endpoint serves /metrics over HTTP: the metrics of the run it observes
// (see [Endpoint.Observe]), and after that run the values it ended with,
// until the next run starts or the endpoint is closed. It is safe for
// concurrent use by multiple goroutines.
type Endpoint struct {
	srv    *http.Server
	addr   string
	served chan struct{} // closed when Serve has returned

	mu     sync.Mutex
	view   *runner.View // the run going on; nil when none
	frozen *reading     // the last run's final reading, once it ended
}

// Listen listens on addr (HOST:PORT) and serves /metrics there until
// [Endpoint.Close]. addr must be a loopback address — 127.0.0.1:PORT,
// [::1]:PORT or localhost:PORT — unless allowNonLoopback is set; port 0
// picks a free port ([Endpoint.Addr] says which).
func Listen(addr string, allowNonLoopback bool) (*Endpoint, error) {
	if err := checkAddr(addr, allowNonLoopback); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("runprom: %w", err)
	}
	e := &Endpoint{addr: ln.Addr().String(), served: make(chan struct{})}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(&collector{e: e})
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	e.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	// One connection per scrape: a kept-alive connection's goroutine would
	// outlive the run it was opened in, and count as a leak there (I11).
	e.srv.SetKeepAlivesEnabled(false)
	go func() {
		defer close(e.served)
		_ = e.srv.Serve(ln) // returns http.ErrServerClosed once Close is called
	}()
	return e, nil
}

// checkAddr checks that addr is HOST:PORT, and a loopback address unless
// allowNonLoopback.
func checkAddr(addr string, allowNonLoopback bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("runprom: address %q: %w; want HOST:PORT, e.g. 127.0.0.1:9464", addr, err)
	}
	if allowNonLoopback || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%w: %q (want 127.0.0.1:PORT, [::1]:PORT or localhost:PORT)", ErrNotLoopback, addr)
	}
	return nil
}

// Addr returns the address served, HOST:PORT, with the port chosen if
// Listen was given port 0.
func (e *Endpoint) Addr() string { return e.addr }

// URL returns the metrics URL, http://HOST:PORT/metrics.
func (e *Endpoint) URL() string { return "http://" + e.addr + "/metrics" }

// Observe is a [runner.Options].Observe: from now on the endpoint serves
// the metrics of the run v shows. The function it returns takes the run's
// final reading, which the endpoint serves from then on.
func (e *Endpoint) Observe(v *runner.View) (end func()) {
	e.mu.Lock()
	e.view, e.frozen = v, nil
	e.mu.Unlock()
	return func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.view != v {
			return // a later run took over
		}
		r := read(v, false)
		e.view, e.frozen = nil, &r
	}
}

// current returns what a scrape shows: the run going on, read now, or the
// last run's final reading (nil before any run). A run's view is read only
// under mu, so that no read happens after the run's end function returned.
func (e *Endpoint) current() *reading {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.view != nil {
		r := read(e.view, true)
		return &r
	}
	return e.frozen
}

// Close stops serving: it lets a scrape in progress finish (for up to a
// second), then closes every connection and returns once the server has
// stopped accepting.
func (e *Endpoint) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := e.srv.Shutdown(ctx)
	if err != nil {
		err = e.srv.Close()
	}
	<-e.served
	return err
}
