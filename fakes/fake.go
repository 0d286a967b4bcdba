package fakes

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a [Fake]. The zero value is a healthy fake named "fake"
// with seed 0 on the real clock.
type Config struct {
	// Name names the fake in records, errors and server paths: letters,
	// digits, '-', '_' and '.'; "" means the preset's name, or "fake".
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	// Preset is the base profile (see [Presets]); "" means none.
	Preset string `yaml:"preset,omitempty" json:"preset,omitempty"`
	// Faults are laid over the preset (see [Faults.Over]).
	Faults Faults `yaml:"faults,omitempty" json:"faults,omitzero"`
	// Schedule changes the faults over time; nil keeps them steady.
	Schedule *Schedule `yaml:"schedule,omitempty" json:"schedule,omitempty"`
	// Seed seeds every decision; the same seed and sequence numbers give
	// the same faults.
	Seed int64 `yaml:"seed,omitempty" json:"seed,omitempty"`
	// LogSize is how many records the in-memory log keeps for [Fake.Log];
	// 0 means 10 000; negative is an error.
	LogSize int `yaml:"log_size,omitempty" json:"log_size,omitempty"`
	// Now is the clock; nil means time.Now. A simulation injects its
	// virtual clock here.
	Now func() time.Time `yaml:"-" json:"-"`
	// Start is when the schedule's clock starts; zero means Now() in [New].
	Start time.Time `yaml:"-" json:"-"`
	// OnRecord is called with every request's record, on the request's
	// goroutine and outside any lock; it must be safe for concurrent use.
	// A [LogWriter]'s Write fits here. Nil means none.
	OnRecord func(Record) `yaml:"-" json:"-"`
}

const defaultLogSize = 10_000

// Forever is the latency [Fake.Simulate] reports for a hang: the call would
// never return on its own; the caller's timeout decides.
const Forever = time.Duration(math.MaxInt64)

// Fake is a fault-injecting dependency. Every request gets a [Decision]
// from the faults in force and a seeded source keyed on its sequence
// number; the fake serves it in-process ([Fake.Call], [Fake.Simulate]) or
// over HTTP ([Fake.ServeHTTP]), records it and counts it. Faults can be
// replaced while requests run. A Fake is safe for concurrent use by
// multiple goroutines.
type Fake struct {
	name     string
	cfg      Config
	key      uint64
	now      func() time.Time
	onRecord func(Record)

	initial *fakeState // the Config's faults and schedule, for Reset

	state    atomic.Pointer[fakeState]
	nextSeq  atomic.Int64 // sequence number for requests that bring none
	lastSeq  atomic.Int64 // highest sequence number seen, -1 before any
	inFlight atomic.Int64
	counts   [numKinds]atomic.Uint64

	mu    sync.Mutex
	ring  []Record // guarded by mu: the last len(ring) records
	total uint64   // guarded by mu: records ever written (since Reset)
}

// fakeState is what a control request swaps atomically.
type fakeState struct {
	start    time.Time
	base     Faults    // preset with the fake's faults over it
	faults   Faults    // the fake's own faults (without the preset)
	schedule *Schedule // nil: steady
	plan     *schedulePlan
}

// New returns a fake, or an error naming the first invalid field of cfg.
func New(cfg Config) (*Fake, error) {
	if cfg.Name == "" {
		cfg.Name = cfg.Preset
		if cfg.Name == "" {
			cfg.Name = "fake"
		}
	}
	if err := validName(cfg.Name); err != nil {
		return nil, err
	}
	if cfg.LogSize < 0 {
		return nil, fieldErr("log_size", "must not be negative (0 means %d), got %d", defaultLogSize, cfg.LogSize)
	}
	if cfg.LogSize == 0 {
		cfg.LogSize = defaultLogSize
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Start.IsZero() {
		cfg.Start = cfg.Now()
	}
	f := &Fake{
		name:     cfg.Name,
		key:      streamKey(cfg.Seed, cfg.Name),
		now:      cfg.Now,
		onRecord: cfg.OnRecord,
		ring:     make([]Record, cfg.LogSize),
	}
	if cfg.Schedule != nil {
		s := cloneSchedule(*cfg.Schedule)
		cfg.Schedule = &s
	}
	f.cfg = cfg
	st, err := f.newState(cfg.Start, cfg.Faults, cfg.Schedule)
	if err != nil {
		return nil, err
	}
	f.initial = st
	f.state.Store(st)
	f.lastSeq.Store(-1)
	return f, nil
}

func validName(name string) error {
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fieldErr("name", "%q: use letters, digits, '-', '_' and '.' only", name)
		}
	}
	return nil
}

