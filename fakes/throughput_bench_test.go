package fakes_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// BenchmarkHTTPThroughput drives, with vegeta on loopback at the highest rate
// 50 workers reach, an empty net/http handler and the HTTP fake without
// faults, b.N requests each; the req/s figures compare them (the target: the
// fake serves at least 80% of the empty handler's rate; compare medians, as
// the machine's load drifts between runs):
//
//	go test -run '^$' -bench HTTPThroughput -benchtime 100000x -count 4 ./fakes
func BenchmarkHTTPThroughput(b *testing.B) {
	empty := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer empty.Close()
	f, err := fakes.New(fakes.Config{Name: "iam"})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := fakes.NewServer(fakes.ServerConfig{Addr: "127.0.0.1:0", Fakes: []*fakes.Fake{f}})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()

	for _, c := range []struct{ name, url string }{
		{"empty-handler", empty.URL + "/"},
		{"fake", srv.URL() + "/v1/token"},
	} {
		b.Run("server="+c.name, func(b *testing.B) {
			transport := &http.Transport{MaxIdleConnsPerHost: 50}
			defer transport.CloseIdleConnections()
			atk := vegeta.NewAttacker(vegeta.MaxWorkers(50), vegeta.KeepAlive(true),
				vegeta.Client(&http.Client{Transport: transport}))
			tr := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: c.url})
			var ok int
			b.ResetTimer()
			for res := range atk.Attack(tr, hits(b.N), 0, "throughput") {
				if res.Error == "" && res.Code == http.StatusOK {
					ok++
				}
			}
			b.StopTimer()
			if ok != b.N {
				b.Fatalf("%s: %d of %d requests succeeded", c.url, ok, b.N)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
	if got := f.Counters().Of(fakes.KindNone); got != f.Counters().Requests {
		b.Fatalf("the fake decided a fault: %d of %d requests were fault-free", got, f.Counters().Requests)
	}
}

// hits is a vegeta pacer that sends n requests as fast as the workers go.
type hits uint64

func (n hits) Pace(_ time.Duration, done uint64) (time.Duration, bool) {
	return 0, done >= uint64(n)
}

func (n hits) Rate(time.Duration) float64 { return 0 }
