package breaker

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

// model is a small sequential statement of the rules, written independently of
// the implementation, to check it against.
type model struct {
	cfg                         Config
	state                       State
	gen                         uint64
	failures, successes, flight int
	probeAt                     time.Time
	forced                      bool
	totals                      Totals
	counts                      TransitionCounts
	openedAt                    time.Time
	openTime                    time.Duration // ended open stretches
}

type modelTicket struct {
	gen   uint64
	state State
	real  Ticket
}

func (m *model) transition(to State, at time.Time) {
	m.counts.Add(m.state, to)
	if m.state == Open {
		m.openTime += at.Sub(m.openedAt)
	}
	if to == Open {
		m.openedAt = at
	}
	m.state, m.gen = to, m.gen+1
	m.failures, m.successes, m.flight = 0, 0, 0
	m.forced = false
	if to == Open {
		m.probeAt = at.Add(m.cfg.RecoveryTimeout)
	}
}

func (m *model) advance(now time.Time) {
	if m.state == Open && !m.forced && !now.Before(m.probeAt) {
		m.transition(HalfOpen, m.probeAt)
	}
}

// allow returns whether a call is admitted and, if not, the sentinel.
func (m *model) allow(now time.Time) (bool, error) {
	m.advance(now)
	switch {
	case m.state == Closed:
		return true, nil
	case m.state == HalfOpen && m.flight < m.cfg.HalfOpenMaxCalls:
		m.flight++
		return true, nil
	case m.state == HalfOpen:
		m.totals.Rejected++
		return false, ErrTooManyProbes
	}
	m.totals.Rejected++
	return false, ErrOpen
}

func (m *model) done(t modelTicket, o Outcome, now time.Time) {
	switch o {
	case Success:
		m.totals.Success++
	case Failure:
		m.totals.Failure++
	case Ignored:
		m.totals.Ignored++
	}
	if t.gen != m.gen {
		return
	}
	switch m.state {
	case Closed:
		if o == Success {
			m.failures = 0
		} else if o == Failure {
			m.failures++
			if m.failures >= m.cfg.FailureThreshold {
				m.transition(Open, now)
			}
		}
	case HalfOpen:
		m.flight--
		if o == Success {
			m.successes++
			if m.successes >= m.cfg.SuccessThreshold {
				m.transition(Closed, now)
			}
		} else if o == Failure {
			m.transition(Open, now)
		}
	}
}

// runModel drives a breaker and the model with the same operations, read from
// next (values in [0, 256)), and reports the first disagreement.
func runModel(t *testing.T, cfg Config, ops int, next func() int) {
	t.Helper()
	c := &clock{now: t0}
	cfg.Now, cfg.Logger = c.Now, discard
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := &model{cfg: b.Config(), gen: 1}
	var pending []modelTicket
	results := []error{nil, errBoom, context.Canceled}
	for i := range ops {
		op := next()
		now := c.Now()
		switch {
		case op < 100: // ask for a call
			tk, err := b.Allow()
			ok, want := m.allow(now)
			if (err == nil) != ok || (want != nil && !errors.Is(err, want)) {
				t.Fatalf("op %d allow at %v: breaker err=%v, model admits=%v want=%v", i, now.Sub(t0), err, ok, want)
			}
			if ok {
				if tk.Generation() != m.gen {
					t.Fatalf("op %d: ticket generation %d, model %d", i, tk.Generation(), m.gen)
				}
				pending = append(pending, modelTicket{gen: m.gen, state: m.state, real: tk})
			}
		case op < 200: // finish a pending call
			if len(pending) == 0 {
				continue
			}
			k := next() % len(pending)
			tk := pending[k]
			pending = append(pending[:k], pending[k+1:]...)
			err := results[next()%len(results)]
			o := tk.real.Done(err)
			m.done(tk, o, now)
		case op < 240: // move the clock
			c.Add(time.Duration(next()%40) * 2 * time.Second)
		case op < 245:
			b.Reset()
			m.transition(Closed, now)
		case op < 248:
			b.ForceOpen()
			if m.state == Open {
				m.forced = true
			} else {
				m.transition(Open, now)
				m.forced = true
			}
		default:
			if s := b.State(); s != func() State { m.advance(now); return m.state }() {
				t.Fatalf("op %d: State() = %v, model %v", i, s, m.state)
			}
		}
		s := b.Snapshot()
		m.advance(c.Now())
		openTime := m.openTime
		if m.state == Open {
			openTime += c.Now().Sub(m.openedAt)
		}
		if s.State != m.state || s.Generation != m.gen || s.ConsecutiveFailures != m.failures ||
			s.ConsecutiveSuccesses != m.successes || s.ProbesInFlight != m.flight || s.Totals != m.totals ||
			s.Transitions != m.counts || s.OpenTime != openTime {
			t.Fatalf("op %d (%d) at %v: breaker %+v\nmodel state=%v gen=%d failures=%d successes=%d flight=%d totals=%+v counts=%+v open=%v",
				i, op, c.Now().Sub(t0), s, m.state, m.gen, m.failures, m.successes, m.flight, m.totals, m.counts, openTime)
		}
	}
}

var modelConfigs = []Config{
	{},
	{FailureThreshold: 1, SuccessThreshold: 1, RecoveryTimeout: 10 * time.Second},
	{FailureThreshold: 3, SuccessThreshold: 3, HalfOpenMaxCalls: 1, RecoveryTimeout: 30 * time.Second},
	{FailureThreshold: 2, SuccessThreshold: 2, HalfOpenMaxCalls: 4},
}

func TestModel(t *testing.T) {
	for seed := range uint64(300) {
		cfg := modelConfigs[seed%uint64(len(modelConfigs))]
		r := rand.New(rand.NewPCG(seed, 1))
		runModel(t, cfg, 2000, func() int { return r.IntN(256) })
	}
}

func FuzzModel(f *testing.F) {
	f.Add([]byte{0, 150, 0, 0, 0, 0, 0, 0, 150, 0, 1, 150, 0, 1, 220, 30, 0, 150, 0, 0})
	f.Add([]byte{3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 120, 0, 1, 230, 39, 0, 0, 130, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		cfg := modelConfigs[int(data[0])%len(modelConfigs)]
		data = data[1:]
		i := 0
		next := func() int {
			if i >= len(data) {
				return 0
			}
			i++
			return int(data[i-1])
		}
		runModel(t, cfg, len(data), next)
	})
}
