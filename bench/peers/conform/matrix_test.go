package conform

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/conformance"
	"github.com/breakerlab/breakerlab/scenarios/record"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

var update = flag.Bool("update", false, "rewrite the matrices in docs/peers.md from this run")

// docPath is docs/peers.md from this package's directory.
const docPath = "../../../docs/peers.md"

// liveEnv enables the real-time matrix: minutes of live and stress runs.
const liveEnv = "BREAKERLAB_PEERS_LIVE"

// outEnv, if set, is where the matrix runs are recorded and kept (by
// default a temporary directory removed by TestMain).
const outEnv = "BREAKERLAB_PEERS_OUT"

// modules are the peers' modules in matrix column order, for the versions
// line (read from go.mod: test binaries carry no dependency list).
var modules = []struct{ name, path string }{
	{"gobreaker", "github.com/sony/gobreaker/v2"},
	{"failsafe", "github.com/failsafe-go/failsafe-go"},
	{"eapache", "github.com/eapache/go-resiliency"},
	{"hystrix", "github.com/afex/hystrix-go"},
	{"rubyist", "github.com/rubyist/circuitbreaker"},
}

// entry is one library of a matrix and how it runs.
type entry struct {
	impl   runner.Implementation
	bubble bool // a Synced breaker: run inside a synctest bubble
}

// simEntries are the libraries that run sim mode: on the run's clock
// (rubyist), or through Synced. hystrix cannot: it keeps goroutines that
// never end, which a bubble does not allow, and counts its metrics on them.
func simEntries() []entry {
	return []entry{
		{Synced(Gobreaker()), true}, {Synced(Failsafe()), true}, {Synced(Eapache()), true}, {Rubyist(), false},
	}
}

// realTimeEntries are every library as it is, on the wall clock.
func realTimeEntries() []entry {
	var es []entry
	for _, impl := range All() {
		impl.Clock = false
		es = append(es, entry{impl: impl})
	}
	return es
}

// cell is what one library did in one scenario.
type cell struct {
	lib, scenario string
	dir           string
	err           string            // the run failed to run or to finish as planned
	failed        []string          // the failing checks, in verdict order
	first         string            // the earliest violation: "I2 at 30.02s: …"
	evidence      map[string]string // each failing check's first violation (or detail)
	unjudged      string            // a warning that some windows were not judged
}

func (c cell) passed() bool { return c.err == "" && len(c.failed) == 0 }

// runCell runs scenario against e and sums up the verdict.
func runCell(t *testing.T, e entry, scenario, out string) cell {
	t.Helper()
	c := cell{lib: e.impl.Name, scenario: scenario}
	sc, err := scenarios.Resolve(scenario)
	if err != nil {
		t.Fatal(err)
	}
	var res *runner.Result
	run := func() { res, err = runner.Run(context.Background(), sc, runner.Options{Out: out, Breaker: e.impl}) }
	if e.bubble {
		synctest.Test(t, func(*testing.T) {
			run()
			time.Sleep(24 * time.Hour) // let the breaker's timers run out: a bubble must end empty
		})
	} else {
		run()
	}
	if res == nil || res.Verdict == nil {
		c.err = fmt.Sprint(err)
		return c
	}
	c.dir = res.Dir
	switch v := res.Verdict; {
	case v.Incomplete != "":
		c.err = "incomplete: " + v.Incomplete
	case err != nil:
		c.err = err.Error()
	}
	c.failed, c.first, c.evidence = failures(res.Verdict, "")
	for _, w := range res.Verdict.Warnings {
		if strings.Contains(w, "not judged") {
			c.unjudged = w
		}
	}
	return c
}

// failures lists the failing checks with their first violation's message
// (a failed expectation without violations: its detail), and quotes the
// earliest violation of all.
func failures(v *record.Verdict, skip string) (ids []string, first string, evidence map[string]string) {
	evidence = map[string]string{}
	at := int64(-1)
	for _, ch := range v.Checks {
		if ch.Passed || ch.Skipped || ch.ID == skip {
			continue
		}
		ids = append(ids, ch.ID)
		if len(ch.Violations) == 0 {
			evidence[ch.ID] = ch.Detail
			if first == "" {
				first = fmt.Sprintf("%s: %s", ch.ID, ch.Detail)
			}
			continue
		}
		vi := ch.Violations[0]
		evidence[ch.ID] = vi.Message
		if at < 0 || vi.AtNs < at {
			at, first = vi.AtNs, fmt.Sprintf("%s at %s: %s", ch.ID, fmtSeconds(vi.AtNs), vi.Message)
		}
	}
	return ids, first, evidence
}

func fmtSeconds(ns int64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.6f", float64(ns)/1e9), "0"), ".") + "s"
}

// matrixOut is where the matrix runs go (see outEnv).
var matrixOut = sync.OnceValue(func() string {
	if dir := os.Getenv(outEnv); dir != "" {
		return dir
	}
	dir, err := os.MkdirTemp("", "breakerlab-peers-")
	if err != nil {
		panic(err)
	}
	return dir
})

// simScenarios are the built-in sim scenarios the matrix runs: all but the
// ten-minute soak, which is the simulator's speed benchmark and adds
// nothing the four-minute outages do not show.
func simScenarios() []string {
	var names []string
	for _, n := range conformance.Default(runner.Reference) {
		if n != "nfr6-soak-10m" {
			names = append(names, n)
		}
	}
	return names
}

var (
	simMu    sync.Mutex
	simCells map[[2]string]cell // by library, scenario
)

