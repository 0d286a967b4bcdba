package record

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/breakerlab/breakerlab/internal/hist"
)

// Run is a whole recorded run, read back into memory.
type Run struct {
	Dir         string
	Meta        Meta
	Calls       []Call       // in file order
	Transitions []Transition // in file order (transition order per dependency)
	DepRequests []DepRequest // in file order
	Snapshots   []Snapshot   // in file order
	// Omitted accounts, in a run recorded at the windows level, for the
	// calls and requests that Calls and DepRequests leave out; nil at the
	// full level. Their latencies are merged into OmittedLatency (a run of
	// hours has thousands of records, each with a histogram), so each
	// record's Latency is nil.
	Omitted        []Omitted
	OmittedLatency map[OmittedKey]*hist.Histogram
	// Filtered is set when the run was recorded in full and read at the
	// windows level ([ReadWindows]): Meta says the windows level, and the
	// files hold every call.
	Filtered bool
	// Warnings are problems that did not stop the read: a last line cut off
	// by a killed run, a missing file.
	Warnings []string
}

// Read reads every file of the run directory dir, in any schema this
// package reads. A bad record is an error naming the file, the line or
// record, and the key; a cut-off last record and a missing file are
// warnings in Run.Warnings.
func Read(dir string) (*Run, error) {
	meta, err := ReadMeta(dir)
	if err != nil {
		return nil, err
	}
	run := &Run{Dir: dir, Meta: meta}
	// The calls and the dependency requests are the big files: read them on
	// two goroutines (the other two are small), then join in a fixed order
	// so warnings come out the same every time.
	var (
		wg                 sync.WaitGroup
		depWarn            []string
		depErr             error
		callWarn           []string
		callErr, otherErrs error
	)
	wg.Go(func() {
		depErr = readFile(dir, DependencyFile, &depWarn, func(f *os.File, size int64) ([]string, error) {
			run.DepRequests = make([]DepRequest, 0, size/bytesPerRecord(f, 80, 3)+1)
			return EachDepRequest(f, f.Name(), func(r *DepRequest) error {
				run.DepRequests = append(run.DepRequests, *r)
				return nil
			})
		})
	})
	callErr = readFile(dir, CallsFile, &callWarn, func(f *os.File, size int64) ([]string, error) {
		run.Calls = make([]Call, 0, size/bytesPerRecord(f, 90, 3)+1)
		return EachCall(f, f.Name(), func(c *Call) error {
			run.Calls = append(run.Calls, *c)
			return nil
		})
	})
	var transWarn, snapWarn, omitWarn []string
	if meta.Windows() {
		run.OmittedLatency = make(map[OmittedKey]*hist.Histogram)
		otherErrs = readFile(dir, OmittedFile, &omitWarn, func(f *os.File, size int64) ([]string, error) {
			return EachOmitted(f, f.Name(), func(o *Omitted) error {
				run.addOmitted(o)
				return nil
			})
		})
	}
	otherErrs = errors.Join(otherErrs, run.readReports(&transWarn, &snapWarn))
	wg.Wait()
	for _, err := range []error{callErr, otherErrs, depErr} {
		if err != nil {
			return nil, err
		}
	}
	run.Warnings = slices.Concat(callWarn, transWarn, depWarn, snapWarn, omitWarn)
	return run, nil
}

// addOmitted adds o to the run, its latencies merged into OmittedLatency.
func (run *Run) addOmitted(o *Omitted) {
	if o.Latency != nil {
		k := OmittedKey{o.Dep, o.Outcome}
		if run.OmittedLatency[k] == nil {
			run.OmittedLatency[k] = hist.New(hist.Fine)
		}
		run.OmittedLatency[k].Merge(o.Latency)
	}
	o.Latency = nil
	run.Omitted = append(run.Omitted, *o)
}

// readReports reads what the breaker reported: the transitions and the
// snapshots.
func (run *Run) readReports(transWarn, snapWarn *[]string) error {
	return errors.Join(
		readFile(run.Dir, TransitionsFile, transWarn, func(f *os.File, size int64) ([]string, error) {
			return EachTransition(f, f.Name(), func(t *Transition) error {
				run.Transitions = append(run.Transitions, *t)
				return nil
			})
		}),
		readFile(run.Dir, SnapshotsFile, snapWarn, func(f *os.File, size int64) ([]string, error) {
			return EachSnapshot(f, f.Name(), func(s *Snapshot) error {
				run.Snapshots = append(run.Snapshots, *s)
				return nil
			})
		}))
}

// bytesPerRecord guesses a record's size in f, JSON lines or binary, to
// size the slice it is read into. The guess for binary is low: capacity
// never touched costs no memory, while growing the slice copies it.
func bytesPerRecord(f *os.File, jsonLine, binary int64) int64 {
	if strings.HasSuffix(f.Name(), ".jsonl") {
		return jsonLine
	}
	return binary
}

func readFile(dir, name string, warnings *[]string, read func(f *os.File, size int64) ([]string, error)) error {
	f, err := OpenFile(dir, name)
	if errors.Is(err, os.ErrNotExist) {
		*warnings = append(*warnings, fmt.Sprintf("%s: missing; read as empty", filepath.Join(dir, name)))
		return nil
	}
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	w, err := read(f, size)
	*warnings = append(*warnings, w...)
	return err
}

