package fakes

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// errServerClosing is why a request's context ends when its server closes,
// as opposed to its client hanging up.
var errServerClosing = errors.New("fakes: server closing")

// downPollInterval is how often a server checks whether its fakes are all
// down (a schedule can take them down at any moment); a control request
// checks at once.
const downPollInterval = 10 * time.Millisecond

// ServerConfig configures a [Server].
type ServerConfig struct {
	// Addr is the fakes' loopback address: 127.0.0.1:PORT, [::1]:PORT or
	// localhost:PORT; port 0 picks one.
	Addr string
	// Fakes are the fakes to serve; their names must be distinct.
	Fakes []*Fake
	// ControlAddr is where the control API listens: "" means on Addr,
	// beside the fakes; [NoControl] means nowhere; else a loopback address
	// of its own. Only with the control API off Addr does a down server
	// refuse connections: otherwise it must stay reachable, so a down fake
	// resets each connection instead.
	ControlAddr string
	// AllowNonLoopback lets Addr and ControlAddr be any address, such as
	// 0.0.0.0:8081 for a fake in a container or a sidecar. Off (the
	// default), an address off loopback is an error: whoever reaches a fake
	// can change its faults through the control API, which has no
	// authentication.
	AllowNonLoopback bool
}

// NoControl as [ServerConfig.ControlAddr] serves no control API.
const NoControl = "none"

// Server serves one or several fakes over HTTP on a loopback address, with
// the control API under [ControlPrefix]. With one fake, every other path is
// that fake; with several, /NAME/… is fake NAME. A request that reaches a
// down fake is reset; when every fake is down and the control API is not on
// the fakes' address, the server stops listening (connections are refused)
// and listens again on the same address once one comes back. A Server is
// safe for concurrent use by multiple goroutines.
type Server struct {
	addr        string
	controlAddr string // "" when the control API is on addr or off
	fakes       []*Fake
	byName      map[string]*Fake
	srv         *http.Server // the fakes (and the control API when shared)
	ctlSrv      *http.Server // the control API on its own address, or nil
	control     http.Handler // nil with NoControl
	shared      bool         // the control API is on addr
	ctx         context.Context
	cancel      context.CancelCauseFunc // cancels ctx with errServerClosing: ends hangs and waits at Close
	kick        chan struct{}
	wg          sync.WaitGroup

	mu     sync.Mutex
	ln     net.Listener // guarded by mu; nil while down
	closed bool         // guarded by mu
}

// NewServer listens and serves cfg.Fakes until Close. A bad address is an
// [*AddrError]: off loopback (without [ServerConfig.AllowNonLoopback]) it
// matches [ErrNotLoopback], and it wraps the listen error (such as
// syscall.EADDRINUSE).
func NewServer(cfg ServerConfig) (*Server, error) {
	if err := checkAddr(cfg.Addr, cfg.AllowNonLoopback); err != nil {
		return nil, &AddrError{Field: "addr", Addr: cfg.Addr, Err: err}
	}
	if cfg.ControlAddr != "" && cfg.ControlAddr != NoControl {
		if err := checkAddr(cfg.ControlAddr, cfg.AllowNonLoopback); err != nil {
			return nil, &AddrError{Field: "control_addr", Addr: cfg.ControlAddr, Err: err}
		}
	}
	if len(cfg.Fakes) == 0 {
		return nil, errors.New("fakes: NewServer: no fakes to serve")
	}
	s := &Server{
		fakes:  append([]*Fake(nil), cfg.Fakes...),
		byName: make(map[string]*Fake, len(cfg.Fakes)),
		kick:   make(chan struct{}, 1),
		shared: cfg.ControlAddr == "",
	}
	for _, f := range s.fakes {
		if _, dup := s.byName[f.Name()]; dup {
			return nil, fmt.Errorf("fakes: NewServer: two fakes named %q", f.Name())
		}
		s.byName[f.Name()] = f
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, &AddrError{Field: "addr", Addr: cfg.Addr, Err: err}
	}
	var ctlLn net.Listener
	if cfg.ControlAddr != "" && cfg.ControlAddr != NoControl {
		if ctlLn, err = net.Listen("tcp", cfg.ControlAddr); err != nil {
			_ = ln.Close()
			return nil, &AddrError{Field: "control_addr", Addr: cfg.ControlAddr, Err: err}
		}
		s.controlAddr = ctlLn.Addr().String()
	}
	s.addr = ln.Addr().String()
	s.ctx, s.cancel = context.WithCancelCause(context.Background())
	base := func(net.Listener) context.Context { return s.ctx }
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, BaseContext: base}
	if cfg.ControlAddr != NoControl {
		s.control = s.controlHandler()
	}
	if ctlLn != nil {
		s.ctlSrv = &http.Server{Handler: s.control, ReadHeaderTimeout: 10 * time.Second, BaseContext: base}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			_ = s.ctlSrv.Serve(ctlLn)
			_ = ctlLn.Close()
		}()
	}
	s.mu.Lock()
	s.serve(ln)
	s.mu.Unlock()
	if !s.shared {
		s.sync()
		s.wg.Add(1)
		go s.watchDown()
	}
	return s, nil
}

