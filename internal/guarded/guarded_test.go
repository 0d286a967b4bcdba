package guarded

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/fakes"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestServiceAnswersAsExternalModeReads: successes are 200, the
// dependency's failures 502, the breaker's rejections 503; /state tells the
// state; the caller's seq and attack name reach the dependency.
func TestServiceAnswersAsExternalModeReads(t *testing.T) {
	var failing atomic.Bool
	var lastSeq, lastAttack atomic.Value
	dep := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lastSeq.Store(r.Header.Get(fakes.HeaderSeq))
		lastAttack.Store(r.Header.Get(fakes.HeaderAttack))
		if failing.Load() {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer dep.Close()
	svc, err := Start(Config{DepURL: dep.URL, ForwardAttack: true, Breaker: breaker.Config{FailureThreshold: 2, RecoveryTimeout: time.Hour}})
	require.NoError(t, err)
	defer svc.Close()

	call := func(seq int) int {
		req, err := http.NewRequest(http.MethodGet, svc.URL+"/call/iam", nil)
		require.NoError(t, err)
		req.Header.Set(fakes.HeaderVegetaSeq, strconv.Itoa(seq))
		req.Header.Set(fakes.HeaderVegetaAttack, "host-1")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	state := func() string {
		resp, err := http.Get(svc.URL + "/state")
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return string(b)
	}
	defer http.DefaultClient.CloseIdleConnections()

	assert.Equal(t, http.StatusOK, call(7))
	assert.Equal(t, "7", lastSeq.Load())
	assert.Equal(t, "host-1", lastAttack.Load())
	assert.JSONEq(t, `{"iam":"closed"}`, state())
	failing.Store(true)
	assert.Equal(t, http.StatusBadGateway, call(8))
	assert.Equal(t, http.StatusBadGateway, call(9))
	assert.Equal(t, http.StatusServiceUnavailable, call(10), "open after 2 failures: rejected")
	assert.Equal(t, "9", lastSeq.Load(), "a rejected call does not reach the dependency")
	assert.JSONEq(t, `{"iam":"open"}`, state())
}
