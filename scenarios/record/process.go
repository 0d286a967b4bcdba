package record

import (
	"fmt"
	"strings"
)

// What the runner saw of the process a run went in, besides the breaker's
// calls: the race detector's reports and the goroutines left behind. The
// checker judges calls; [Verdict.AddProcessChecks] turns these into rows.

// RaceCheckID is the id of the verdict row that fails when the race
// detector reported a data race while the run went.
const RaceCheckID = "race"

// MaxQuoted bounds Meta.Leaks and Race.Quoted: the first ones tell the
// story, the counts say how many there were.
const MaxQuoted = 20

// Race is what the race detector reported while a run went.
type Race struct {
	// Detector is true when the runner's binary was built with -race.
	// Without it no race can be seen, and the race check is not checked.
	Detector bool `json:"detector"`
	// Reports counts the data races the detector reported while the run
	// went, by its own count (whether or not their text was captured).
	Reports int `json:"reports"`
	// Quoted are the first reports as the detector wrote them to stderr;
	// fewer than Reports when stderr could not be read (Note says why).
	Quoted []RaceReport `json:"quoted,omitempty"`
	// Note says what limits what was seen, e.g. "stderr is not captured on
	// windows"; empty when nothing does.
	Note string `json:"note,omitempty"`
}

// RaceReport is one data race report of the race detector, quoted.
type RaceReport struct {
	AtNs int64 `json:"at_ns"` // when the runner read it, since t0 (sim: the run's end)
	// Summary is the two accesses on one line: what each did and the
	// function on top of its stack, e.g. "write by goroutine 12 in
	// pkg.(*T).Execute (t.go:30), previous read by goroutine 11 in
	// pkg.(*T).Execute (t.go:28)".
	Summary string `json:"summary"`
	// Lines are the report's first lines: each access and the top frames
	// of its stack, as the detector printed them.
	Lines []string `json:"lines"`
}

// Leak is a goroutine that outlived the run (invariant I11).
type Leak struct {
	Goroutine int    `json:"goroutine"` // its id
	State     string `json:"state"`     // as the runtime shows it: "chan receive", "select", …
	Top       string `json:"top"`       // the function on top of its stack
	// Func is the first function on its stack outside the standard
	// library, the code that left it there, when Top is in the standard
	// library ("time.Sleep"); empty otherwise.
	Func      string `json:"func,omitempty"`
	CreatedBy string `json:"created_by,omitempty"` // the function that started it
	// Stack is the top of its stack, function and file:line lines, as the
	// runtime prints them.
	Stack []string `json:"stack"`
}

// AddProcessChecks completes v with what the runner saw of the process the
// run went in (m): the race check, after the invariants, when m.Race is
// set, and the leaked goroutines named by their stacks in I11's
// violations. Whoever writes verdict.json calls it after the checker, as
// [Verdict.MarkIncomplete].
func (v *Verdict) AddProcessChecks(m *Meta) {
	for i := range v.Checks {
		if c := &v.Checks[i]; c.ID == "I11" && !c.Passed && !c.Skipped && len(m.Leaks) > 0 {
			c.Violations = leakViolations(m, c.Violations)
		}
	}
	if _, ok := v.Check(RaceCheckID); ok || m.Race == nil {
		return // added already, or nothing to judge
	}
	rc := m.raceCheck()
	at := 0
	for i, c := range v.Checks {
		if c.Kind == KindInvariant {
			at = i + 1
		}
	}
	v.Checks = append(v.Checks[:at], append([]Check{rc}, v.Checks[at:]...)...)
	if !rc.Passed && !rc.Skipped {
		v.Passed = false
	}
}

// leakViolations names each leaked goroutine of m, at the time and event of
// the checker's I11 violation (old).
func leakViolations(m *Meta, old []Violation) []Violation {
	base := Violation{ID: "I11", AtNs: m.EndedNs, Event: "end of run"}
	if len(old) > 0 {
		base.AtNs, base.Event = old[0].AtNs, old[0].Event
	}
	out := make([]Violation, 0, len(m.Leaks))
	for _, l := range m.Leaks {
		vi := base
		vi.Message = fmt.Sprintf("goroutine %d [%s] outlived the run: %s on top of its stack", l.Goroutine, l.State, l.Top)
		if l.Func != "" {
			vi.Message += ", in " + l.Func
		}
		if l.CreatedBy != "" {
			vi.Message += ", created by " + l.CreatedBy
		}
		vi.Context = l.Stack
		out = append(out, vi)
	}
	return out
}

// raceCheck is the race row of m's verdict; m.Race is set.
func (m *Meta) raceCheck() Check {
	c := Check{ID: RaceCheckID, Kind: KindInvariant, Name: "no data race under the race detector", Violations: []Violation{}}
	r := m.Race
	switch {
	case !r.Detector:
		c.Skipped, c.Passed = true, true
		c.Detail = "not checked: the binary was built without the race detector (go test -race, or go build -race ./cmd/breakerlab)"
		return c
	case r.Reports == 0:
		c.Passed, c.Detail = true, "the race detector reported no data race"
		if r.Note != "" {
			c.Detail += " (" + r.Note + ")"
		}
		return c
	}
	c.ViolationsTotal = r.Reports
	c.Detail = fmt.Sprintf("the race detector reported %d data race(s)", r.Reports)
	for _, q := range r.Quoted {
		c.Violations = append(c.Violations, Violation{ID: RaceCheckID, AtNs: q.AtNs, Event: "race report",
			Message: "data race: " + q.Summary, Context: q.Lines})
	}
	if len(c.Violations) == 0 {
		why := "its report went to stderr unread"
		if r.Note != "" {
			why = r.Note
		}
		c.Violations = append(c.Violations, Violation{ID: RaceCheckID, AtNs: m.EndedNs, Event: "end of run",
			Message: fmt.Sprintf("the race detector reported %d data race(s) while the run went; not quoted: %s", r.Reports, strings.TrimSuffix(why, "."))})
	}
	return c
}