// Addr returns the address the fakes are served on, e.g. 127.0.0.1:8081.
func (s *Server) Addr() string { return s.addr }

// URL returns http://ADDR.
func (s *Server) URL() string { return "http://" + s.addr }

// ControlURL returns the control API's base URL, e.g.
// http://127.0.0.1:8081/_breakerlab/, or "" with [NoControl].
func (s *Server) ControlURL() string {
	switch {
	case s.control == nil:
		return ""
	case s.controlAddr != "":
		return "http://" + s.controlAddr + ControlPrefix
	}
	return s.URL() + ControlPrefix
}

// Fakes returns the fakes served, in the order given.
func (s *Server) Fakes() []*Fake { return append([]*Fake(nil), s.fakes...) }

// Listening reports whether the fakes' address accepts connections now
// (false while every fake is down and the control API is elsewhere).
func (s *Server) Listening() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ln != nil
}

// ServeHTTP routes a request to the control API or to a fake.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if strings.HasPrefix(p, ControlPrefix) || p == strings.TrimSuffix(ControlPrefix, "/") {
		if s.shared {
			s.control.ServeHTTP(w, r)
			return
		}
		msg := "the control API is off"
		if s.control != nil {
			msg = "the control API is at " + s.ControlURL()
		}
		writeError(w, http.StatusNotFound, msg)
		return
	}
	if len(s.fakes) == 1 {
		s.fakes[0].ServeHTTP(w, r)
		return
	}
	name, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if f := s.byName[name]; f != nil {
		f.ServeHTTP(w, r)
		return
	}
	writeError(w, http.StatusNotFound, fmt.Sprintf("no fake at %q: this server serves %s under /NAME/", p, strings.Join(s.names(), ", ")))
}

func (s *Server) names() []string {
	names := make([]string, len(s.fakes))
	for i, f := range s.fakes {
		names[i] = f.Name()
	}
	return names
}

// Close stops the server: listening stops, hanging and waiting requests end,
// connections close. It waits for the server's goroutines and returns nil
// when the server stopped cleanly. Close may be called more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel(errServerClosing) // ends hangs, latencies and slow bodies at once
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	for _, srv := range []*http.Server{s.srv, s.ctlSrv} {
		if srv == nil {
			continue
		}
		if err := srv.Shutdown(ctx); err != nil {
			errs = append(errs, err, srv.Close())
		}
	}
	s.wg.Wait()
	return errors.Join(errs...)
}

// serve starts serving ln. Requires s.mu held.
func (s *Server) serve(ln net.Listener) {
	s.ln = ln
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.srv.Serve(ln) // returns when ln closes: down, or Close
		_ = ln.Close()      // in case Close came before Serve began
	}()
}

// changed asks the watcher to look at the fakes' faults now.
func (s *Server) changed() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func (s *Server) watchDown() {
	defer s.wg.Done()
	t := time.NewTicker(downPollInterval)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
		}
		s.sync()
	}
}

// sync closes the listener when every fake is down and listens again when
// one is up.
func (s *Server) sync() {
	down := true
	for _, f := range s.fakes {
		if !f.isDown() {
			down = false
			break
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
	case down && s.ln != nil:
		_ = s.ln.Close()
		s.ln = nil
	case !down && s.ln == nil:
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			return // taken meanwhile: retried on the next tick
		}
		s.serve(ln)
	}
}

// AddrError is a [ServerConfig] address that cannot be used.
type AddrError struct {
	Field string // "addr" or "control_addr"
	Addr  string // the address as given
	Err   error  // why: ErrNotLoopback, a parse error or the listen error
}

// Error returns "fakes: FIELD ADDR: ERR".
func (e *AddrError) Error() string { return "fakes: " + e.Field + " " + e.Addr + ": " + e.Err.Error() }

// Unwrap returns Err.
func (e *AddrError) Unwrap() error { return e.Err }

// checkAddr accepts host:port where host is a loopback IP or localhost, or,
// with anyHost, any host.
func checkAddr(addr string, anyHost bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" || anyHost {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%w (use 127.0.0.1:PORT, [::1]:PORT or localhost:PORT)", ErrNotLoopback)
	}
	return nil
}