// simCell is one cell of the sim matrix, run once per test binary: the
// matrix test and the deviation tests share it.
func simCell(t *testing.T, e entry, scenario string) cell {
	t.Helper()
	simMu.Lock()
	defer simMu.Unlock()
	k := [2]string{e.impl.Name, scenario}
	if c, ok := simCells[k]; ok {
		return c
	}
	if simCells == nil {
		simCells = map[[2]string]cell{}
	}
	c := runCell(t, e, scenario, matrixOut())
	simCells[k] = c
	return c
}

// simEntry returns the sim matrix's entry for lib.
func simEntry(t *testing.T, lib string) entry {
	t.Helper()
	for _, e := range simEntries() {
		if e.impl.Name == lib {
			return e
		}
	}
	t.Fatalf("no sim entry %q", lib)
	return entry{}
}

// TestMatrixSim runs the sim library against every library that can run it
// and compares the matrix with docs/peers.md's (-update rewrites it). Sim
// runs are exactly reproducible, so a difference is a change in a library,
// the adapters, the runner or the checker.
func TestMatrixSim(t *testing.T) {
	es := simEntries()
	names := simScenarios()
	cells := map[[2]string]cell{}
	for _, sc := range names {
		for _, e := range es {
			cells[[2]string{e.impl.Name, sc}] = simCell(t, e, sc)
		}
	}
	var libs []string
	for _, e := range es {
		libs = append(libs, e.impl.Name)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Versions: %s.\n\n", versions(t))
	renderMatrix(&b, libs, names, cells)
	golden(t, "sim-matrix", b.String())
}

// TestMatrixRealTime runs the real-time scenarios (stress and live) against
// every library, as it is, on the wall clock: minutes, so only with
// BREAKERLAB_PEERS_LIVE=1. Real-time verdicts can differ from run to run:
// -update writes this run's matrix, dated, into docs/peers.md; without it
// the matrix is only logged.
func TestMatrixRealTime(t *testing.T) {
	if os.Getenv(liveEnv) == "" {
		t.Skipf("set %s=1 to run the live and stress scenarios against every library (minutes)", liveEnv)
	}
	es := realTimeEntries()
	names := conformance.Default(es[0].impl)
	cells := map[[2]string]cell{}
	var libs []string
	for _, e := range es {
		libs = append(libs, e.impl.Name)
		for _, sc := range names {
			cells[[2]string{e.impl.Name, sc}] = runCell(t, e, sc, matrixOut())
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Run on %s, %s, %d CPUs (go test -race: %v). Versions: %s.\n\n",
		time.Now().UTC().Format("2006-01-02"), runtime.Version(), runtime.NumCPU(), raceEnabled, versions(t))
	renderMatrix(&b, libs, names, cells)
	if !*update {
		t.Log("\n" + b.String())
		return
	}
	golden(t, "realtime-matrix", b.String())
}

// versions reads the peers' versions from go.mod.
func versions(t *testing.T) string {
	t.Helper()
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var vs []string
	for _, m := range modules {
		v := "?"
		for line := range strings.SplitSeq(string(mod), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == m.path {
				v = f[1]
			}
		}
		vs = append(vs, fmt.Sprintf("%s %s", m.path, v))
	}
	return strings.Join(vs, ", ")
}

// renderMatrix writes the table (a row per scenario, a column per library)
// and a line of evidence per cell that did not pass.
func renderMatrix(b *strings.Builder, libs, names []string, cells map[[2]string]cell) {
	fmt.Fprintf(b, "| scenario | %s |\n|---|%s\n", strings.Join(libs, " | "), strings.Repeat("---|", len(libs)))
	var notes []string
	for _, sc := range names {
		fmt.Fprintf(b, "| %s |", sc)
		for _, lib := range libs {
			c, ok := cells[[2]string{lib, sc}]
			switch {
			case !ok:
				b.WriteString(" — |")
			case c.err != "":
				fmt.Fprintf(b, " not run ¹ |")
				notes = append(notes, fmt.Sprintf("- ¹ %s × %s: %s", lib, sc, c.err))
			case len(c.failed) > 0:
				fmt.Fprintf(b, " %s |", strings.Join(c.failed, ", "))
				notes = append(notes, fmt.Sprintf("- %s × %s: %s", lib, sc, oneLine(c.first)))
			case c.unjudged != "":
				b.WriteString(" pass ² |")
				notes = append(notes, fmt.Sprintf("- ² %s × %s: %s", lib, sc, oneLine(c.unjudged)))
			default:
				b.WriteString(" pass |")
			}
		}
		b.WriteString("\n")
	}
	if len(notes) > 0 {
		b.WriteString("\nThe earliest violation of each cell that did not pass:\n\n")
		b.WriteString(strings.Join(notes, "\n"))
		b.WriteString("\n")
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// golden compares section name of docs/peers.md (between its begin and end
// markers) with got, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path, err := filepath.Abs(docPath)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := "<!-- "+name+":begin -->\n", "<!-- "+name+":end -->"
	i, j := strings.Index(string(doc), begin), strings.Index(string(doc), end)
	if i < 0 || j < i {
		t.Fatalf("%s: no %q … %q section", path, strings.TrimSpace(begin), end)
	}
	have := string(doc[i+len(begin) : j])
	if *update {
		out := string(doc[:i+len(begin)]) + got + string(doc[j:])
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if have != got {
		t.Errorf("%s: the %s section differs from this run; review, then rewrite it with\n\tcd bench/peers && go test ./conform -run %s -update\n--- docs/peers.md\n%s\n--- this run\n%s",
			path, name, t.Name(), have, got)
	}
}
