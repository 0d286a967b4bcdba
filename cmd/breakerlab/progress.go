package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// defaultWidth is the terminal width assumed when it cannot be queried.
const defaultWidth = 80

// progressLine redraws one line on a terminal, fitted to its width so that
// a redraw never wraps (a wrapped line is not erased by the next one).
type progressLine struct {
	w     io.Writer
	width func() int // the terminal's columns, asked at every redraw (it may be resized)
	shown bool
}

// newProgressLine returns a progress line on the terminal f.
func newProgressLine(f *os.File) *progressLine {
	last := termWidth(f)
	return &progressLine{w: f, width: func() int {
		// In a binary built with -race, stderr is a pipe while a run goes
		// (the runner reads the race detector's reports through it): the
		// terminal's width is then the last one seen.
		if n := ttyWidth(f); n > 0 {
			last = n
		}
		return last
	}}
}

// termWidth returns f's width in columns: the terminal's, else $COLUMNS,
// else defaultWidth.
func termWidth(f *os.File) int {
	if n := ttyWidth(f); n > 0 {
		return n
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	return defaultWidth
}

// show redraws the line with p.
func (l *progressLine) show(p runner.Progress) {
	// One column is kept free: a line that fills the last column wraps on some terminals.
	text := fitLine(l.width()-1, progressText(p, false), progressText(p, true))
	io.WriteString(l.w, "\r\033[K"+text)
	l.shown = true
}

// progressText is the line for p: "nfr6-iam-outage 1m2.3s/4m0s 200 calls/s
// iam=closed", or, short, with each state as one letter (C, O, H).
func progressText(p runner.Progress, short bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s/%s %.0f calls/s", p.Label, p.Elapsed.Truncate(100*time.Millisecond), p.Duration, p.Rate)
	for _, s := range p.States {
		state := s.State.String()
		if short {
			state = map[string]string{"closed": "C", "open": "O", "half-open": "H"}[state]
		}
		fmt.Fprintf(&b, " %s=%s", s.Dep, state)
	}
	return b.String()
}

// fitLine returns the first of texts that fits in width columns, else the
// last cut to width with an ellipsis.
func fitLine(width int, texts ...string) string {
	for _, t := range texts {
		if utf8.RuneCountInString(t) <= width {
			return t
		}
	}
	if width < 1 {
		return ""
	}
	last := []rune(texts[len(texts)-1])
	return string(last[:width-1]) + "…"
}

// clear erases the line, if one is shown.
func (l *progressLine) clear() {
	if l == nil || !l.shown {
		return
	}
	io.WriteString(l.w, "\r\033[K")
	l.shown = false
}
