package reports

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// The fixture generator writes deterministic run directories in the
// recorded-run format with a small breaker model, so that tests and the
// benchmark read realistic logs without depending on the runner.

type genPhase struct {
	at        time.Duration
	label     string
	errorRate float64
	latency   time.Duration // median; the tail is lognormal
	fault     string
}

type genDep struct {
	name     string
	preset   string
	phases   []genPhase
	fallback bool // serve a fallback after failures and rejections
}

type genRun struct {
	name        string
	description string
	mode        string
	seed        uint64
	duration    time.Duration
	rate        float64 // calls per second per dependency
	recovery    time.Duration
	deps        []genDep
	verdict     *Verdict // written when not nil
	cutShort    bool     // no ended_ns, last line of calls.jsonl cut in half
}

const (
	genFailureThreshold = 5
	genSuccessThreshold = 2
	genRejectLatency    = 2 * time.Microsecond
)

// write generates the run into dir.
func (g genRun) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(g.seed, 0x5eed))
	files := map[string]*bufio.Writer{}
	var closers []*os.File
	open := func(name string) (*bufio.Writer, error) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		closers = append(closers, f)
		w := bufio.NewWriterSize(f, 1<<20)
		files[name] = w
		return w, nil
	}
	calls, err := open(CallsFile)
	if err != nil {
		return err
	}
	depLog, err := open(DependencyFile)
	if err != nil {
		return err
	}
	trans, err := open(TransitionsFile)
	if err != nil {
		return err
	}
	snaps, err := open(SnapshotsFile)
	if err != nil {
		return err
	}

	meta := Meta{
		SchemaVersion: 1, Scenario: g.name, Description: g.description, Mode: g.mode, Seed: int64(g.seed),
		T0: "2026-11-26T19:00:00Z", DurationNs: int64(g.duration), EndedNs: int64(g.duration),
		Load: LoadMeta{Kind: "constant", Rate: g.rate, Description: fmt.Sprintf("%g/s", g.rate)},
		Expect: Expect{Invariants: []string{"I1", "I2", "I3", "I4", "I5", "I6", "I7", "I8", "I9", "I10", "I11"},
			MaxRejectionP99Ns: int64(time.Millisecond)},
		ScenarioYAML: "name: " + g.name + "\nmode: " + g.mode + "\n",
	}
	if g.cutShort {
		meta.EndedNs = 0
		meta.Interrupted = true
	}
	interval := time.Duration(float64(time.Second) / g.rate)
	n := int(g.duration / interval)
	if g.cutShort {
		n = n * 6 / 10
	}
	for _, dep := range g.deps {
		bm := BreakerMeta{FailureThreshold: genFailureThreshold, SuccessThreshold: genSuccessThreshold,
			RecoveryTimeoutNs: int64(g.recovery), HalfOpenMaxCalls: genSuccessThreshold}
		dm := DepMeta{Name: dep.name, Preset: dep.preset, Breaker: bm}
		for _, ph := range dep.phases {
			dm.Phases = append(dm.Phases, Phase{AtNs: int64(ph.at), Label: ph.label})
		}
		meta.Dependencies = append(meta.Dependencies, dm)

		state, gen := "closed", uint64(1)
		var fails, succ int
		var openedAt time.Duration
		var totals Totals
		transition := func(to string, at time.Duration, reason string) {
			gen++
			fmt.Fprintf(trans, `{"dep":%q,"from":%q,"to":%q,"at_ns":%d,"gen":%d,"reason":%q}`+"\n",
				dep.name, state, to, int64(at), gen, reason)
			state = to
			fails, succ = 0, 0
			if to == "open" {
				openedAt = at
			}
		}
		for i := range n {
			start := time.Duration(i) * interval
			ph := dep.phases[0]
			for _, p := range dep.phases {
				if start >= p.at {
					ph = p
				}
			}
			if state == "open" && start >= openedAt+g.recovery {
				transition("half-open", openedAt+g.recovery, "recovery timeout elapsed")
			}
			seq := i + 1
			if state == "open" {
				totals.Rejected++
				fmt.Fprintf(calls, `{"seq":%d,"dep":%q,"start_ns":%d,"end_ns":%d,"outcome":"rejected","fallback":%t,"gen":%d,"reject":"open","err":"breaker: circuit open"}`+"\n",
					seq, dep.name, int64(start), int64(start+genRejectLatency), dep.fallback, gen)
				continue
			}
			lat := time.Duration(float64(ph.latency) * math.Exp(0.5*rng.NormFloat64()))
			failed := rng.Float64() < ph.errorRate
			fault, status, errText, outcome := "none", 200, "", "success"
			if failed {
				fault, status, errText, outcome = ph.fault, 500, "injected "+ph.fault, "failure"
				if fault == "" {
					fault, errText = "error", "injected error"
				}
			}
			fmt.Fprintf(depLog, `{"dep":%q,"seq":%d,"at_ns":%d,"fault":%q,"latency_ns":%d,"status":%d,"err":%q}`+"\n",
				dep.name, seq, int64(start+50*time.Microsecond), fault, int64(lat), status, errText)
			fb := failed && dep.fallback
			fmt.Fprintf(calls, `{"seq":%d,"dep":%q,"start_ns":%d,"end_ns":%d,"outcome":%q,"fallback":%t,"gen":%d,"err":%q}`+"\n",
				seq, dep.name, int64(start), int64(start+lat+100*time.Microsecond), outcome, fb, gen, errText)
			if failed {
				totals.Failure++
				fails++
				switch {
				case state == "half-open":
					transition("open", start, "probe failed")
				case fails == genFailureThreshold:
					transition("open", start, fmt.Sprintf("%d consecutive failures", genFailureThreshold))
				}
			} else {
				totals.Success++
				fails = 0
				if state == "half-open" {
					succ++
					if succ == genSuccessThreshold {
						transition("closed", start, fmt.Sprintf("%d consecutive probe successes", genSuccessThreshold))
					}
				}
			}
		}
		end := time.Duration(n) * interval
		fmt.Fprintf(snaps, `{"dep":%q,"at_ns":%d,"state":%q,"gen":%d,"consecutive_failures":%d,"consecutive_successes":%d,"probes_in_flight":0,"totals":{"success":%d,"failure":%d,"ignored":0,"rejected":%d}}`+"\n",
			dep.name, int64(end), state, gen, fails, succ, totals.Success, totals.Failure, totals.Rejected)
	}
	for _, w := range files {
		if err := w.Flush(); err != nil {
			return err
		}
	}
	for _, f := range closers {
		if err := f.Close(); err != nil {
			return err
		}
	}
	if g.cutShort { // a killed writer leaves half a line behind
		f, err := os.OpenFile(filepath.Join(dir, CallsFile), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		_, err = f.WriteString(`{"seq":999999,"dep":"` + g.deps[0].name + `","start_ns":12`)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	if g.cutShort { // killed before the final snapshot
		if err := os.Remove(filepath.Join(dir, SnapshotsFile)); err != nil {
			return err
		}
	}
	if err := writeJSONFile(filepath.Join(dir, MetaFile), meta); err != nil {
		return err
	}
	if g.verdict != nil {
		return writeJSONFile(filepath.Join(dir, VerdictFile), g.verdict)
	}
	return nil
}

func writeJSONFile(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}
