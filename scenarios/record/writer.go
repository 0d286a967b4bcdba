package record

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/breakerlab/breakerlab/internal/jsonl"
)

// DefaultFlushInterval is how often a Writer flushes its buffers to disk, so a
// killed run leaves files at most this stale.
const DefaultFlushInterval = jsonl.DefaultFlushInterval

// WriterOptions tune a Writer. The zero value is the default.
type WriterOptions struct {
	// FlushInterval is the longest a written record stays in memory before
	// it reaches the file. 0 means DefaultFlushInterval; negative is an error.
	FlushInterval time.Duration
	// BufferSize is each file's buffer in bytes. 0 means 256 KiB; negative is an error.
	BufferSize int
	// Level is how much to record: LevelFull (also when empty) or
	// LevelWindows. Create sets meta.json's record_level and window_calls.
	Level string
	// WindowCalls is, at LevelWindows, how many calls of each run of like
	// calls are kept at either end. 0 means DefaultWindowCalls; negative is
	// an error.
	WindowCalls int
}

// Writer records a run: it creates the run directory, writes meta.json, and
// streams the calls, transitions, dependency requests and snapshots to their
// files through buffers flushed every FlushInterval (by one goroutine) and
// on Close. It is safe for concurrent use by multiple goroutines; records
// written from one goroutine keep their order, so a single-goroutine (sim)
// run records the same records for the same input (the compressed bytes
// may differ where the timed flushes fell; [Cat] prints them the same).
//
// WriteCall and WriteDepRequest are the only ways per-call records get in:
// a record level that keeps only some calls would filter there.
type Writer struct {
	dir string

	// The binary streams' encoders run under their stream's lock (inside
	// jsonl.Writer.Append), which guards them.
	calls, transitions, deps, snapshots *stream
	omitted                             *stream  // nil at the full level
	win                                 *windows // nil at the full level
	callEnc, depEnc                     *binEncoder
	stopFlushing                        func()

	mu     sync.Mutex // guards meta and closed
	meta   Meta
	closed bool
}

// stream is one file of the run: JSON lines, or binary records behind a
// zstd encoder.
type stream struct {
	name string
	f    *os.File
	z    *zstd.Encoder // nil for JSON lines
	w    *jsonl.Writer
}

// ErrClosed is returned by writes to a closed Writer.
var ErrClosed = errors.New("record: writer closed")

// Create makes dir (and its parents), writes meta.json, creates the record
// files (truncating old ones, and removing a schema-1 run's calls.jsonl and
// dependency.jsonl and a stale verdict.json), and starts the goroutine
// that flushes them, which Close stops.
func Create(dir string, meta Meta, opts WriterOptions) (*Writer, error) {
	if opts.FlushInterval < 0 {
		return nil, fmt.Errorf("record: WriterOptions.FlushInterval %v is negative", opts.FlushInterval)
	}
	if opts.BufferSize < 0 {
		return nil, fmt.Errorf("record: WriterOptions.BufferSize %d is negative", opts.BufferSize)
	}
	if opts.BufferSize == 0 {
		opts.BufferSize = 256 << 10
	}
	switch {
	case opts.Level != "" && opts.Level != LevelFull && opts.Level != LevelWindows:
		return nil, fmt.Errorf("record: WriterOptions.Level %q, want %s or %s", opts.Level, LevelFull, LevelWindows)
	case opts.WindowCalls < 0:
		return nil, fmt.Errorf("record: WriterOptions.WindowCalls %d is negative", opts.WindowCalls)
	case opts.Level == LevelWindows:
		meta.RecordLevel, meta.WindowCalls = LevelWindows, cmp.Or(opts.WindowCalls, DefaultWindowCalls)
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
	for _, stale := range []string{VerdictFile, OmittedFile, legacyNames[CallsFile], legacyNames[DependencyFile]} {
		if err := os.Remove(filepath.Join(dir, stale)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("record: removing the stale %s: %w", stale, err)
		}
	}
	w := &Writer{dir: dir, meta: meta, callEnc: newBinEncoder(), depEnc: newBinEncoder()}
	var err error
	for _, s := range []struct {
		p    **stream
		name string
		kind string // binary records of this kind; "" for JSON lines
	}{
		{&w.calls, CallsFile, kindCalls},
		{&w.transitions, TransitionsFile, ""},
		{&w.deps, DependencyFile, kindDeps},
		{&w.snapshots, SnapshotsFile, ""},
	} {
		if *s.p, err = openStream(filepath.Join(dir, s.name), s.kind, opts); err != nil {
			w.closeStreams()
			return nil, err
		}
	}
	if meta.Windows() {
		if w.omitted, err = openStream(filepath.Join(dir, OmittedFile), "", opts); err != nil {
			w.closeStreams()
			return nil, err
		}
		w.win = newWindows(meta.WindowCalls, &meta, func(c Call) { _ = w.appendCall(&c) },
			func(r DepRequest) { _ = w.appendDepRequest(&r) },
			func(o *Omitted) { _ = w.omitted.appendJSON(o) })
	}
	w.stopFlushing = jsonl.FlushEvery(opts.FlushInterval, func() { _ = w.flushStreams() })
	return w, nil
}

// openStream creates the file at path and starts its writer: a binary
// records file of kind starts with its header line, written at once, and
// continues as a zstd stream.
func openStream(path, kind string, opts WriterOptions) (*stream, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	s := &stream{name: filepath.Base(path), f: f}
	var dst io.Writer = f
	if kind != "" {
		if _, err := f.WriteString(binHeader(kind)); err != nil {
			f.Close()
			return nil, fmt.Errorf("record: writing %s: %w", s.name, err)
		}
		// The fastest level: 3× smaller than the raw records (12.7 → 4.2
		// bytes a call in nfr6-soak-10m), and cheap (BenchmarkWriteCall). No
		// goroutine of its own: the writer compresses on the goroutine that
		// fills a block, so nothing runs beside the run (the runner counts
		// goroutines for I11 before Close). A 256 KiB window is as good as
		// a larger one for records of a dozen bytes, and keeps the
		// readers' memory small.
		s.z, err = zstd.NewWriter(f, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(256<<10))
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("record: %s: %w", s.name, err)
		}
		dst = s.z
	}
	s.w = jsonl.NewWriter(dst, opts.BufferSize)
	return s, nil
}

