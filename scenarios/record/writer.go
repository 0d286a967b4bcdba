package record

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// DefaultFlushInterval is how often a Writer flushes its buffers to disk, so a
// killed run leaves files at most this stale.
const DefaultFlushInterval = 100 * time.Millisecond

// WriterOptions tune a Writer. The zero value is the default.
type WriterOptions struct {
	// FlushInterval is the longest a written line stays in memory before it
	// reaches the file. 0 means DefaultFlushInterval; negative is an error.
	FlushInterval time.Duration
	// BufferSize is each file's buffer in bytes. 0 means 256 KiB; negative is an error.
	BufferSize int
}

// Writer records a run: it creates the run directory, writes meta.json, and
// streams the four .jsonl files through buffers flushed every FlushInterval
// and on Close. It is safe for concurrent use by multiple goroutines; lines
// written from one goroutine keep their order, so a single-goroutine (sim)
// run gives byte-identical files for identical input.
type Writer struct {
	dir      string
	interval time.Duration

	calls       stream
	transitions stream
	deps        stream
	snapshots   stream

	stop chan struct{}
	done chan struct{}

	mu     sync.Mutex // guards meta and closed
	meta   Meta
	closed bool
}

// stream is one .jsonl file with its buffer.
type stream struct {
	name string

	mu  sync.Mutex // guards everything below
	f   *os.File
	w   *bufio.Writer
	buf []byte // the line being encoded; reused
	err error  // the first write error; sticky
}

// ErrClosed is returned by writes to a closed Writer.
var ErrClosed = errors.New("record: writer closed")

// Create makes dir (and its parents), writes meta.json, creates the four
// .jsonl files (truncating old ones), removes a stale verdict.json, and starts
// the flushing goroutine, which Close stops.
func Create(dir string, meta Meta, opts WriterOptions) (*Writer, error) {
	if opts.FlushInterval < 0 {
		return nil, fmt.Errorf("record: WriterOptions.FlushInterval %v is negative", opts.FlushInterval)
	}
	if opts.BufferSize < 0 {
		return nil, fmt.Errorf("record: WriterOptions.BufferSize %d is negative", opts.BufferSize)
	}
	if opts.FlushInterval == 0 {
		opts.FlushInterval = DefaultFlushInterval
	}
	if opts.BufferSize == 0 {
		opts.BufferSize = 256 << 10
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	if meta.SchemaVersion == 0 {
		meta.SchemaVersion = SchemaVersion
	}
	if err := WriteMeta(dir, meta); err != nil {
		return nil, err
	}
	if err := os.Remove(filepath.Join(dir, VerdictFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("record: removing the stale verdict: %w", err)
	}
	w := &Writer{
		dir:         dir,
		interval:    opts.FlushInterval,
		meta:        meta,
		calls:       stream{name: CallsFile},
		transitions: stream{name: TransitionsFile},
		deps:        stream{name: DependencyFile},
		snapshots:   stream{name: SnapshotsFile},
		stop:        make(chan struct{}),
		done:        make(chan struct{}),
	}
	for _, s := range w.streams() {
		f, err := os.Create(filepath.Join(dir, s.name))
		if err != nil {
			for _, o := range w.streams() {
				if o.f != nil {
					o.f.Close()
				}
			}
			return nil, fmt.Errorf("record: %w", err)
		}
		s.f = f
		s.w = bufio.NewWriterSize(f, opts.BufferSize)
		s.buf = make([]byte, 0, 512)
	}
	go w.flushLoop()
	return w, nil
}

func (w *Writer) streams() [4]*stream {
	return [4]*stream{&w.calls, &w.transitions, &w.deps, &w.snapshots}
}

// Dir returns the run directory.
func (w *Writer) Dir() string { return w.dir }

func (w *Writer) flushLoop() {
	defer close(w.done)
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			w.Flush()
		}
	}
}

// Flush writes every buffered line to its file now. It returns the first
// write error any stream has seen.
func (w *Writer) Flush() error {
	var first error
	for _, s := range w.streams() {
		if err := s.flush(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (s *stream) flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil {
		return s.errLocked()
	}
	if s.err == nil {
		if err := s.w.Flush(); err != nil {
			s.err = fmt.Errorf("record: writing %s: %w", s.name, err)
		}
	}
	return s.err
}

func (s *stream) errLocked() error {
	if s.err != nil {
		return s.err
	}
	return ErrClosed
}

// WriteCall appends c to calls.jsonl.
func (w *Writer) WriteCall(c Call) error {
	s := &w.calls
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil || s.err != nil {
		return s.errLocked()
	}
	s.buf = append(c.AppendJSON(s.buf[:0]), '\n')
	return s.writeLocked()
}

// WriteTransition appends t to transitions.jsonl.
func (w *Writer) WriteTransition(t Transition) error {
	s := &w.transitions
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil || s.err != nil {
		return s.errLocked()
	}
	s.buf = append(t.AppendJSON(s.buf[:0]), '\n')
	return s.writeLocked()
}

// WriteDepRequest appends r to dependency.jsonl.
func (w *Writer) WriteDepRequest(r DepRequest) error {
	s := &w.deps
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil || s.err != nil {
		return s.errLocked()
	}
	s.buf = append(r.AppendJSON(s.buf[:0]), '\n')
	return s.writeLocked()
}

// WriteSnapshot appends snap to snapshots.jsonl.
func (w *Writer) WriteSnapshot(snap Snapshot) error {
	s := &w.snapshots
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil || s.err != nil {
		return s.errLocked()
	}
	s.buf = append(snap.AppendJSON(s.buf[:0]), '\n')
	return s.writeLocked()
}

// writeLocked writes s.buf to the buffer. Requires s.mu held.
func (s *stream) writeLocked() error {
	if _, err := s.w.Write(s.buf); err != nil {
		s.err = fmt.Errorf("record: writing %s: %w", s.name, err)
		return s.err
	}
	return nil
}

// UpdateMeta changes the meta.json that Close writes, e.g. to set EndedNs,
// Interrupted and LeakedGoroutines. f runs under the Writer's lock and must
// not call the Writer.
func (w *Writer) UpdateMeta(f func(m *Meta)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f(&w.meta)
}

// Close stops the flushing goroutine, flushes and closes the four files, and
// rewrites meta.json with what UpdateMeta set. It returns the first error
// seen by any write, flush or close. A second Close returns ErrClosed.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	w.closed = true
	meta := w.meta
	w.mu.Unlock()

	close(w.stop)
	<-w.done
	var first error
	for _, s := range w.streams() {
		if err := s.close(); err != nil && first == nil {
			first = err
		}
	}
	if err := WriteMeta(w.dir, meta); err != nil && first == nil {
		first = err
	}
	return first
}

func (s *stream) close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		if err := s.w.Flush(); err != nil {
			s.err = fmt.Errorf("record: writing %s: %w", s.name, err)
		}
	}
	if err := s.f.Close(); err != nil && s.err == nil {
		s.err = fmt.Errorf("record: closing %s: %w", s.name, err)
	}
	err := s.err
	s.w = nil
	if s.err == nil {
		s.err = ErrClosed
	}
	return err
}
