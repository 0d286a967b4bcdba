package fakes_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// seqFake answers the listed faults in order, 20 ms each.
func seqFake(t *testing.T, steps ...string) *fakes.Fake {
	t.Helper()
	st := make([]fakes.Step, len(steps))
	for i, s := range steps {
		st[i] = fakes.Step{Fault: s}
	}
	return newFake(t, fakes.Config{Name: "iam", Faults: fakes.Faults{
		ErrorStatus: 503, Latency: fakes.Latency{P50: 20 * time.Millisecond},
		Timeout: fakes.Timeout{After: 2 * time.Second}, SlowBody: fakes.SlowBody{BytesPerSec: 64},
		Sequence: fakes.Sequence{Steps: st},
	}})
}

func get(t *testing.T, c *http.Client, url string, seq int) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if seq >= 0 {
		req.Header.Set(fakes.HeaderVegetaSeq, itoa(seq))
	}
	return c.Do(req)
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestRoundTripperInSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := seqFake(t, "none", "error", "reset", "down", "timeout", "truncate", "slow_body", "hang")
		c := &http.Client{Transport: fakes.NewRoundTripper(f), Timeout: 10 * time.Second}
		url := "http://iam.test/v1/token"

		start := time.Now()
		resp, err := get(t, c, url, 0)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		assert.Equal(t, 200, resp.StatusCode)
		assert.Equal(t, "latency", resp.Header.Get(fakes.HeaderFault))
		assert.Len(t, body, 64)
		assert.True(t, strings.HasPrefix(string(body), `{"fake":"iam","seq":0,"fault":"latency"}`), string(body))
		assert.Equal(t, 20*time.Millisecond, time.Since(start))

		resp, err = get(t, c, url, 1)
		require.NoError(t, err)
		body, _ = io.ReadAll(resp.Body)
		assert.Equal(t, 503, resp.StatusCode)
		assert.Contains(t, string(body), `"fault":"error","status":503`)

		_, err = get(t, c, url, 2)
		assert.ErrorIs(t, err, fakes.ErrReset)
		assert.ErrorIs(t, err, syscall.ECONNRESET)

		_, err = get(t, c, url, 3)
		assert.ErrorIs(t, err, fakes.ErrDown)
		assert.ErrorIs(t, err, syscall.ECONNREFUSED)

		start = time.Now()
		_, err = get(t, c, url, 4)
		assert.ErrorIs(t, err, fakes.ErrTimeout)
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		assert.Equal(t, 2*time.Second, time.Since(start))

		resp, err = get(t, c, url, 5)
		require.NoError(t, err)
		body, err = io.ReadAll(resp.Body)
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "a truncated body ends early")
		assert.Len(t, body, 32)
		assert.EqualValues(t, 64, resp.ContentLength)

		start = time.Now()
		resp, err = get(t, c, url, 6)
		require.NoError(t, err)
		body, err = io.ReadAll(resp.Body)
		require.NoError(t, err)
		assert.Len(t, body, 64)
		assert.Equal(t, 20*time.Millisecond+time.Second, time.Since(start), "64 bytes at 64 B/s after the latency")

		start = time.Now()
		_, err = get(t, c, url, 7)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, 10*time.Second, time.Since(start), "a hang lasts until the client gives up")

		c2 := f.Counters()
		assert.EqualValues(t, 8, c2.Requests)
		for _, k := range []fakes.Kind{fakes.KindLatency, fakes.KindError, fakes.KindReset, fakes.KindDown,
			fakes.KindTimeout, fakes.KindTruncate, fakes.KindSlowBody, fakes.KindHang} {
			assert.EqualValues(t, 1, c2.Of(k), "%s", k)
		}
	})
}

func TestRoundTripperSequenceHeaders(t *testing.T) {
	f := newFake(t, fakes.Config{})
	c := &http.Client{Transport: fakes.NewRoundTripper(f)}
	for _, h := range []struct {
		key, val string
		want     int64
	}{
		{fakes.HeaderVegetaSeq, "41", 41},
		{fakes.HeaderSeq, "7", 7},
		{fakes.HeaderSeq, "nope", 0}, // unreadable: the arrival count (this is the first without a seq)
	} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://x/", strings.NewReader("{}"))
		req.Header.Set(h.key, h.val)
		resp, err := c.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		page := f.Log(0, 0)
		assert.Equal(t, h.want, page.Records[len(page.Records)-1].Seq, "%s: %s", h.key, h.val)
	}
}

