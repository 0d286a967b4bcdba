package runner

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"
)

// The race detector writes its reports to the process's stderr (file
// descriptor 2), nowhere a program can ask for them. While runs go in a
// binary built with -race, the tap points fd 2 at a pipe, copies whatever
// comes through back to the real stderr at once (a progress line, a race
// report, anything), and picks the race reports out of it. One tap serves
// every run that overlaps in the process.

// tapWait bounds how long a run waits for the tap to read a report the race
// detector has counted, and how long the tap waits for the pipe to drain
// when it closes (a child process that inherited fd 2 may keep it open).
const tapWait = time.Second

// tapMaxLine bounds the bytes of one stderr line the tap keeps for parsing;
// a longer line is still copied whole.
const tapMaxLine = 4 << 10

// tap is the process's stderr tap.
var tap stderrTap

// stderrTap is fd 2 redirected through a pipe. Safe for concurrent use by
// multiple goroutines.
type stderrTap struct {
	life  sync.Mutex // serializes start and stop: fd 2 changes hands under it
	users int
	saved int           // a duplicate of the real stderr's descriptor
	real  *os.File      // saved, for writing
	r     *os.File      // the pipe's read end
	done  chan struct{} // closed when the reader has stopped

	mu      sync.Mutex // guards what the reader adds
	reports []tappedRace
	grew    chan struct{} // closed and replaced when reports grows
}

// tappedRace is a race report as read from stderr.
type tappedRace struct {
	at    time.Time
	lines []string // from the line after "WARNING: DATA RACE" to the closing "=====" line
}

// start starts the tap unless it runs, and returns the index of the next
// report it will read.
func (t *stderrTap) start() (from int, err error) {
	t.life.Lock()
	defer t.life.Unlock()
	if t.users == 0 {
		if err := t.open(); err != nil {
			return 0, err
		}
	}
	t.users++
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.reports), nil
}

// open points fd 2 at a new pipe and starts the reader. Requires t.life held.
func (t *stderrTap) open() error {
	saved, err := dupFD(2)
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		closeFD(saved)
		return err
	}
	if err := redirectFD(int(w.Fd()), 2); err != nil {
		closeFD(saved)
		r.Close()
		w.Close()
		return err
	}
	w.Close() // fd 2 holds the write end now
	t.saved, t.real, t.r, t.done = saved, os.NewFile(uintptr(saved), "stderr"), r, make(chan struct{})
	// A crash (an unhandled panic) stops everything before the reader can
	// copy its message: the runtime writes it to the real stderr as well.
	_ = debug.SetCrashOutput(t.real, debug.CrashOptions{})
	t.mu.Lock()
	t.reports, t.grew = nil, make(chan struct{})
	t.mu.Unlock()
	go t.read(r, t.real, t.done)
	return nil
}

// stop waits (up to tapWait) until the reports from index from on number
// want, returns those read, and stops the tap when no run uses it.
func (t *stderrTap) stop(from, want int) []tappedRace {
	timeout := time.NewTimer(tapWait)
	defer timeout.Stop()
	t.mu.Lock()
	for waiting := true; waiting && len(t.reports) < from+want; {
		grew := t.grew
		t.mu.Unlock()
		select {
		case <-grew:
		case <-timeout.C:
			waiting = false // take what came
		}
		t.mu.Lock()
	}
	got := slices.Clone(t.reports[from:min(len(t.reports), from+want)])
	t.mu.Unlock()

	t.life.Lock()
	defer t.life.Unlock()
	if t.users--; t.users == 0 {
		t.close()
	}
	return got
}

// close gives fd 2 back to the real stderr and waits for the reader to copy
// what is left. Requires t.life held.
func (t *stderrTap) close() {
	_ = redirectFD(t.saved, 2)
	_ = debug.SetCrashOutput(nil, debug.CrashOptions{})
	// The pipe ends when the last write end closes; a child process that
	// inherited fd 2 may hold one, so the wait is bounded.
	_ = t.r.SetReadDeadline(time.Now().Add(tapWait))
	<-t.done
	t.r.Close()
	t.real.Close()
	t.r, t.real, t.done = nil, nil, nil
}

// read copies the pipe to real until it ends, and keeps the race reports.
func (t *stderrTap) read(r, real *os.File, done chan struct{}) {
	defer close(done)
	var p raceParser
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			_, _ = real.Write(buf[:n]) // nowhere to report a failure to
			for _, lines := range p.feed(buf[:n]) {
				t.mu.Lock()
				t.reports = append(t.reports, tappedRace{at: time.Now(), lines: lines})
				close(t.grew)
				t.grew = make(chan struct{})
				t.mu.Unlock()
			}
		}
		if err != nil {
			return
		}
	}
}

// raceParser finds the race detector's reports in a stream of stderr bytes.
type raceParser struct {
	line   []byte   // the current line so far
	inRace bool     // between "WARNING: DATA RACE" and the closing line
	lines  []string // the current report's lines
}

// feed parses b and returns the reports it completed.
func (p *raceParser) feed(b []byte) (done [][]string) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.keep(b)
			return done
		}
		p.keep(b[:i])
		b = b[i+1:]
		line := strings.TrimRight(string(p.line), "\r")
		p.line = p.line[:0]
		switch {
		case line == "WARNING: DATA RACE":
			p.inRace, p.lines = true, nil
		case !p.inRace:
		case strings.HasPrefix(line, "=================="):
			done = append(done, p.lines)
			p.inRace, p.lines = false, nil
		case len(p.lines) < 64:
			p.lines = append(p.lines, line)
		}
	}
	return done
}

// keep appends b to the current line, up to tapMaxLine bytes.
func (p *raceParser) keep(b []byte) {
	p.line = append(p.line, b[:min(len(b), max(tapMaxLine-len(p.line), 0))]...)
}

// quoteRace sums a race report up: the two accesses, each with the function
// on top of its stack, on one line, and the lines that say so.
func quoteRace(lines []string) (summary string, quoted []string) {
	var parts []string
	for i, l := range lines {
		if !isRaceAccess(l) {
			continue
		}
		quoted = append(quoted, l)
		access, _, _ := strings.Cut(strings.TrimSuffix(l, ":"), " at 0x")
		_, who, _ := strings.Cut(l, " by ")
		part := strings.ToLower(access[:1]) + access[1:] + " by " + strings.TrimSuffix(who, ":")
		if i+2 < len(lines) && strings.HasPrefix(lines[i+1], "  ") {
			quoted = append(quoted, lines[i+1], lines[i+2])
			fn := strings.TrimSuffix(strings.TrimSpace(lines[i+1]), "()")
			pos, _, _ := strings.Cut(strings.TrimSpace(lines[i+2]), " +0x")
			part += " in " + fn + " (" + filepath.Base(pos) + ")"
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 { // a report of another shape: its first lines
		quoted = lines[:min(len(lines), 6)]
		return strings.Join(quoted, " "), quoted
	}
	return strings.Join(parts, ", "), quoted
}

// isRaceAccess reports whether l heads one access of a race report:
// "Read at 0x00c000094028 by goroutine 10:", "Previous write at 0x… by
// main goroutine:".
func isRaceAccess(l string) bool {
	return l != "" && l[0] != ' ' && strings.Contains(l, " at 0x") && strings.Contains(l, " by ") && strings.HasSuffix(l, ":")
}
