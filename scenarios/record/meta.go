package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// SchemaVersion is the version of the run directory's files this package
// writes. Version 2 records calls and dependency requests as compressed
// binary records (CallsFile, DependencyFile); version 1 recorded them as
// JSON lines (calls.jsonl, dependency.jsonl). The readers read both.
const SchemaVersion = 2

// oldestSchema is the oldest schema version the readers read.
const oldestSchema = 1

// The file names inside a run directory. [OpenFile] finds a schema-1 run's
// calls.jsonl and dependency.jsonl under CallsFile and DependencyFile.
const (
	MetaFile        = "meta.json"
	CallsFile       = "calls.bin"
	TransitionsFile = "transitions.jsonl"
	DependencyFile  = "dependency.bin"
	SnapshotsFile   = "snapshots.jsonl"
	VerdictFile     = "verdict.json"
	OmittedFile     = "omitted.jsonl" // only in a run recorded at the windows level
)

// The run modes in Meta.Mode.
const (
	ModeSim      = "sim"
	ModeLive     = "live"
	ModeStress   = "stress" // real time, in-process, many goroutines calling back to back
	ModeExternal = "external"
)

// Meta describes a run: meta.json, written when the run starts and rewritten
// when it ends with EndedNs and Interrupted.
type Meta struct {
	SchemaVersion int          `json:"schema_version"` // SchemaVersion when written by this package
	Scenario      string       `json:"scenario"`       // the scenario's name (and the directory's)
	Description   string       `json:"description"`
	Mode          string       `json:"mode"`          // ModeSim, ModeLive, ModeStress or ModeExternal
	Seed          int64        `json:"seed"`          // the seed the run used
	T0            time.Time    `json:"t0"`            // the run's start; every *_ns time counts from it
	DurationNs    int64        `json:"duration_ns"`   // planned duration
	EndedNs       int64        `json:"ended_ns"`      // actual end; 0 while the run goes
	Interrupted   bool         `json:"interrupted"`   // stopped early by Ctrl-C or an error
	Load          Load         `json:"load"`          // the load profile
	Dependencies  []Dependency `json:"dependencies"`  // one per fake dependency, each behind its breaker
	Expect        Expect       `json:"expect"`        // what the checker must verify
	ScenarioYAML  string       `json:"scenario_yaml"` // the scenario file as given
	// Breaker names the breaker implementation the run drove, e.g.
	// "reference"; empty in runs recorded before it was added. An addition
	// to the contract.
	Breaker string `json:"breaker,omitempty"`
	// Reports says what the breaker reported about itself besides its
	// behaviour; the checker cross-checks only what is reported here. An
	// addition to the contract: a meta.json without it (written before it
	// was added) reported everything the reference breaker does.
	Reports *Reports `json:"reports,omitempty"`
	// LeakedGoroutines is the number of goroutines the runner found still
	// alive after the run (invariant I11). Nil means the runner did not
	// measure it. An addition to the contract.
	LeakedGoroutines *int `json:"leaked_goroutines,omitempty"`
	// Leaks are the goroutines counted in LeakedGoroutines, each named by
	// its stack, for I11's evidence; the first [MaxQuoted] when there are
	// more. An addition to the contract.
	Leaks []Leak `json:"leaks,omitempty"`
	// Race is what the race detector reported while the run went (the
	// "race" check). Nil means the runner did not watch it: an external
	// run (the breaker is in the service's process), a sim or live run in a
	// binary built without the race detector (stress runs, meant for it,
	// say it was off), or a run recorded before it was added. An addition
	// to the contract.
	Race *Race `json:"race,omitempty"`
	// Shortfall says how a live run's load generator fell short of the
	// scenario's rate, e.g. "8547/s of 12000/s (71%)"; empty when it kept
	// up. Such a run did not test what the scenario asks. An addition to
	// the contract.
	Shortfall string `json:"shortfall,omitempty"`
	// Warnings are the runner's notes on what did not fail a check but
	// makes the run less than it seems, e.g. a sim run that a breaker's own
	// goroutines made irreproducible. The checker copies them into the
	// verdict's warnings. An addition to the contract.
	Warnings []string `json:"warnings,omitempty"`
	// Attackers are, in an external run whose client side came from vegeta
	// result files recorded elsewhere (breakerlab serve, then breakerlab
	// merge), the load generators whose results calls.bin holds, each with
	// the clock offset applied to its times. Empty otherwise. An addition to
	// the contract.
	Attackers []Attacker `json:"attackers,omitempty"`
	// ClockErrorNs bounds how far calls.bin's times may sit from the fakes'
	// clock, on either side, when the calls were recorded on other machines:
	// the largest of the attackers' clock error bounds. The timing checks'
	// tolerance is the mode's default plus this. 0 when calls and fakes
	// share one clock. An addition to the contract.
	ClockErrorNs int64 `json:"clock_error_ns,omitempty"`
	// Unjudged says, in a merged run, what the merge could not give the
	// checks: requests at the fakes whose seq fits several attackers'
	// calls with no attacker's name to tell them apart (left unmatched),
	// or attacks in step, whose calls came in bunches the plan spaces.
	// The checks would then be weaker than the run looks, so the run is
	// incomplete. Empty when neither happened. An addition to the
	// contract.
	Unjudged string `json:"unjudged,omitempty"`
	// RecordLevel is how much of the run was recorded: LevelFull (also
	// when empty) every call and request, LevelWindows the calls near
	// each change of result and aggregates of the rest (omitted.jsonl).
	// An addition to the contract.
	RecordLevel string `json:"record_level,omitempty"`
	// WindowCalls is, at the windows level, how many calls of a run of
	// like results are kept at each end of it. An addition to the
	// contract.
	WindowCalls int `json:"window_calls,omitempty"`
}