// The attacker a seq belongs to is recorded with it: X-Breakerlab-Attack
// wins over vegeta's X-Vegeta-Attack; a name without a seq is not
// recorded, a long one is cut.
func TestAttackRecorded(t *testing.T) {
	f := newFake(t, fakes.Config{})
	c := &http.Client{Transport: fakes.NewRoundTripper(f)}
	long := strings.Repeat("h", fakes.MaxAttackLen+10)
	for _, tt := range []struct {
		headers  []string
		want     string
		wantJSON string
	}{
		{[]string{fakes.HeaderVegetaSeq, "3", fakes.HeaderVegetaAttack, "host-2"}, "host-2", `,"seq_sent":true,"attack":"host-2"}`},
		{[]string{fakes.HeaderSeq, "3", fakes.HeaderVegetaAttack, "host-2", fakes.HeaderAttack, "host-1"}, "host-1", `,"attack":"host-1"}`},
		{[]string{fakes.HeaderVegetaAttack, "host-2"}, "", `"err":""}`},
		{[]string{fakes.HeaderSeq, "3"}, "", `,"seq_sent":true}`},
		{[]string{fakes.HeaderSeq, "3", fakes.HeaderAttack, long}, long[:fakes.MaxAttackLen], `"}`},
	} {
		req, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
		for i := 0; i < len(tt.headers); i += 2 {
			req.Header.Set(tt.headers[i], tt.headers[i+1])
		}
		resp, err := c.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		page := f.Log(0, 0)
		rec := page.Records[len(page.Records)-1]
		assert.Equal(t, tt.want, rec.Attack, "%q", tt.headers)
		assert.True(t, strings.HasSuffix(string(rec.AppendJSON(nil)), tt.wantJSON), "%q: %s", tt.headers, rec.AppendJSON(nil))
	}
}

func TestRoundTripperHead(t *testing.T) {
	f := newFake(t, fakes.Config{})
	c := &http.Client{Transport: fakes.NewRoundTripper(f)}
	resp, err := c.Head("http://x/")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	assert.Empty(t, body)
	assert.Equal(t, 200, resp.StatusCode)
}

func TestBodyBytes(t *testing.T) {
	for _, n := range []int{1, 10, 64, 200, 10_000} {
		f := newFake(t, fakes.Config{Faults: fakes.Faults{BodyBytes: n}})
		c := &http.Client{Transport: fakes.NewRoundTripper(f.Handler())}
		resp, err := c.Get("http://x/")
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		assert.Len(t, body, n)
		assert.Equal(t, byte('\n'), body[n-1])
		assert.EqualValues(t, n, resp.ContentLength)
		if n >= 64 {
			assert.True(t, strings.HasPrefix(string(body), `{"fake":"fake","seq":0,"fault":"none"} `), "%.50q", body)
		}
	}
}

// Over HTTP a request is logged once served: how long it really took,
// whether the client hung up first, and whether it sent its seq.
func TestServedRequestsAreLoggedWhenDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var got []fakes.Record
		f, err := fakes.New(fakes.Config{Name: "iam", Faults: fakes.Faults{
			Latency: fakes.Latency{P50: 50 * time.Millisecond},
		}, OnRecord: func(r fakes.Record) { got = append(got, r) }})
		require.NoError(t, err)
		c := &http.Client{Transport: fakes.NewRoundTripper(f)}

		resp, err := get(t, c, "http://iam.test/", 0) // answered in full
		require.NoError(t, err)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://iam.test/", nil)
		req.Header.Set(fakes.HeaderSeq, "1")
		_, err = c.Do(req) // the client gives up after 10 ms
		cancel()
		require.Error(t, err)
		synctest.Wait()

		ctx, cancel = context.WithTimeout(context.Background(), 30*time.Millisecond)
		req, _ = http.NewRequestWithContext(ctx, http.MethodGet, "http://iam.test/", nil)
		_, err = c.Do(req) // no seq sent: the fake's own count, 0
		cancel()
		require.Error(t, err)
		synctest.Wait()

		require.Len(t, got, 3)
		assert.Equal(t, []int64{0, 1, 0}, []int64{got[0].Seq, got[1].Seq, got[2].Seq})
		assert.Equal(t, 50*time.Millisecond, got[0].Latency)
		assert.False(t, got[0].HungUp)
		assert.True(t, got[0].SeqSent)
		assert.Equal(t, 10*time.Millisecond, got[1].Latency)
		assert.True(t, got[1].HungUp)
		assert.True(t, got[1].SeqSent)
		assert.Equal(t, "latency", got[2].Fault)
		assert.Equal(t, 30*time.Millisecond, got[2].Latency)
		assert.True(t, got[2].HungUp)
		assert.False(t, got[2].SeqSent)
	})
}
