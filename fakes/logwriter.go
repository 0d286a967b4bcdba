package fakes

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// LogFlushInterval is how often a [LogWriter] flushes while records come in.
const LogFlushInterval = 100 * time.Millisecond

// LogWriter streams records as JSON lines (see [Record]) to an io.Writer,
// buffered and flushed every [LogFlushInterval] and on Close, so a run
// killed mid-way leaves at most the last 100 ms unwritten. Its Write method
// fits [Config.OnRecord]; several fakes may share one. A LogWriter is safe
// for concurrent use by multiple goroutines.
type LogWriter struct {
	stop chan struct{}
	done chan struct{}

	mu     sync.Mutex
	bw     *bufio.Writer // guarded by mu
	line   []byte        // guarded by mu: scratch for one record
	err    error         // guarded by mu: the first write error
	closed bool          // guarded by mu
}

// NewLogWriter starts a writer onto w. Close it to flush and stop; it does
// not close w.
func NewLogWriter(w io.Writer) *LogWriter {
	l := &LogWriter{
		stop: make(chan struct{}),
		done: make(chan struct{}),
		bw:   bufio.NewWriterSize(w, 64<<10),
		line: make([]byte, 0, 256),
	}
	go l.flushLoop()
	return l
}

// Write appends one record as a JSON line. After an error or Close it does
// nothing; [LogWriter.Err] reports the error.
func (l *LogWriter) Write(r Record) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil || l.closed {
		return
	}
	l.line = append(r.AppendJSON(l.line[:0]), '\n')
	_, l.err = l.bw.Write(l.line)
}

// Flush writes buffered records out now.
func (l *LogWriter) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err == nil {
		l.err = l.bw.Flush()
	}
	return l.err
}

// Err returns the first write error, or nil.
func (l *LogWriter) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Close flushes, stops the flushing goroutine and returns the first write
// error. Later Writes are dropped. Close may be called more than once.
func (l *LogWriter) Close() error {
	l.mu.Lock()
	already := l.closed
	l.closed = true
	l.mu.Unlock()
	if !already {
		close(l.stop)
	}
	<-l.done
	return l.Flush()
}

func (l *LogWriter) flushLoop() {
	defer close(l.done)
	t := time.NewTicker(LogFlushInterval)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			_ = l.Flush()
		}
	}
}
