package jsonl

import (
	"bufio"
	"errors"
	"io"
	"sync"
	"time"
)

// DefaultFlushInterval is the flush interval the fakes' log and a run's
// records use: a killed run leaves files at most this stale.
const DefaultFlushInterval = 100 * time.Millisecond

// ErrClosed is returned by Append on a closed Writer.
var ErrClosed = errors.New("jsonl: writer closed")

// Flusher is a destination with its own buffer (a compressor, say), which
// [Writer] flushes after its own.
type Flusher interface {
	Flush() error
}

// Writer appends records to a destination through a buffer, which Flush and
// Close flush and [FlushEvery] flushes on a timer. If the destination is a
// [Flusher], its Flush follows each flush of the buffer. The first write
// error sticks: later calls return it and write nothing. A Writer is safe
// for concurrent use by multiple goroutines; records appended from one
// goroutine keep their order.
type Writer struct {
	mu     sync.Mutex
	dst    io.Writer     // guarded by mu
	bw     *bufio.Writer // guarded by mu
	rec    []byte        // guarded by mu: scratch for one record
	dirty  bool          // guarded by mu: appended to since the last flush
	err    error         // guarded by mu: the first write error
	closed bool          // guarded by mu
}

// NewWriter returns a Writer onto dst with a buffer of bufSize bytes (0
// means 64 KiB). Closing it never closes dst.
func NewWriter(dst io.Writer, bufSize int) *Writer {
	if bufSize <= 0 {
		bufSize = 64 << 10
	}
	return &Writer{dst: dst, bw: bufio.NewWriterSize(dst, bufSize), rec: make([]byte, 0, 256)}
}

// Append writes one record: encode appends its bytes (a JSON line ends in
// '\n') to the slice it is given and returns the result. encode runs under
// the Writer's lock, so it may use state that only this Writer's records
// touch, such as the previous record for delta encoding. Append returns the
// Writer's sticky error, or [ErrClosed] after Close.
func (w *Writer) Append(encode func(b []byte) []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return ErrClosed
	}
	w.rec = encode(w.rec[:0])
	w.dirty = true
	_, w.err = w.bw.Write(w.rec)
	return w.err
}

// Flush writes the buffered records to the destination now, and flushes the
// destination if it is a [Flusher]. It returns the sticky error.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushLocked()
}

// flushLocked requires w.mu held.
func (w *Writer) flushLocked() error {
	if w.err != nil {
		return w.err
	}
	if !w.dirty {
		return nil // nothing new, and no empty block for a compressor
	}
	w.dirty = false
	w.err = w.bw.Flush()
	if f, ok := w.dst.(Flusher); ok && w.err == nil {
		w.err = f.Flush()
	}
	return w.err
}

// Err returns the first write error, or nil.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Close flushes and returns the sticky error. Later Appends return
// [ErrClosed] (or the sticky error). Close may be called more than once.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	return w.flushLocked()
}

// FlushEvery calls flush every interval (0 means [DefaultFlushInterval])
// on a new goroutine, until stop is called; stop returns once the
// goroutine has ended, and may be called more than once. One FlushEvery
// can flush several Writers.
func FlushEvery(interval time.Duration, flush func()) (stop func()) {
	if interval <= 0 {
		interval = DefaultFlushInterval
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
				flush()
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(quit) })
		<-done
	}
}
