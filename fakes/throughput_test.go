package fakes_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestThroughputAgainstEmptyHandler measures, with vegeta on loopback at
// the highest rate 50 workers reach, the HTTP fake without faults against
// an empty net/http handler, and requires the fake to serve at least 80%
// as many requests per second. It takes about 4× the duration, so it runs
// only when asked:
//
//	BREAKERLAB_THROUGHPUT=5s go test -run Throughput -v ./fakes
func TestThroughputAgainstEmptyHandler(t *testing.T) {
	env := os.Getenv("BREAKERLAB_THROUGHPUT")
	if env == "" {
		t.Skip("set BREAKERLAB_THROUGHPUT=5s to measure")
	}
	dur, err := time.ParseDuration(env)
	require.NoError(t, err, "BREAKERLAB_THROUGHPUT")

	empty := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer empty.Close()
	f, err := fakes.New(fakes.Config{Name: "iam"})
	require.NoError(t, err)
	srv, err := fakes.NewServer(fakes.ServerConfig{Addr: "127.0.0.1:0", Fakes: []*fakes.Fake{f}})
	require.NoError(t, err)
	defer func() { require.NoError(t, srv.Close()) }()

	var emptyRate, fakeRate []float64
	for range 2 { // alternate, so drift in the machine's load hits both
		emptyRate = append(emptyRate, attack(t, empty.URL+"/", dur))
		fakeRate = append(fakeRate, attack(t, srv.URL()+"/v1/token", dur))
	}
	e, fk := maxOf(emptyRate), maxOf(fakeRate)
	t.Logf("empty net/http handler: %.0f req/s %v", e, fmtRates(emptyRate))
	t.Logf("fake, no faults:        %.0f req/s %v", fk, fmtRates(fakeRate))
	t.Logf("ratio: %.1f%%", 100*fk/e)
	assert.GreaterOrEqual(t, fk/e, 0.8, "the fake serves at least 80%% of an empty handler's throughput")
	assert.EqualValues(t, f.Counters().Requests, f.Counters().Of(fakes.KindNone))
}

// attack runs vegeta at the highest rate 50 workers reach and returns the
// successful requests per second.
func attack(t *testing.T, url string, dur time.Duration) float64 {
	t.Helper()
	atk := vegeta.NewAttacker(vegeta.MaxWorkers(50), vegeta.KeepAlive(true))
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: url})
	var m vegeta.Metrics
	for res := range atk.Attack(tr, vegeta.Rate{Freq: 0}, dur, "throughput") {
		m.Add(res)
	}
	m.Close()
	require.Greater(t, m.Success, 0.999, "%s: errors %v", url, m.Errors)
	return m.Throughput
}

func maxOf(xs []float64) float64 {
	m := xs[0]
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

func fmtRates(xs []float64) string {
	s := "("
	for i, x := range xs {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%.0f", x)
	}
	return s + ")"
}
