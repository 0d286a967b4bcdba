package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The service tests run in a synctest bubble: the service calls its
// dependency through fakes.NewRoundTripper (no sockets), so the 60 s
// recovery timeout and the 1 s client timeout pass in fake time.

// testService returns the service's handler guarding dep (named iam), with
// bugs planted, and its transition log.
func testService(t *testing.T, dep http.Handler, bugs Bug) (http.Handler, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	svc := newService(serviceConfig{
		deps:       []depSpec{{"iam", "http://iam.test/"}},
		breaker:    Config{Bugs: bugs},
		timeout:    time.Second,
		forwardSeq: true,
		transport:  fakes.NewRoundTripper(dep),
		log:        log.New(logs, "", 0),
	})
	return svc.handler(), logs
}

// newFake returns a fake dependency named iam with faults.
func newFake(t *testing.T, faults fakes.Faults) *fakes.Fake {
	t.Helper()
	f, err := fakes.New(fakes.Config{Name: "iam", Faults: faults})
	require.NoError(t, err)
	return f
}

// get serves one GET of path with the given header pairs.
func get(h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	return getCtx(context.Background(), h, path, header...)
}

func getCtx(ctx context.Context, h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// callIam calls /call/iam and returns "status state", e.g. "503 open".
func callIam(h http.Handler, header ...string) string {
	w := get(h, "/call/iam", header...)
	return http.StatusText(w.Code) + " " + w.Header().Get(headerState)
}

// stateOf returns what /state says about iam.
func stateOf(t *testing.T, h http.Handler) string {
	t.Helper()
	w := get(h, "/state")
	require.Equal(t, http.StatusOK, w.Code)
	var m map[string]string
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &m))
	return m["iam"]
}

const (
	ok       = "OK closed"
	failed   = "Bad Gateway closed"
	rejected = "Service Unavailable open"
	probeOK  = "OK half-open"
	probeBad = "Bad Gateway half-open"
	noSlot   = "Service Unavailable half-open"
)

// TestServiceNFR6 walks the whole NFR-6 cycle over HTTP.
func TestServiceNFR6(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		iam := newFake(t, fakes.Faults{ErrorRate: 1})
		h, logs := testService(t, iam, 0)

		for range 4 {
			require.Equal(t, failed, callIam(h))
		}
		assert.Equal(t, "closed", stateOf(t, h))
		require.Equal(t, failed, callIam(h))
		assert.Equal(t, "open", stateOf(t, h))
		assert.Equal(t, rejected, callIam(h))
		assert.Equal(t, uint64(5), iam.Counters().Requests, "nothing reaches the dependency while open")

		time.Sleep(60*time.Second - 1)
		assert.Equal(t, rejected, callIam(h))
		time.Sleep(1)
		assert.Equal(t, "half-open", stateOf(t, h), "half-open at the recovery timeout, without a call")

		require.NoError(t, iam.SetFaults(fakes.Faults{}))
		assert.Equal(t, probeOK, callIam(h))
		assert.Equal(t, "half-open", stateOf(t, h))
		assert.Equal(t, probeOK, callIam(h))
		assert.Equal(t, "closed", stateOf(t, h))
		assert.Equal(t, ok, callIam(h))

		// Trip again; a failed probe reopens it for another 60 s.
		require.NoError(t, iam.SetFaults(fakes.Faults{ErrorRate: 1}))
		for range 5 {
			require.Equal(t, failed, callIam(h))
		}
		time.Sleep(60 * time.Second)
		assert.Equal(t, probeBad, callIam(h))
		assert.Equal(t, "open", stateOf(t, h))
		time.Sleep(60*time.Second - 1)
		assert.Equal(t, rejected, callIam(h))
		assert.Equal(t, uint64(14), iam.Counters().Requests)

		// synctest's clock starts at 2000-01-01 00:00 UTC.
		assert.Equal(t, ""+
			"2000-01-01T00:00:00Z iam: closed -> open (5 consecutive failures), generation 1\n"+
			"2000-01-01T00:01:00Z iam: open -> half-open (recovery timeout elapsed), generation 2\n"+
			"2000-01-01T00:01:00Z iam: half-open -> closed (2 consecutive probe successes), generation 3\n"+
			"2000-01-01T00:01:00Z iam: closed -> open (5 consecutive failures), generation 4\n"+
			"2000-01-01T00:02:00Z iam: open -> half-open (recovery timeout elapsed), generation 5\n"+
			"2000-01-01T00:02:00Z iam: half-open -> open (probe failed), generation 6\n",
			logs.String())
	})
}

