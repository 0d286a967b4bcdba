package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Request headers carrying a load generator's sequence number. The service
// forwards it to the dependency as X-Breakerlab-Seq, so that breakerlab can
// match a client call with the request its fake saw.
const (
	headerSeq       = "X-Breakerlab-Seq"
	headerVegetaSeq = "X-Vegeta-Seq"
	// The load generator whose count the seq is (vegeta's -name): forwarded
	// with the seq as X-Breakerlab-Attack, so that the calls of several
	// attackers, each counting from 0, are told apart.
	headerAttack       = "X-Breakerlab-Attack"
	headerVegetaAttack = "X-Vegeta-Attack"
	// headerState, on every /call answer, is the breaker state that decided
	// the call: closed or half-open (admitted), open or half-open (rejected).
	headerState = "X-Breaker-State"
)

// maxBody bounds how much of a dependency's answer is read.
const maxBody = 1 << 20

// dependency is one dependency and the breaker that guards it.
type dependency struct {
	name    string
	url     string
	breaker *Breaker
}

// serviceConfig is what the flags configure.
type serviceConfig struct {
	listen     string
	deps       []depSpec
	breaker    Config        // the same thresholds for every dependency
	timeout    time.Duration // the service's own timeout per dependency call
	forwardSeq bool
	transport  http.RoundTripper // nil means a transport of its own
	log        *log.Logger       // transitions; nil discards them
}

// depSpec is one --dep NAME=URL.
type depSpec struct{ name, url string }

// service answers /call/{dep}, /state and /metrics. It is safe for
// concurrent use by multiple goroutines.
type service struct {
	deps       map[string]*dependency
	names      []string // sorted
	client     *http.Client
	timeout    time.Duration
	forwardSeq bool
}

// newService returns a service with one breaker per dependency.
func newService(cfg serviceConfig) *service {
	s := &service{
		deps:       make(map[string]*dependency, len(cfg.deps)),
		client:     &http.Client{Transport: cfg.transport},
		timeout:    cfg.timeout,
		forwardSeq: cfg.forwardSeq,
	}
	if s.client.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 100 // load comes in parallel; keep connections for it
		s.client.Transport = t
	}
	for _, d := range cfg.deps {
		bc := cfg.breaker
		if cfg.log != nil {
			name, logger := d.name, cfg.log
			bc.OnStateChange = func(tr Transition) {
				logger.Printf("%s %s: %s -> %s (%s), generation %d",
					tr.At.UTC().Format(time.RFC3339Nano), name, tr.From, tr.To, tr.Reason, tr.Generation)
			}
		}
		s.deps[d.name] = &dependency{name: d.name, url: d.url, breaker: NewBreaker(bc)}
		s.names = append(s.names, d.name)
	}
	sort.Strings(s.names)
	return s
}

// handler routes the service's endpoints.
func (s *service) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /call/{dep}", s.handleCall)
	mux.HandleFunc("GET /state", s.handleState)
	mux.HandleFunc("GET /metrics", s.handleMetrics)
	return mux
}

// close releases the idle connections to the dependencies.
func (s *service) close() { s.client.CloseIdleConnections() }

// answer is the JSON body of a /call answer.
type answer struct {
	Dep    string `json:"dep"`
	Result string `json:"result"` // ok, rejected or failed
	Error  string `json:"error,omitempty"`
}

// handleCall calls one dependency through its breaker: 200 on success, 503
// when the breaker rejected the call, 502 when the dependency failed or
// did not answer in time.
func (s *service) handleCall(w http.ResponseWriter, r *http.Request) {
	d := s.deps[r.PathValue("dep")]
	if d == nil {
		http.Error(w, fmt.Sprintf("unknown dependency %q; have %s", r.PathValue("dep"), strings.Join(s.names, ", ")), http.StatusNotFound)
		return
	}
	t, err := d.breaker.Allow()
	if err != nil {
		state := Open
		if errors.Is(err, ErrTooManyProbes) {
			state = HalfOpen
		}
		w.Header().Set(headerState, state.String())
		writeJSON(w, http.StatusServiceUnavailable, answer{Dep: d.name, Result: "rejected", Error: err.Error()})
		return
	}
	err = s.call(r, d) // outside any lock
	d.breaker.Done(t, err)
	w.Header().Set(headerState, t.State().String())
	if err != nil {
		writeJSON(w, http.StatusBadGateway, answer{Dep: d.name, Result: "failed", Error: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, answer{Dep: d.name, Result: "ok"})
}

// call makes one request to d within the service's timeout. The error
// wraps context.Canceled when the caller hung up, context.DeadlineExceeded
// when the timeout passed.
func (s *service) call(r *http.Request, d *dependency) error {
	ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
	defer cancel()
	err := s.roundTrip(ctx, r.Header, d)
	switch {
	case err == nil:
		return nil
	case r.Context().Err() != nil:
		return fmt.Errorf("%s: the caller hung up: %w", d.name, context.Canceled)
	case ctx.Err() != nil:
		return fmt.Errorf("%s: no answer within %s: %w", d.name, s.timeout, context.DeadlineExceeded)
	}
	return err
}

// roundTrip sends one GET to d and reads the whole answer: a transport
// error, a truncated body, a 5xx or a 429 is a failure.
func (s *service) roundTrip(ctx context.Context, in http.Header, d *dependency) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.url, nil)
	if err != nil {
		return err
	}
	if s.forwardSeq {
		if seq := in.Get(headerSeq); seq != "" {
			req.Header.Set(headerSeq, seq)
			if a := in.Get(headerAttack); a != "" {
				req.Header.Set(headerAttack, a)
			}
		} else if seq := in.Get(headerVegetaSeq); seq != "" {
			req.Header.Set(headerSeq, seq)
			if a := in.Get(headerVegetaAttack); a != "" {
				req.Header.Set(headerAttack, a)
			}
		}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody)); err != nil {
		return fmt.Errorf("%s: reading the answer: %w", d.name, err)
	}
	if resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests {
		return fmt.Errorf("%s answered %s", d.name, resp.Status)
	}
	return nil
}

// handleState answers {"iam":"closed", ...}: each breaker's reported state.
func (s *service) handleState(w http.ResponseWriter, _ *http.Request) {
	states := make(map[string]string, len(s.names))
	for _, name := range s.names {
		states[name] = s.deps[name].breaker.ReportedState().String()
	}
	writeJSON(w, http.StatusOK, states)
}

// handleMetrics answers the Prometheus text gauge breaker_state: 1 for each
// breaker's reported state, 0 for its other states.
func (s *service) handleMetrics(w http.ResponseWriter, _ *http.Request) {
	var b strings.Builder
	b.WriteString("# HELP breaker_state Circuit breaker state per dependency: 1 for the current state, 0 for the others.\n")
	b.WriteString("# TYPE breaker_state gauge\n")
	for _, name := range s.names {
		now := s.deps[name].breaker.ReportedState()
		for _, st := range []State{Closed, Open, HalfOpen} {
			v := 0
			if st == now {
				v = 1
			}
			fmt.Fprintf(&b, "breaker_state{breaker=%q,state=%q} %d\n", name, st, v)
		}
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = io.WriteString(w, b.String())
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
