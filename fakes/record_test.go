package fakes_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRecordsAndOnRecord(t *testing.T) {
	clk := newClock()
	t0 := clk.Now()
	var mu sync.Mutex
	var got []fakes.Record
	f := newFake(t, fakes.Config{Name: "iam", Now: clk.Now, LogSize: 3,
		OnRecord: func(r fakes.Record) { mu.Lock(); got = append(got, r); mu.Unlock() },
		Faults: fakes.Faults{ErrorStatus: 503, Latency: fakes.Latency{P50: 15 * time.Millisecond},
			Sequence: fakes.Sequence{Steps: []fakes.Step{{Fault: "error"}, {Fault: "none"}, {Fault: "hang"}, {Fault: "reset"}, {Fault: "none"}}}}})
	for seq := range int64(5) {
		clk.Advance(time.Second)
		_, _ = f.Simulate(seq)
	}
	require.Len(t, got, 5)
	assert.Equal(t, fakes.Record{Fake: "iam", Seq: 0, At: t0.Add(time.Second), Elapsed: time.Second,
		Fault: "error", Latency: 15 * time.Millisecond, Status: 503, Err: "injected error"}, got[0])
	assert.Equal(t, "latency", got[1].Fault)
	assert.Equal(t, "", got[1].Err)
	assert.Equal(t, 200, got[1].Status)
	assert.Equal(t, fakes.Record{Fake: "iam", Seq: 2, At: t0.Add(3 * time.Second), Elapsed: 3 * time.Second,
		Fault: "hang", Latency: 0, Status: 0, Err: "hang"}, got[2], "a hang's latency is the client's to decide")
	assert.Equal(t, "connection reset", got[3].Err)

	page := f.Log(0, 0)
	assert.EqualValues(t, 2, page.Dropped, "the ring keeps the last 3")
	assert.Equal(t, got[2:], page.Records)
	assert.EqualValues(t, 5, page.Next)
	page = f.Log(3, 1)
	assert.Equal(t, got[3:4], page.Records)
	assert.EqualValues(t, 4, page.Next)
	assert.Empty(t, f.Log(5, 10).Records)
	assert.Empty(t, f.Log(99, 10).Records)

	f.Reset()
	assert.Zero(t, f.Counters().Requests)
	assert.EqualValues(t, -1, f.Counters().LastSeq)
	assert.Empty(t, f.Log(0, 0).Records)
}

func TestRecordJSON(t *testing.T) {
	r := fakes.Record{Fake: "llm-gateway", Seq: 17, At: time.Date(2026, 11, 26, 19, 0, 0, 124, time.UTC),
		Elapsed: 124, Fault: "error", Latency: 15 * time.Millisecond, Status: 500, Err: `say "hi"` + "\n"}
	b, err := json.Marshal(r)
	require.NoError(t, err)
	assert.Equal(t, `{"fake":"llm-gateway","seq":17,"at":"2026-11-26T19:00:00.000000124Z","elapsed_ns":124,`+
		`"fault":"error","latency_ns":15000000,"status":500,"err":"say \"hi\"\n"}`, string(b))
	var back fakes.Record
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, r, back, "the JSON form reads back with encoding/json")
}

// A record's strings may hold anything an error message holds; the line
// stays valid JSON, with invalid UTF-8 replaced as encoding/json does.
func TestRecordJSONInvalidUTF8(t *testing.T) {
	r := fakes.Record{Fake: "iam\xff", Err: "bad \xc3 byte \u2028 <tag>"}
	line := r.AppendJSON(nil)
	var back fakes.Record
	require.NoError(t, json.Unmarshal(line, &back), "%s", line)
	assert.Equal(t, "iam\ufffd", back.Fake)
	assert.Equal(t, "bad \ufffd byte \u2028 <tag>", back.Err)
	assert.Contains(t, string(line), `"err":"bad \ufffd byte \u2028 <tag>"`)
}

func TestCountersJSON(t *testing.T) {
	f := newFake(t, fakes.Config{Faults: fakes.Faults{Sequence: fakes.Sequence{Steps: []fakes.Step{{Fault: "error", Count: 2}, {Fault: "none"}}}}})
	for seq := range int64(3) {
		_, _ = f.Simulate(seq + 10)
	}
	c := f.Counters()
	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, `{"requests":3,"in_flight":0,"last_seq":12,"none":3,"error":0,"latency":0,"hang":0,
		"timeout":0,"reset":0,"down":0,"slow_body":0,"truncate":0,"overload":0}`, string(b), "seq 10..12 are past the sequence")
	var back fakes.Counters
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, c, back)
	assert.Error(t, back.UnmarshalJSON([]byte(`[1]`)))
}

func TestLogWriterStreamsJSONLines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf safeBuffer
		lw := fakes.NewLogWriter(&buf)
		f := newFake(t, fakes.Config{Name: "iam", OnRecord: lw.Write, Faults: fakes.Faults{ErrorRate: 0.5}})
		for seq := range int64(100) {
			_, _ = f.Simulate(seq)
		}
		assert.Zero(t, buf.Len(), "buffered until the next flush")
		time.Sleep(fakes.LogFlushInterval)
		synctest.Wait()
		assert.NotZero(t, buf.Len(), "flushed within LogFlushInterval without Close")
		require.NoError(t, lw.Close())
		require.NoError(t, lw.Close(), "Close twice is fine")
		lw.Write(fakes.Record{Fake: "late"})

		sc := bufio.NewScanner(bytes.NewReader(buf.Bytes()))
		n, errs := 0, 0
		for sc.Scan() {
			var r fakes.Record
			require.NoError(t, json.Unmarshal(sc.Bytes(), &r))
			assert.Equal(t, "iam", r.Fake)
			assert.EqualValues(t, n, r.Seq)
			if r.Fault == "error" {
				errs++
			}
			n++
		}
		assert.Equal(t, 100, n, "every record, and none after Close")
		assert.EqualValues(t, f.Counters().Of(fakes.KindError), errs)
	})
}

func TestLogWriterReportsWriteErrors(t *testing.T) {
	lw := fakes.NewLogWriter(failWriter{})
	lw.Write(fakes.Record{Fake: "x"})
	err := lw.Close()
	assert.ErrorContains(t, err, "disk full")
	assert.Equal(t, err, lw.Err())
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// safeBuffer is a bytes.Buffer safe for the LogWriter's goroutine and ours.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Len()
}

func (s *safeBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.b.Bytes()...)
}

func (s *safeBuffer) String() string { return string(s.Bytes()) }