// TestServiceProbeLimit: two probes hang; the third call is rejected; the
// probes' timeouts reopen the circuit.
func TestServiceProbeLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		iam := newFake(t, fakes.Faults{ErrorRate: 1})
		h, _ := testService(t, iam, 0)
		for range 5 {
			require.Equal(t, failed, callIam(h))
		}
		time.Sleep(60 * time.Second)
		require.NoError(t, iam.SetFaults(fakes.Faults{HangRate: 1}))

		probes := make(chan string, 2)
		for range 2 {
			go func() { probes <- callIam(h) }()
		}
		synctest.Wait() // both probes are in flight, hanging
		assert.Equal(t, noSlot, callIam(h))

		start := time.Now()
		assert.Equal(t, probeBad, <-probes)
		assert.Equal(t, probeBad, <-probes)
		assert.Equal(t, time.Second, time.Since(start), "a probe fails at the service's 1 s timeout")
		synctest.Wait() // the fake logs a request once its handler returns
		assert.Equal(t, uint64(7), iam.Counters().Requests, "the rejected call did not reach the dependency")
		assert.Equal(t, "open", stateOf(t, h))
	})
}

// TestServiceFaults: every fault a fake serves is a failure (502), and five
// of them open the circuit.
func TestServiceFaults(t *testing.T) {
	tests := map[string]fakes.Faults{
		"500":      {ErrorRate: 1},
		"429":      {ErrorRate: 1, ErrorStatus: 429},
		"reset":    {ResetRate: 1},
		"down":     {Down: true},
		"timeout":  {Timeout: fakes.Timeout{Rate: 1, After: 100 * time.Millisecond}},
		"truncate": {TruncateRate: 1},
		"hang":     {HangRate: 1},
		"slow":     {Latency: fakes.Latency{Dist: fakes.DistFixed, P50: 2 * time.Second}},
	}
	for name, faults := range tests {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h, _ := testService(t, newFake(t, faults), 0)
				for range 5 {
					assert.Equal(t, failed, callIam(h))
				}
				assert.Equal(t, "open", stateOf(t, h))
			})
		})
	}
	t.Run("404 is an answer", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h, _ := testService(t, http.NotFoundHandler(), 0)
			assert.Equal(t, ok, callIam(h))
		})
	})
}

// TestServiceCallerHangsUp: a call whose caller hung up is neither success
// nor failure: it neither resets the count nor adds to it.
func TestServiceCallerHangsUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		iam := newFake(t, fakes.Faults{ErrorRate: 1})
		h, _ := testService(t, iam, 0)
		for range 4 {
			require.Equal(t, failed, callIam(h))
		}
		require.NoError(t, iam.SetFaults(fakes.Faults{HangRate: 1}))
		for range 3 {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			getCtx(ctx, h, "/call/iam")
			cancel()
		}
		assert.Equal(t, "closed", stateOf(t, h))
		require.NoError(t, iam.SetFaults(fakes.Faults{ErrorRate: 1}))
		assert.Equal(t, failed, callIam(h))
		assert.Equal(t, "open", stateOf(t, h))
	})
}

// TestServiceTimeoutIgnored: five calls that hit the service's timeout open
// the clean circuit; with timeout-ignored it stays closed.
func TestServiceTimeoutIgnored(t *testing.T) {
	for _, tt := range []struct {
		bugs Bug
		want string
	}{{0, "open"}, {BugTimeoutIgnored, "closed"}} {
		t.Run(tt.bugs.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h, _ := testService(t, newFake(t, fakes.Faults{HangRate: 1}), tt.bugs)
				for range 5 {
					assert.Equal(t, failed, callIam(h))
				}
				assert.Equal(t, tt.want, stateOf(t, h))
			})
		})
	}
}

// TestServiceLateResult: a call admitted before the trip times out after
// it. The clean service ignores it and half-opens 60 s after the trip; with
// late-result-counted it restarts the timer and half-opens 1 s later.
func TestServiceLateResult(t *testing.T) {
	for _, tt := range []struct {
		bugs       Bug
		at60, at61 string
	}{{0, "half-open", "half-open"}, {BugLateResultCounted, "open", "half-open"}} {
		t.Run(tt.bugs.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				// Request 0 hangs, requests 1..5 fail.
				iam := newFake(t, fakes.Faults{Sequence: fakes.Sequence{Steps: []fakes.Step{
					{Fault: "hang"}, {Fault: "error", Count: 5},
				}}})
				h, _ := testService(t, iam, tt.bugs)
				late := make(chan string, 1)
				go func() { late <- callIam(h, headerSeq, "0") }()
				synctest.Wait()
				for seq := range 5 {
					require.Equal(t, failed, callIam(h, headerSeq, strconv.Itoa(seq+1)))
				}
				require.Equal(t, "open", stateOf(t, h))
				assert.Equal(t, failed, <-late, "the late call fails at its 1 s timeout")
				time.Sleep(59 * time.Second)
				assert.Equal(t, tt.at60, stateOf(t, h), "60 s after the trip")
				time.Sleep(time.Second)
				assert.Equal(t, tt.at61, stateOf(t, h), "60 s after the late failure")
			})
		})
	}
}