func (w *Writer) streams() []*stream {
	if w.omitted != nil {
		return []*stream{w.calls, w.transitions, w.deps, w.snapshots, w.omitted}
	}
	return []*stream{w.calls, w.transitions, w.deps, w.snapshots}
}

// Dir returns the run directory.
func (w *Writer) Dir() string { return w.dir }

// WriteCall appends c to the calls (at the windows level, through the
// filter that keeps the calls near each change of result).
func (w *Writer) WriteCall(c Call) error {
	if w.win != nil {
		// A write error is sticky: Close returns it.
		return w.win.call(c)
	}
	return w.appendCall(&c)
}

// WriteDepRequest appends r to the dependency requests (at the windows
// level, once its call is kept).
func (w *Writer) WriteDepRequest(r DepRequest) error {
	if w.win != nil {
		return w.win.request(r)
	}
	return w.appendDepRequest(&r)
}

func (w *Writer) appendCall(c *Call) error {
	return w.calls.append(func(b []byte) []byte { return w.callEnc.appendCall(b, c) })
}

func (w *Writer) appendDepRequest(r *DepRequest) error {
	return w.deps.append(func(b []byte) []byte { return w.depEnc.appendDepRequest(b, r) })
}

// WriteTransition appends t to transitions.jsonl. A transition with an
// invalid state is an error, and is not written.
func (w *Writer) WriteTransition(t Transition) error {
	return w.transitions.appendJSON(t)
}

// WriteSnapshot appends snap to snapshots.jsonl. A snapshot with an invalid
// state is an error, and is not written.
func (w *Writer) WriteSnapshot(snap Snapshot) error {
	return w.snapshots.appendJSON(snap)
}

func (s *stream) append(encode func([]byte) []byte) error {
	return s.wrap(s.w.Append(encode))
}

func (s *stream) appendJSON(v any) error {
	line, err := marshalLine(v)
	if err != nil {
		return fmt.Errorf("record: %s: %w", s.name, err)
	}
	return s.append(func(b []byte) []byte { return append(b, line...) })
}

// wrap names the file in a write error.
func (s *stream) wrap(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jsonl.ErrClosed):
		return ErrClosed
	}
	return fmt.Errorf("record: writing %s: %w", s.name, err)
}

// Flush writes every buffered record to its file now. It returns the first
// write error any file has seen, or ErrClosed after Close.
func (w *Writer) Flush() error {
	w.mu.Lock()
	closed := w.closed
	w.mu.Unlock()
	if closed {
		return ErrClosed
	}
	return w.flushStreams()
}

func (w *Writer) flushStreams() error {
	var first error
	for _, s := range w.streams() {
		if err := s.wrap(s.w.Flush()); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// UpdateMeta changes the meta.json that Close writes, e.g. to set EndedNs,
// Interrupted and LeakedGoroutines. f runs under the Writer's lock and must
// not call the Writer.
func (w *Writer) UpdateMeta(f func(m *Meta)) {
	w.mu.Lock()
	defer w.mu.Unlock()
	f(&w.meta)
}

// Close stops the flushing goroutine, flushes and closes the files (a
// compressed stream gets its end mark), and rewrites meta.json with what
// UpdateMeta set. It returns the first error seen by any write, flush or
// close. A second Close returns ErrClosed.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	w.closed = true
	meta := w.meta
	w.mu.Unlock()

	w.stopFlushing()
	if w.win != nil {
		meta.Warnings = append(meta.Warnings, w.win.close()...)
	}
	first := w.closeStreams()
	if err := WriteMeta(w.dir, meta); err != nil && first == nil {
		first = err
	}
	return first
}

// closeStreams closes every stream opened so far, returning the first error.
func (w *Writer) closeStreams() error {
	var first error
	for _, s := range w.streams() {
		if s == nil {
			continue
		}
		if err := s.close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (s *stream) close() error {
	err := s.wrap(s.w.Close())
	if s.z != nil {
		if zerr := s.z.Close(); zerr != nil && err == nil {
			err = fmt.Errorf("record: writing %s: %w", s.name, zerr)
		}
	}
	if ferr := s.f.Close(); ferr != nil && err == nil {
		err = fmt.Errorf("record: closing %s: %w", s.name, ferr)
	}
	return err
}
