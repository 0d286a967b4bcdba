package breaker

import (
	"errors"
	"fmt"
	"sort"
	"sync"
)

// Registry holds named breakers, one per dependency: the "circuit breaker
// manager" of a service with several clients. It is safe for concurrent use by
// multiple goroutines.
type Registry struct {
	mu       sync.Mutex
	breakers map[string]*Breaker
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{breakers: make(map[string]*Breaker)}
}

// Add creates a breaker named cfg.Name. It is an error if the name is empty or
// already taken, or if cfg is invalid.
func (r *Registry) Add(cfg Config) (*Breaker, error) {
	if cfg.Name == "" {
		return nil, errNoName
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.breakers[cfg.Name]; ok {
		return nil, fmt.Errorf("breaker: Registry.Add: a breaker named %q exists already", cfg.Name)
	}
	return r.createLocked(cfg)
}

// GetOrCreate returns the breaker called name, creating it from cfg (with
// cfg.Name set to name) if there is none. An existing breaker keeps the
// configuration it was created with. An empty name is an error, as in
// [Registry.Add].
func (r *Registry) GetOrCreate(name string, cfg Config) (*Breaker, error) {
	if name == "" {
		return nil, errNoName
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if b, ok := r.breakers[name]; ok {
		return b, nil
	}
	cfg.Name = name
	return r.createLocked(cfg)
}

// errNoName is the error of Add and GetOrCreate for an empty name: a
// registry's breakers are found by name.
var errNoName = errors.New("breaker: Registry: the breaker's name is empty, want a name")

// createLocked requires r.mu held.
func (r *Registry) createLocked(cfg Config) (*Breaker, error) {
	b, err := New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%w (breaker %q)", err, cfg.Name)
	}
	r.breakers[cfg.Name] = b
	return b, nil
}

// Get returns the breaker called name, if there is one.
func (r *Registry) Get(name string) (*Breaker, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.breakers[name]
	return b, ok
}

// Names returns the names of all breakers, sorted.
func (r *Registry) Names() []string {
	r.mu.Lock()
	names := make([]string, 0, len(r.breakers))
	for name := range r.breakers {
		names = append(names, name)
	}
	r.mu.Unlock()
	sort.Strings(names)
	return names
}

// Snapshot returns a snapshot of every breaker, sorted by name.
func (r *Registry) Snapshot() []Snapshot {
	names := r.Names()
	out := make([]Snapshot, 0, len(names))
	for _, name := range names {
		if b, ok := r.Get(name); ok {
			out = append(out, b.Snapshot())
		}
	}
	return out
}