// TestServiceStateLies: with state-lies, /state and /metrics say closed
// while the breaker rejects as open; half-open is reported as it is.
func TestServiceStateLies(t *testing.T) {
	for _, tt := range []struct {
		bugs     Bug
		reported string
	}{{0, "open"}, {BugStateLies, "closed"}} {
		t.Run(tt.bugs.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h, _ := testService(t, newFake(t, fakes.Faults{ErrorRate: 1}), tt.bugs)
				for range 5 {
					require.Equal(t, failed, callIam(h))
				}
				assert.Equal(t, rejected, callIam(h), "the breaker rejects as open either way")
				assert.Equal(t, tt.reported, stateOf(t, h))
				assert.Contains(t, get(h, "/metrics").Body.String(), `breaker_state{breaker="iam",state="`+tt.reported+`"} 1`)
				time.Sleep(60 * time.Second)
				assert.Equal(t, "half-open", stateOf(t, h))
			})
		})
	}
}

// TestServiceForwardsSeq: the load generator's sequence number reaches the
// dependency as X-Breakerlab-Seq, with vegeta's attack name as
// X-Breakerlab-Attack, unless forwarding is off.
func TestServiceForwardsSeq(t *testing.T) {
	var seen []string
	dep := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get(headerSeq)+"|"+r.Header.Get(headerVegetaSeq)+"|"+r.Header.Get(headerAttack))
	})
	for _, forward := range []bool{true, false} {
		svc := newService(serviceConfig{
			deps: []depSpec{{"iam", "http://iam.test/"}}, timeout: time.Second,
			forwardSeq: forward, transport: fakes.NewRoundTripper(dep),
		})
		h := svc.handler()
		get(h, "/call/iam", headerVegetaSeq, "17")
		get(h, "/call/iam", headerSeq, "5", headerVegetaSeq, "9")
		get(h, "/call/iam")
		get(h, "/call/iam", headerVegetaSeq, "3", headerVegetaAttack, "host-2")
		get(h, "/call/iam", headerVegetaAttack, "host-2") // a name without a seq names nothing
	}
	assert.Equal(t, []string{"17||", "5||", "||", "3||host-2", "||", "||", "||", "||", "||", "||"}, seen)
}

// TestServiceMetrics: the gauge, one line per breaker and state.
func TestServiceMetrics(t *testing.T) {
	svc := newService(serviceConfig{
		deps:    []depSpec{{"iam", "http://iam.test/"}, {"eris", "http://eris.test/"}},
		timeout: time.Second, transport: fakes.NewRoundTripper(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
		})),
	})
	h := svc.handler()
	for range 5 {
		get(h, "/call/iam")
	}
	w := get(h, "/metrics")
	assert.Equal(t, "text/plain; version=0.0.4; charset=utf-8", w.Header().Get("Content-Type"))
	assert.Equal(t, `# HELP breaker_state Circuit breaker state per dependency: 1 for the current state, 0 for the others.
# TYPE breaker_state gauge
breaker_state{breaker="eris",state="closed"} 1
breaker_state{breaker="eris",state="open"} 0
breaker_state{breaker="eris",state="half-open"} 0
breaker_state{breaker="iam",state="closed"} 0
breaker_state{breaker="iam",state="open"} 1
breaker_state{breaker="iam",state="half-open"} 0
`, w.Body.String())
	assert.JSONEq(t, `{"eris":"closed","iam":"open"}`, get(h, "/state").Body.String())

	w = get(h, "/call/ubi")
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Equal(t, "unknown dependency \"ubi\"; have eris, iam\n", w.Body.String())
	assert.JSONEq(t, `{"dep":"iam","result":"rejected","error":"breaker: circuit open"}`, get(h, "/call/iam").Body.String())
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var _ io.Writer = (*syncBuffer)(nil)
