package runner

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.uber.org/goleak"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// leakWait bounds the wait for a run's goroutines to end (I11): goleak's
// own retries (about 0.4 s), repeated until then.
const leakWait = 2 * time.Second

// tapReader is the stderr tap's reader, which another run may still be
// using when this one ends: it is not this run's.
const tapReader = "github.com/breakerlab/breakerlab/scenarios/runner.(*stderrTap).read"

// leakWatch finds the goroutines a run leaves behind.
type leakWatch struct {
	before goleak.Option // ignores the goroutines alive when the run began
	bubble string        // the run's synctest bubble, "" for none
}

// watchLeaks notes the goroutines alive now and the bubble the run runs in.
func watchLeaks() *leakWatch {
	return &leakWatch{before: goleak.IgnoreCurrent(), bubble: currentBubble()}
}

// find returns the goroutines started since watchLeaks that are still
// alive, after waiting up to leakWait for them to end. Only goroutines that
// can be the run's count: those of its synctest bubble when it runs in one
// (a goroutine started in a bubble is in it), else those outside any. A
// goroutine that another test running in parallel starts is counted too.
func (l *leakWatch) find() []record.Leak {
	deadline := time.Now().Add(leakWait)
	for {
		var leaks []record.Leak
		if err := goleak.Find(l.before, goleak.IgnoreAnyFunction(tapReader)); err != nil {
			leaks = l.mine(parseLeaks(err.Error()))
		}
		if len(leaks) == 0 || !time.Now().Before(deadline) {
			return leaks
		}
	}
}

// mine keeps the leaks in the run's bubble.
func (l *leakWatch) mine(all []record.Leak) []record.Leak {
	var out []record.Leak
	for _, k := range all {
		if bubbleOf(k.State) == l.bubble {
			out = append(out, k)
		}
	}
	return out
}

// leakHeader heads each goroutine in goleak's error (go.uber.org/goleak
// v1.3 internal/stack.Stack.String), which is followed by its stack as
// the runtime prints it.
var leakHeader = regexp.MustCompile(`(?m)^\[?\s*Goroutine (\d+) in state (.*), with (\S+) on top of the stack:$`)

// leakStackLines bounds the stack lines a leak quotes.
const leakStackLines = 8

// parseLeaks reads the goroutines out of goleak's error text.
func parseLeaks(text string) []record.Leak {
	heads := leakHeader.FindAllStringSubmatchIndex(text, -1)
	leaks := make([]record.Leak, 0, len(heads))
	for i, h := range heads {
		end := len(text)
		if i+1 < len(heads) {
			end = heads[i+1][0]
		}
		id, _ := strconv.Atoi(text[h[2]:h[3]])
		k := record.Leak{Goroutine: id, State: text[h[4]:h[5]], Top: text[h[6]:h[7]], Stack: []string{}}
		// The runtime prints a frame as its function's line, then its
		// file's line indented by a tab; the last frame is "created by F in
		// goroutine N".
		for line := range strings.SplitSeq(strings.TrimRight(text[h[1]:end], "] \n"), "\n") {
			fn, file := "", strings.HasPrefix(line, "\t")
			line = strings.TrimSpace(line)
			if c, ok := strings.CutPrefix(line, "created by "); ok {
				k.CreatedBy, _, _ = strings.Cut(c, " in goroutine ")
			} else if i := strings.LastIndexByte(line, '('); !file && i > 0 {
				fn = line[:i]
			}
			if k.Func == "" && fn != "" && !inStd(fn) && inStd(k.Top) {
				k.Func = fn
			}
			if line != "" && len(k.Stack) < leakStackLines {
				k.Stack = append(k.Stack, line)
			}
		}
		leaks = append(leaks, k)
	}
	return leaks
}

// inStd reports whether function fn ("time.Sleep", "net/http.(*conn).serve",
// "github.com/x/y.F") is in the standard library: the first element of its
// import path has no dot. main is not.
func inStd(fn string) bool {
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return false
	}
	path := fn[:slash+1+dot]
	first, _, _ := strings.Cut(path, "/")
	return path != "main" && !strings.Contains(first, ".")
}