// newState validates and compiles faults and schedule over the preset.
func (f *Fake) newState(start time.Time, faults Faults, sched *Schedule) (*fakeState, error) {
	base, err := Preset(f.cfg.Preset)
	if err != nil {
		return nil, &FieldError{Field: "preset", Reason: err.Error()}
	}
	if err := faults.Validate(); err != nil {
		return nil, err
	}
	base = faults.Over(base)
	if sched != nil {
		if err := sched.Validate(); err != nil {
			return nil, prefixField("schedule", err)
		}
	}
	return &fakeState{
		start: start, base: base, faults: faults, schedule: sched,
		plan: compileSchedule(f.name, base, sched),
	}, nil
}

// Name returns the fake's name.
func (f *Fake) Name() string { return f.name }

// Config returns the configuration the fake was built with, defaults
// filled in.
func (f *Fake) Config() Config { return f.cfg }

// Faults returns the fake's steady faults laid over its preset.
func (f *Fake) Faults() Faults { return f.state.Load().base }

// Schedule returns a copy of the schedule in force, or nil.
func (f *Fake) Schedule() *Schedule {
	s := f.state.Load().schedule
	if s == nil {
		return nil
	}
	c := cloneSchedule(*s)
	return &c
}

// Elapsed returns the time since the schedule's clock started.
func (f *Fake) Elapsed() time.Duration { return f.now().Sub(f.state.Load().start) }

// Active returns the faults in force now.
func (f *Fake) Active() Faults {
	st := f.state.Load()
	if st.schedule == nil {
		return st.base
	}
	return st.schedule.At(f.now().Sub(st.start), st.base)
}

// Phase returns the label of the schedule phase in force now ("base"
// before the first phase or without a schedule).
func (f *Fake) Phase() string {
	st := f.state.Load()
	if st.schedule == nil {
		return "base"
	}
	return st.schedule.Label(f.now().Sub(st.start))
}

// SetFaults replaces the fake's faults (laid over its preset) and drops
// its schedule. Requests already decided keep their faults.
func (f *Fake) SetFaults(faults Faults) error {
	st, err := f.newState(f.state.Load().start, faults, nil)
	if err != nil {
		return err
	}
	f.state.Store(st)
	return nil
}

// SetSchedule applies a schedule over the fake's current faults; its clock
// starts now. Nil drops the schedule.
func (f *Fake) SetSchedule(s *Schedule) error {
	cur := f.state.Load()
	if s != nil {
		c := cloneSchedule(*s)
		s = &c
	}
	st, err := f.newState(f.now(), cur.faults, s)
	if err != nil {
		return err
	}
	f.state.Store(st)
	return nil
}

// Reset restores the faults and schedule of the fake's Config, restarts
// the schedule's clock now, and clears the counters, the log and the
// arrival count. Requests in flight during a Reset may be counted either
// side of it.
func (f *Fake) Reset() {
	st := *f.initial
	st.start = f.now()
	f.state.Store(&st)
	f.nextSeq.Store(0)
	f.lastSeq.Store(-1)
	for i := range f.counts {
		f.counts[i].Store(0)
	}
	f.mu.Lock()
	clear(f.ring)
	f.total = 0
	f.mu.Unlock()
}

// isDown reports whether the faults in force now refuse every request.
func (f *Fake) isDown() bool {
	st := f.state.Load()
	p, _ := st.plan.at(f.now().Sub(st.start))
	return p.faults.Down
}

func cloneSchedule(s Schedule) Schedule {
	s.Phases = append([]Phase(nil), s.Phases...)
	for i := range s.Phases {
		s.Phases[i].Sequence.Steps = append([]Step(nil), s.Phases[i].Sequence.Steps...)
	}
	if s.Flap != nil {
		fl := *s.Flap
		fl.Faults.Sequence.Steps = append([]Step(nil), fl.Faults.Sequence.Steps...)
		s.Flap = &fl
	}
	if s.Brownout != nil {
		b := *s.Brownout
		s.Brownout = &b
	}
	return s
}
