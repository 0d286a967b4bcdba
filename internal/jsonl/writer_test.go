package jsonl_test

import (
	"bytes"
	"errors"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/internal/jsonl"
)

// buffer is a bytes.Buffer safe for the Writer's goroutine and the test's,
// counting the flushes it is asked for.
type buffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	flushes int
	fail    error
}

func (s *buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return 0, s.fail
	}
	return s.b.Write(p)
}

func (s *buffer) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flushes++
	return nil
}

func (s *buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *buffer) Flushes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.flushes
}

func line(s string) func([]byte) []byte {
	return func(b []byte) []byte { return append(jsonl.AppendString(b, s), '\n') }
}

func TestWriterFlushesEveryInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var dst buffer
		w := jsonl.NewWriter(&dst, 0)
		stop := jsonl.FlushEvery(0, func() { _ = w.Flush() })
		require.NoError(t, w.Append(line("a")))
		assert.Empty(t, dst.String(), "buffered until the flush interval")

		time.Sleep(jsonl.DefaultFlushInterval)
		synctest.Wait()
		assert.Equal(t, "\"a\"\n", dst.String(), "flushed within one interval, without Close")
		assert.Equal(t, 1, dst.Flushes(), "the destination is flushed after the buffer")

		time.Sleep(5 * jsonl.DefaultFlushInterval)
		synctest.Wait()
		assert.Equal(t, 1, dst.Flushes(), "no flush without new records")

		require.NoError(t, w.Append(line("b")))
		stop()
		stop() // twice is fine
		require.NoError(t, w.Close())
		assert.Equal(t, "\"a\"\n\"b\"\n", dst.String())
		require.NoError(t, w.Close(), "Close twice is fine")
		assert.ErrorIs(t, w.Append(line("late")), jsonl.ErrClosed)
		assert.Equal(t, "\"a\"\n\"b\"\n", dst.String(), "nothing after Close")
	})
}

func TestWriterKeepsOrderUnderConcurrency(t *testing.T) {
	var dst buffer
	w := jsonl.NewWriter(&dst, 64)
	stop := jsonl.FlushEvery(time.Millisecond, func() { _ = w.Flush() })
	const goroutines, each = 8, 300
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				assert.NoError(t, w.Append(line(strconv.Itoa(g*each+i))))
			}
		})
	}
	wg.Wait()
	stop()
	require.NoError(t, w.Close())
	last := map[int]int{}
	n := 0
	for l := range bytes.Lines([]byte(dst.String())) {
		v, err := strconv.Atoi(string(l[1 : len(l)-2]))
		require.NoError(t, err, "a whole record per line: %q", l)
		g := v / each
		if prev, ok := last[g]; ok {
			assert.Greater(t, v, prev, "one goroutine's records keep their order")
		}
		last[g] = v
		n++
	}
	assert.Equal(t, goroutines*each, n)
}

func TestWriterErrorSticks(t *testing.T) {
	dst := buffer{fail: errors.New("disk full")}
	w := jsonl.NewWriter(&dst, 16)
	err := w.Append(line("longer than the sixteen-byte buffer"))
	assert.ErrorContains(t, err, "disk full")
	assert.Equal(t, err, w.Append(line("x")), "the first error sticks")
	assert.Equal(t, err, w.Err())
	assert.Equal(t, err, w.Close())
}
