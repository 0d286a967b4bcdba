package runner

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// Reading the vegeta result files of a merged run: each file holds one or
// more attacks (vegeta's -name, else the file's name); each attack's times
// are put on the fakes' clock by its attacker's clock measurements, and
// each result becomes a call of the dependency whose target it hit.

// ErrAttackFile matches a vegeta results file that cannot be merged: it
// cannot be read, is not vegeta's, or does not belong to the served run.
var ErrAttackFile = errors.New("runner: vegeta results file")

// source is one attacker's results from one file.
type source struct {
	file   string
	name   string
	clock  *clockModel
	calls  int
	errNs  int64 // the largest clock error bound over its results
	offset int64 // the offset at its first result
	first  time.Time
	// admitted counts its calls not rejected, for deps whose requests carry
	// a seq; unseen those of them with no request of their seq within their
	// span at the fake (a sign of a wrong offset).
	admitted, unseen, matched int
}

// mergedCall is one result as a call on the fakes' clock.
type mergedCall struct {
	call   record.Call // Seq is set once the calls are sorted
	vegSeq uint64      // the attacker's own seq (X-Vegeta-Seq)
	src    int32       // index into the sources
}

// targetIndex finds the dependency whose target a result hit: by the whole
// URL, else by its path and query (a load machine reaches the service by
// another host name than the breakerlab host does).
type targetIndex struct {
	byURL  map[string]string
	byPath map[string]string // "" value: two dependencies share the path
	seen   map[string]string // URLs found by path before: parsing each costs
	list   []string
}

func newTargetIndex(deps []record.Dependency) targetIndex {
	ti := targetIndex{byURL: map[string]string{}, byPath: map[string]string{}, seen: map[string]string{}}
	for _, d := range deps {
		if d.Target == "" {
			continue
		}
		ti.byURL[d.Target] = d.Name
		p := pathOf(d.Target)
		if _, dup := ti.byPath[p]; dup {
			ti.byPath[p] = ""
		} else {
			ti.byPath[p] = d.Name
		}
		ti.list = append(ti.list, d.Name+": "+d.Target)
	}
	return ti
}

func (ti *targetIndex) dep(u string) (string, bool) {
	if d, ok := ti.byURL[u]; ok {
		return d, true
	}
	d, ok := ti.seen[u]
	if !ok {
		d = ti.byPath[pathOf(u)]
		ti.seen[u] = d
	}
	return d, d != ""
}

func pathOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p
}

// attackName is the attacker a result belongs to: vegeta's -name, else
// its file's name without the extension.
func attackName(res *vegeta.Result, file string) string {
	if res.Attack != "" {
		return res.Attack
	}
	base := filepath.Base(file)
	if i := strings.IndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	return base
}

// readAttackFile decodes a vegeta results file (gob, JSON or CSV), puts
// each result on the fakes' clock by its attacker's clock and appends it
// to calls as a call. A cut-off last result is a warning: the rest is read.
func (m *merger) readAttackFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrAttackFile, err)
	}
	defer f.Close()
	dec := vegeta.DecoderFor(bufio.NewReaderSize(f, 1<<16))
	if dec == nil {
		return fmt.Errorf("%w: %s: not vegeta results (gob, JSON or CSV), or empty: want the output of vegeta attack", ErrAttackFile, path)
	}
	bySrc := map[string]int32{}
	for n := 1; ; n++ {
		var res vegeta.Result
		err := dec.Decode(&res)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			m.warnings = append(m.warnings, fmt.Sprintf("%s: cut off after %d results; the rest was merged", path, n-1))
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %s: result %d: %v", ErrAttackFile, path, n, err)
		}
		name := attackName(&res, path)
		si, ok := bySrc[name]
		if !ok {
			si, err = m.addSource(path, name)
			if err != nil {
				return err
			}
			bySrc[name] = si
		}
		if err := m.addResult(&res, si, n); err != nil {
			return err
		}
	}
}

// addSource starts attacker name's results from file path.
func (m *merger) addSource(path, name string) (int32, error) {
	ms, ok := m.clocks[name]
	if !ok {
		return 0, fmt.Errorf("%w: %s: attack %q has no clock file: measure its machine's clock with 'breakerlab clock --name %s URL' before the attack and pass the %s%s it writes (clock files given: %s)",
			ErrClock, path, name, name, name, ClockFileSuffix, m.clockNames())
	}
	m.used[name] = true
	m.sources = append(m.sources, &source{file: path, name: name, clock: &clockModel{ms: ms, driftPPM: m.driftPPM}})
	return int32(len(m.sources) - 1), nil
}

// addResult puts result n of its source on the fakes' clock as a call.
func (m *merger) addResult(res *vegeta.Result, si int32, n int) error {
	s := m.sources[si]
	dep, ok := m.targets.dep(res.URL)
	if !ok {
		return fmt.Errorf("%w: %s: result %d hit %s, which is no target of the served run %s (%s): results of another run or another scenario?",
			ErrAttackFile, s.file, n, res.URL, m.meta.Scenario, strings.Join(m.targets.list, ", "))
	}
	off, errNs := s.clock.at(res.Timestamp)
	if s.calls == 0 {
		s.offset, s.first = off, res.Timestamp
	}
	s.calls++
	s.errNs = max(s.errNs, errNs)
	local := res.Timestamp
	res.Timestamp = res.Timestamp.Add(time.Duration(off))
	c := m.r.callOf(res, dep)
	res.Timestamp = local
	if lo, hi := -errNs, m.meta.EndedNs+errNs; c.StartNs < lo || c.StartNs > hi {
		return fmt.Errorf("%w: %s: result %d (attack %s, seq %d) began at %s on the fakes' clock, outside the served run's 0s to %s: %s",
			ErrAttackFile, s.file, n, s.name, res.Seq, time.Duration(c.StartNs).Round(time.Millisecond), time.Duration(m.meta.EndedNs).Round(time.Millisecond), outsideHint(c.StartNs < lo))
	}
	m.calls = append(m.calls, mergedCall{call: c, vegSeq: res.Seq, src: si})
	return nil
}

func outsideHint(early bool) string {
	if early {
		return "the attack began before the scenario's schedule started; start it when 'breakerlab clock --wait' returns"
	}
	return "results of another run, or an attack that outlasted the run"
}

// clockNames lists the attackers that have clock files.
func (m *merger) clockNames() string {
	names := make([]string, 0, len(m.clocks))
	for n := range m.clocks {
		names = append(names, n)
	}
	slices.Sort(names)
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