// Windows reports whether the run was recorded at the windows level, so
// that calls.bin and dependency.bin hold only some of them and
// omitted.jsonl accounts for the rest.
func (m *Meta) Windows() bool { return m.RecordLevel == LevelWindows }

// Attacker is one load generator of a merged run (Meta.Attackers): the
// vegeta results of one machine, named by vegeta's -name.
type Attacker struct {
	Name  string   `json:"name"`  // vegeta's -name, else the results file's name
	Files []string `json:"files"` // the results files, as given
	Calls int      `json:"calls"` // its results merged into calls.bin
	// OffsetNs is the clock offset added to its times (the fakes' clock
	// minus its own), at its first result; ErrorNs bounds the offset's
	// error over its results (half the measuring round trip, plus the drift
	// allowance since the measurement).
	OffsetNs int64 `json:"offset_ns"`
	ErrorNs  int64 `json:"error_ns"`
	// Matched counts its calls matched to one request at a fake by the seq
	// the service forwarded (X-Vegeta-Seq); a request that several calls
	// could have made is left unmatched.
	Matched int `json:"matched"`
}

// Incomplete says why the run did not run as planned — interrupted, killed
// (no recorded end) or short of its load — or returns "" when it did. The
// checks of an incomplete run cover only what ran, so it cannot pass
// ([Verdict.MarkIncomplete]).
func (m *Meta) Incomplete() string {
	ran := func() string {
		return fmt.Sprintf("after %s of %s", time.Duration(m.EndedNs).Round(time.Millisecond), time.Duration(m.DurationNs))
	}
	switch {
	case m.Interrupted && m.EndedNs > 0:
		return "interrupted " + ran()
	case m.Interrupted:
		return "interrupted"
	case m.EndedNs == 0:
		return "cut short: meta.json records no end (the run was killed)"
	case m.Shortfall != "":
		return "the load fell short of the scenario's rate: " + m.Shortfall
	case m.Unjudged != "":
		return "the merged run cannot be judged in full: " + m.Unjudged
	}
	return ""
}

// Reports says what a breaker reports about itself. The checker judges every
// breaker from its behaviour (calls.bin, dependency.bin); what it reports
// is a cross-check.
type Reports struct {
	Transitions bool `json:"transitions"` // transitions.jsonl holds its transitions, in order
	Generations bool `json:"generations"` // its transitions and calls carry its generation numbers
	Snapshots   bool `json:"snapshots"`   // snapshots.jsonl holds full snapshots: state, generation, counts, totals
	State       bool `json:"state"`       // snapshots.jsonl holds its state (and nothing else, unless Snapshots)
}

// AllReports is what a run recorded before Meta.Reports existed reported:
// everything.
var AllReports = Reports{Transitions: true, Generations: true, Snapshots: true, State: true}

// Reported returns m.Reports, or AllReports when meta.json predates it.
func (m *Meta) Reported() Reports {
	if m.Reports == nil {
		return AllReports
	}
	return *m.Reports
}

// Load describes the load profile, for reports.
type Load struct {
	Kind        string  `json:"kind"`        // constant, linear, sine, steps, …
	Rate        float64 `json:"rate"`        // requests per second (the peak for shaped loads)
	Workers     int     `json:"workers"`     // concurrent callers; 0 when the load is paced by rate only
	Description string  `json:"description"` // for people: "200/s"
}

// Dependency is one fake dependency and the breaker guarding it.
type Dependency struct {
	Name    string        `json:"name"`    // the dep field of every record about it
	Preset  string        `json:"preset"`  // the service preset the fake imitates, if any
	Breaker BreakerConfig `json:"breaker"` // the breaker in front of it
	Phases  []Phase       `json:"phases"`  // its fault schedule, in time order
	// ClientTimeoutNs is the caller's timeout towards it (the scenario's
	// client.timeout; in external mode, the service's own), 0 for none: a
	// call it gives up on then is a failure. An addition to the contract.
	ClientTimeoutNs int64 `json:"client_timeout_ns,omitempty"`
	// Target is, in external mode, the service's URL whose answers are this
	// dependency's calls. An addition to the contract.
	Target string `json:"target,omitempty"`
}

