package fakes

import (
	"io"

	"github.com/breakerlab/breakerlab/internal/jsonl"
)

// LogFlushInterval is how often a [LogWriter] flushes while records come in.
const LogFlushInterval = jsonl.DefaultFlushInterval

// LogWriter streams records as JSON lines (see [Record]) to an io.Writer,
// buffered and flushed every [LogFlushInterval] and on Close, so a run
// killed mid-way leaves at most the last 100 ms unwritten. Its Write method
// fits [Config.OnRecord]; several fakes may share one. A LogWriter is safe
// for concurrent use by multiple goroutines.
type LogWriter struct {
	w    *jsonl.Writer
	stop func() // stops the flushing goroutine
}

// NewLogWriter starts a writer onto w. Close it to flush and stop; it does
// not close w.
func NewLogWriter(w io.Writer) *LogWriter {
	jw := jsonl.NewWriter(w, 64<<10)
	return &LogWriter{w: jw, stop: jsonl.FlushEvery(LogFlushInterval, func() { _ = jw.Flush() })}
}

// Write appends one record as a JSON line. After an error or Close it does
// nothing; [LogWriter.Err] reports the error.
func (l *LogWriter) Write(r Record) {
	_ = l.w.Append(func(b []byte) []byte { return append(r.AppendJSON(b), '\n') })
}

// Flush writes buffered records out now.
func (l *LogWriter) Flush() error { return l.w.Flush() }

// Err returns the first write error, or nil.
func (l *LogWriter) Err() error { return l.w.Err() }

// Close flushes, stops the flushing goroutine and returns the first write
// error. Later Writes are dropped. Close may be called more than once.
func (l *LogWriter) Close() error {
	l.stop()
	return l.w.Close()
}