// EachCall decodes the calls of a run's CallsFile from r, calling fn with
// each call in order; the *Call is reused, so fn must copy what it keeps. r
// may hold any form the calls were recorded in: the binary records of
// schema 2, or the JSON lines of schema 1 (calls.jsonl), compressed with
// zstd or not. name labels errors ("calls.bin: record 12: …",
// "calls.jsonl:12: key \"gen\": …"). A last record cut off by a killed run
// is skipped and reported in warnings, and so is a compressed stream cut
// off mid-frame; any other bad record is an error. An error from fn stops
// the read and is returned, unchanged unless [Invalid] marks it, in which
// case it names the file and record as a bad record does.
func EachCall(r io.Reader, name string, fn func(*Call) error) (warnings []string, err error) {
	bin, line := callDecoders(fn)
	return eachRecord(r, name, kindCalls, bin, line)
}

// callDecoders returns the decoders of the binary and the JSON-lines form
// of calls, each passing the call it decodes to fn.
func callDecoders(fn func(*Call) error) (func(*binDecoder) error, func([]byte) error) {
	var (
		c Call
		d decoder
	)
	bin := func(b *binDecoder) error {
		if err := b.call(&c); err != nil {
			return err
		}
		return callback(fn(&c))
	}
	line := func(l []byte) error {
		d.reset(l)
		if err := c.decode(&d); err != nil {
			return err
		}
		if err := d.end(); err != nil {
			return err
		}
		return callback(fn(&c))
	}
	return bin, line
}

// EachDepRequest decodes the dependency requests of a run's DependencyFile
// from r as EachCall does calls.
func EachDepRequest(r io.Reader, name string, fn func(*DepRequest) error) (warnings []string, err error) {
	bin, line := depRequestDecoders(fn)
	return eachRecord(r, name, kindDeps, bin, line)
}

// depRequestDecoders is callDecoders for dependency requests.
func depRequestDecoders(fn func(*DepRequest) error) (func(*binDecoder) error, func([]byte) error) {
	var (
		q DepRequest
		d decoder
	)
	bin := func(b *binDecoder) error {
		if err := b.depRequest(&q); err != nil {
			return err
		}
		return callback(fn(&q))
	}
	line := func(l []byte) error {
		d.reset(l)
		if err := q.decode(&d); err != nil {
			return err
		}
		if err := d.end(); err != nil {
			return err
		}
		return callback(fn(&q))
	}
	return bin, line
}

// EachTransition decodes transitions.jsonl (or inferred.jsonl) from r as
// EachCall does calls.
func EachTransition(r io.Reader, name string, fn func(*Transition) error) (warnings []string, err error) {
	var t Transition
	return eachRecord(r, name, "transitions", nil, func(l []byte) error {
		if err := t.UnmarshalJSON(l); err != nil {
			return err
		}
		return callback(fn(&t))
	})
}

// EachSnapshot decodes snapshots.jsonl from r as EachCall does calls.
func EachSnapshot(r io.Reader, name string, fn func(*Snapshot) error) (warnings []string, err error) {
	var s Snapshot
	return eachRecord(r, name, "snapshots", nil, func(l []byte) error {
		if err := s.UnmarshalJSON(l); err != nil {
			return err
		}
		return callback(fn(&s))
	})
}

// callback marks a non-nil error from the caller's fn, to be passed through.
func callback(err error) error {
	if err == nil {
		return nil
	}
	return errCallback{err}
}

// errCallback marks an error returned by the caller's fn, passed through unwrapped.
type errCallback struct{ err error }

func (e errCallback) Error() string { return e.err.Error() }

// Invalid marks err, returned by the fn of [EachCall] and its siblings, as a
// fault of the record fn was given (a value the caller cannot accept, such
// as an end before the start): the reader then returns it the way it returns
// a line it cannot decode, naming the file and line
// ("record: calls.jsonl:7: end_ns 2 before start_ns 5"). Any other error
// from fn is returned unchanged. Invalid(nil) is nil.
func Invalid(err error) error {
	if err == nil {
		return nil
	}
	return invalidError{err}
}

// invalidError is an error from fn marked by [Invalid].
type invalidError struct{ err error }

func (e invalidError) Error() string { return e.err.Error() }
func (e invalidError) Unwrap() error { return e.err }

// eachLine splits r into lines and decodes each with decode. Blank lines are
// skipped.
func eachLine(r io.Reader, name string, decode func(line []byte) error) ([]string, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 256<<10)
	}
	var (
		long     []byte
		warnings []string
	)
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return warnings, fmt.Errorf("record: reading %s: %w", name, err)
		}
		complete := len(line) > 0 && line[len(line)-1] == '\n'
		if len(bytes.TrimSpace(line)) > 0 {
			if derr := decode(line); derr != nil {
				if cb, ok := derr.(errCallback); ok {
					if errors.As(cb.err, new(invalidError)) {
						return warnings, fmt.Errorf("record: %s:%d: %w", name, lineNo, cb.err)
					}
					return warnings, cb.err
				}
				if complete {
					return warnings, fmt.Errorf("record: %s:%d: %w", name, lineNo, derr)
				}
				warnings = append(warnings, fmt.Sprintf("%s:%d: last line cut off (%v); skipped", name, lineNo, derr))
			}
		}
		if err != nil { // io.EOF
			return warnings, nil
		}
	}
}
