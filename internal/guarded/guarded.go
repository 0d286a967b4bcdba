package guarded

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/fakes"
)

// Config configures a Service.
type Config struct {
	// DepURL is the dependency's URL: a fake's.
	DepURL string
	// Breaker configures the service's breaker; an empty Name is "iam",
	// a nil Logger discards.
	Breaker breaker.Config
	// Timeout bounds each call to the dependency. Zero means 200 ms.
	Timeout time.Duration
	// ForwardAttack forwards vegeta's attack name besides its seq.
	ForwardAttack bool
}

// Service is the running service; Close stops it.
type Service struct {
	*httptest.Server
	Breaker *breaker.Breaker
	client  *http.Client
}

// Start starts a Service on loopback.
func Start(cfg Config) (*Service, error) {
	if cfg.Breaker.Name == "" {
		cfg.Breaker.Name = "iam"
	}
	if cfg.Breaker.Logger == nil {
		cfg.Breaker.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 200 * time.Millisecond
	}
	b, err := breaker.New(cfg.Breaker)
	if err != nil {
		return nil, err
	}
	// No connection kept open between calls: one would outlive a run and
	// count as a leaked goroutine against it.
	s := &Service{Breaker: b, client: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /state", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `{%q:%q}`, cfg.Breaker.Name, b.State().String())
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		err := b.Execute(r.Context(), func(ctx context.Context) error { return s.callDep(ctx, cfg, r.Header) })
		switch {
		case errors.Is(err, breaker.ErrOpen), errors.Is(err, breaker.ErrTooManyProbes):
			w.WriteHeader(http.StatusServiceUnavailable)
		case err != nil:
			w.WriteHeader(http.StatusBadGateway)
		}
	})
	s.Server = httptest.NewServer(mux)
	return s, nil
}

// callDep makes one call to the dependency for a caller whose request
// carried header h.
func (s *Service) callDep(ctx context.Context, cfg Config, h http.Header) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.DepURL, nil)
	if err != nil {
		return err
	}
	req.Header.Set(fakes.HeaderSeq, h.Get(fakes.HeaderVegetaSeq))
	if cfg.ForwardAttack {
		req.Header.Set(fakes.HeaderAttack, h.Get(fakes.HeaderVegetaAttack))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// Close stops the service.
func (s *Service) Close() {
	s.Server.Close()
	s.client.CloseIdleConnections()
}