// BreakerConfig is the breaker configuration in force, defaults filled in.
type BreakerConfig struct {
	FailureThreshold  int   `json:"failure_threshold"`
	SuccessThreshold  int   `json:"success_threshold"`
	RecoveryTimeoutNs int64 `json:"recovery_timeout_ns"`
	HalfOpenMaxCalls  int   `json:"half_open_max_calls"`
}

// WithDefaults fills NFR-6 defaults into zero fields, as breaker.New does:
// what a breaker recorded without its configuration is judged by.
func (c BreakerConfig) WithDefaults() BreakerConfig {
	if c.FailureThreshold == 0 {
		c.FailureThreshold = 5
	}
	if c.SuccessThreshold == 0 {
		c.SuccessThreshold = 2
	}
	if c.RecoveryTimeoutNs == 0 {
		c.RecoveryTimeoutNs = 60e9
	}
	if c.HalfOpenMaxCalls == 0 {
		c.HalfOpenMaxCalls = c.SuccessThreshold
	}
	return c
}

// Phase is one step of a dependency's fault schedule.
type Phase struct {
	AtNs  int64  `json:"at_ns"` // when the phase begins; it lasts until the next one
	Label string `json:"label"` // for people: "error_rate 100%"
	// Healthy marks a phase with no injected fault, from which the circuit
	// must close (invariant I10). A phase labelled "healthy" counts as healthy
	// too. An addition to the contract.
	Healthy bool `json:"healthy,omitempty"`
}

// IsHealthy reports whether the dependency is healthy during p.
func (p Phase) IsHealthy() bool { return p.Healthy || p.Label == "healthy" }

// Expect is what the scenario requires. A zero threshold means "not set".
type Expect struct {
	Invariants        []string `json:"invariants"` // "I1" … "I11"
	MaxRejectionP99Ns int64    `json:"max_rejection_p99_ns"`
	MinServedRatio    float64  `json:"min_served_ratio"`
	MaxTimeToCloseNs  int64    `json:"max_time_to_close_ns"`
	// MinOpens and MaxOpens bound how many times each circuit opened (0 and
	// absent: no bound; MaxOpens 0: it must never open).
	MinOpens int  `json:"min_opens,omitempty"`
	MaxOpens *int `json:"max_opens,omitempty"`
}

// Dependency returns the dependency called name, or false.
func (m *Meta) Dependency(name string) (Dependency, bool) {
	for _, d := range m.Dependencies {
		if d.Name == name {
			return d, true
		}
	}
	return Dependency{}, false
}

// WriteMeta writes m to dir/meta.json atomically (a temporary file renamed
// over it), so a reader never sees half a meta.json.
func WriteMeta(dir string, m Meta) error {
	if m.SchemaVersion == 0 {
		m.SchemaVersion = SchemaVersion
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("record: encoding %s: %w", MetaFile, err)
	}
	return writeFileAtomic(filepath.Join(dir, MetaFile), append(b, '\n'))
}

// ReadMeta reads dir/meta.json. Unknown keys are ignored (additive fields).
func ReadMeta(dir string) (Meta, error) {
	path := filepath.Join(dir, MetaFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return Meta{}, fmt.Errorf("record: %w", err)
	}
	var m Meta
	if err := json.Unmarshal(b, &m); err != nil {
		return Meta{}, fmt.Errorf("record: %s: %s", path, jsonErrorAt(b, err))
	}
	if err := checkSchema(m.SchemaVersion); err != nil {
		return Meta{}, fmt.Errorf("record: %s: %w", path, err)
	}
	return m, nil
}

// checkSchema accepts the schema versions the readers read.
func checkSchema(v int) error {
	if v < oldestSchema || v > SchemaVersion {
		return fmt.Errorf("key \"schema_version\": got %d, want %d to %d (a newer breakerlab wrote it?)", v, oldestSchema, SchemaVersion)
	}
	return nil
}

// jsonErrorAt adds a line number to an encoding/json error when it has an offset.
func jsonErrorAt(b []byte, err error) string {
	var off int64 = -1
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
		if e.Field != "" {
			return fmt.Sprintf("line %d: key %q: want %s, got %s", bytes.Count(b[:off], []byte{'\n'})+1, e.Field, e.Type, e.Value)
		}
	}
	if off < 0 || off > int64(len(b)) {
		return err.Error()
	}
	return fmt.Sprintf("line %d: %v", bytes.Count(b[:off], []byte{'\n'})+1, err)
}

// writeFileAtomic writes data to a new file beside path and renames it over
// path, so that a reader never sees half a file. The file gets the mode
// os.Create gives the record files beside it, calls.bin and the rest (0666
// less the umask), not os.CreateTemp's 0600, which an artifact upload run as
// another user cannot read.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := createTemp(filepath.Dir(path), filepath.Base(path))
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("record: writing %s: %w", path, werr)
	}
	return nil
}

// createTemp creates a new file named .BASE.RANDOM in dir with mode 0666
// less the umask, like os.Create.
func createTemp(dir, base string) (*os.File, error) {
	for range 10 {
		name := filepath.Join(dir, "."+base+"."+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, fmt.Errorf("creating a temporary file for %s in %s: 10 names taken", base, dir)
}
