package runner

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// raceWatch is one run's watch on the race detector: its count of reports,
// which says whether a race happened, and the reports' text from stderr,
// which says where.
type raceWatch struct {
	count0 int    // the detector's count when the run began
	tapped bool   // the run reads stderr through the tap
	from   int    // the tap's index of the run's first report
	note   string // why the reports are not read, when they are not
	done   bool   // stop or release was called
}

// watchRaces starts watching the race detector for a run. Its count is
// process-wide: a race in another goroutine of the process while the run
// goes (another test's) counts too.
func watchRaces() *raceWatch {
	w := &raceWatch{}
	if !raceEnabled {
		return w
	}
	w.count0 = raceErrors()
	gorace := os.Getenv("GORACE")
	switch {
	case !canCaptureStderr:
		w.note = "stderr is not captured on " + runtime.GOOS + ": the reports are on stderr"
	case currentBubble() != "":
		// The tap's reader blocks in a read, which is not a durable block:
		// inside a bubble it would keep the fake clock from moving.
		w.note = "stderr is not captured inside a synctest bubble: the reports are on stderr"
	case strings.Contains(gorace, "log_path=") || strings.Contains(gorace, "halt_on_error=1"):
		w.note = "GORACE sets log_path or halt_on_error: the reports are not read from stderr"
	default:
		from, err := tap.start()
		if err != nil {
			w.note = "stderr not captured: " + err.Error()
			break
		}
		w.tapped, w.from = true, from
	}
	return w
}

// stop ends the watch and returns what the detector reported since it
// began, each report timed by at.
func (w *raceWatch) stop(at func(time.Time) int64) *record.Race {
	if !raceEnabled {
		return &record.Race{}
	}
	r := &record.Race{Detector: true, Reports: raceErrors() - w.count0, Note: w.note}
	if !w.tapped || w.done {
		return r
	}
	w.done = true
	for _, rep := range tap.stop(w.from, r.Reports) {
		if len(r.Quoted) == record.MaxQuoted {
			break
		}
		summary, lines := quoteRace(rep.lines)
		r.Quoted = append(r.Quoted, record.RaceReport{AtNs: at(rep.at), Summary: summary, Lines: lines})
	}
	if want := min(r.Reports, record.MaxQuoted); len(r.Quoted) < want {
		r.Note = fmt.Sprintf("%d of %d reports were read from stderr within %s", len(r.Quoted), want, tapWait)
	}
	return r
}

// currentBubble returns the synctest bubble the calling goroutine runs in,
// as the runtime's stack dumps name it ("synctest bubble 3"), or "" outside
// any.
func currentBubble() string {
	buf := make([]byte, 512)
	buf = buf[:runtime.Stack(buf, false)]
	header, _, _ := strings.Cut(string(buf), "\n") // "goroutine 7 [running, synctest bubble 3]:"
	return bubbleOf(header)
}

// bubbleOf returns the synctest bubble a goroutine's header or state names,
// or "".
func bubbleOf(s string) string {
	const key = "synctest bubble "
	i := strings.Index(s, key)
	if i < 0 {
		return ""
	}
	j := i + len(key)
	for j < len(s) && '0' <= s[j] && s[j] <= '9' {
		j++
	}
	return s[i:j]
}

// release stops reading stderr for the run unless stop did: after a panic
// in the run, fd 2 is the real stderr again.
func (w *raceWatch) release() {
	if w.tapped && !w.done {
		w.done = true
		tap.stop(w.from, 0)
	}
}
