package runner

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// BenchmarkLiveThroughput is the live harness as fast as it goes: vegeta,
// unpaced with 50 workers as fakes' BenchmarkHTTPThroughput drives the
// bare fake, through the guarded endpoint and the reference breaker to a
// healthy fake on loopback. Compare its req/s with that benchmark's
// server=fake:
//
//	go test -run '^$' -bench 'LiveThroughput' -benchtime 100000x -count 3 ./scenarios/runner/
//	go test -run '^$' -bench 'HTTPThroughput/server=fake' -benchtime 100000x -count 3 ./fakes/
func BenchmarkLiveThroughput(b *testing.B) {
	sc, err := scenarios.Parse("live.yaml", []byte("name: live-throughput\nmode: live\nduration: 1h\ndependencies:\n  - name: iam\nload: {rate: 1/s}\n"))
	require.NoError(b, err)
	r, err := newRunner(sc, Options{Out: b.TempDir()})
	require.NoError(b, err)
	r.t0 = time.Now()
	r.w, err = record.Create(r.dir, r.meta(), record.WriterOptions{})
	require.NoError(b, err)
	defer r.w.Close()
	l := &liveRun{r: r}
	require.NoError(b, l.start())
	defer l.close()
	atk := vegeta.NewAttacker(vegeta.MaxWorkers(50), vegeta.KeepAlive(true), vegeta.Client(l.client()))
	tr := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: guardURL + "/call/iam"})
	ok := 0
	b.ResetTimer()
	for res := range atk.Attack(tr, unpaced(b.N), 0, "live-throughput") {
		if res.Error == "" && res.Code == http.StatusOK {
			ok++
		}
	}
	b.StopTimer()
	require.Equal(b, b.N, ok, "every call succeeded")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// unpaced sends n requests as fast as the workers go.
type unpaced uint64

func (n unpaced) Pace(_ time.Duration, hits uint64) (time.Duration, bool) {
	return 0, hits >= uint64(n)
}
func (n unpaced) Rate(time.Duration) float64 { return 0 }
