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
	"sync"
)

// Run is a whole recorded run, read back into memory.
type Run struct {
	Dir         string
	Meta        Meta
	Calls       []Call       // in file order
	Transitions []Transition // in file order (transition order per dependency)
	DepRequests []DepRequest // in file order
	Snapshots   []Snapshot   // in file order
	// Warnings are problems that did not stop the read: a last line cut off
	// by a killed run, a missing .jsonl file.
	Warnings []string
}

// Read reads every file of the run directory dir. A bad line is an error
// naming the file, line and key; a cut-off last line and a missing .jsonl file
// are warnings in Run.Warnings.
func Read(dir string) (*Run, error) {
	meta, err := ReadMeta(dir)
	if err != nil {
		return nil, err
	}
	run := &Run{Dir: dir, Meta: meta}
	// calls.jsonl and dependency.jsonl are the big files: read them on two
	// goroutines (the other two are small), then join in a fixed order so
	// warnings come out the same every time.
	var (
		wg                 sync.WaitGroup
		depWarn            []string
		depErr             error
		callWarn           []string
		callErr, otherErrs error
	)
	wg.Go(func() {
		depErr = readFile(dir, DependencyFile, &depWarn, func(f *os.File, size int64) ([]string, error) {
			run.DepRequests = make([]DepRequest, 0, size/80+1)
			return EachDepRequest(f, filepath.Join(dir, DependencyFile), func(r *DepRequest) error {
				run.DepRequests = append(run.DepRequests, *r)
				return nil
			})
		})
	})
	callErr = readFile(dir, CallsFile, &callWarn, func(f *os.File, size int64) ([]string, error) {
		run.Calls = make([]Call, 0, size/90+1)
		return EachCall(f, filepath.Join(dir, CallsFile), func(c *Call) error {
			run.Calls = append(run.Calls, *c)
			return nil
		})
	})
	var transWarn, snapWarn []string
	otherErrs = errors.Join(
		readFile(dir, TransitionsFile, &transWarn, func(f *os.File, size int64) ([]string, error) {
			return EachTransition(f, filepath.Join(dir, TransitionsFile), func(t *Transition) error {
				run.Transitions = append(run.Transitions, *t)
				return nil
			})
		}),
		readFile(dir, SnapshotsFile, &snapWarn, func(f *os.File, size int64) ([]string, error) {
			return EachSnapshot(f, filepath.Join(dir, SnapshotsFile), func(s *Snapshot) error {
				run.Snapshots = append(run.Snapshots, *s)
				return nil
			})
		}))
	wg.Wait()
	for _, err := range []error{callErr, otherErrs, depErr} {
		if err != nil {
			return nil, err
		}
	}
	run.Warnings = slices.Concat(callWarn, transWarn, depWarn, snapWarn)
	return run, nil
}

func readFile(dir, name string, warnings *[]string, read func(f *os.File, size int64) ([]string, error)) error {
	path := filepath.Join(dir, name)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		*warnings = append(*warnings, fmt.Sprintf("%s: missing; read as empty", path))
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

// EachCall decodes calls.jsonl from r, calling fn with each call in order;
// the *Call is reused, so fn must copy what it keeps. name labels errors
// ("calls.jsonl:12: key \"gen\": …"). A last line cut off before its newline
// is skipped and reported in warnings; any other bad line is an error. An
// error from fn stops the read and is returned, unchanged unless [Invalid]
// marks it, in which case it names the file and line as a bad line does.
func EachCall(r io.Reader, name string, fn func(*Call) error) (warnings []string, err error) {
	var c Call
	return eachLine(r, name, func(d *decoder) error {
		if err := c.decode(d); err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return errCallback{err}
		}
		return nil
	})
}

// EachTransition decodes transitions.jsonl from r as EachCall does calls.jsonl.
func EachTransition(r io.Reader, name string, fn func(*Transition) error) (warnings []string, err error) {
	var t Transition
	return eachLine(r, name, func(d *decoder) error {
		if err := t.decode(d); err != nil {
			return err
		}
		if err := fn(&t); err != nil {
			return errCallback{err}
		}
		return nil
	})
}

// EachDepRequest decodes dependency.jsonl from r as EachCall does calls.jsonl.
func EachDepRequest(r io.Reader, name string, fn func(*DepRequest) error) (warnings []string, err error) {
	var q DepRequest
	return eachLine(r, name, func(d *decoder) error {
		if err := q.decode(d); err != nil {
			return err
		}
		if err := fn(&q); err != nil {
			return errCallback{err}
		}
		return nil
	})
}

// EachSnapshot decodes snapshots.jsonl from r as EachCall does calls.jsonl.
func EachSnapshot(r io.Reader, name string, fn func(*Snapshot) error) (warnings []string, err error) {
	var s Snapshot
	return eachLine(r, name, func(d *decoder) error {
		if err := s.decode(d); err != nil {
			return err
		}
		if err := fn(&s); err != nil {
			return errCallback{err}
		}
		return nil
	})
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
func eachLine(r io.Reader, name string, decode func(d *decoder) error) ([]string, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	var (
		d        decoder
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
			d.reset(line)
			derr := decode(&d)
			if derr == nil {
				derr = d.end()
			}
			if derr != nil {
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
