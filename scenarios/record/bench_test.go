package record_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

func benchCall(i int) record.Call {
	c := record.Call{Seq: uint64(i), Dep: "iam", StartNs: int64(i) * 1_000_000, EndNs: int64(i)*1_000_000 + 15_000_000,
		Outcome: record.OutcomeSuccess, Gen: 3}
	if i%4 == 0 {
		c.Outcome, c.Err, c.Fallback = record.OutcomeFailure, "injected error", true
	}
	return c
}

// soakCall is call i of a run like nfr6-soak-10m: 1000 calls/s, random
// latencies, a third of them rejected with the breaker's long error text.
func soakCall(rng *rand.Rand, i int) record.Call {
	start := int64(i) * 1_000_000
	c := record.Call{Seq: uint64(i), Dep: "iam", StartNs: start, EndNs: start + 5_000_000 + rng.Int64N(20_000_000),
		Outcome: record.OutcomeSuccess, Gen: uint64(1 + i/60_000*2)}
	if i%100 >= 70 {
		c.EndNs = start + rng.Int64N(2000)
		c.Outcome, c.Reject = record.OutcomeRejected, record.RejectOpen
		c.Err = fmt.Sprintf(`breaker: circuit open (breaker "iam", generation %d): next probe at 2026-01-01T00:0%d:00.019181298Z`, c.Gen, c.Gen%10)
	}
	return c
}

// BenchmarkWriteCall is the sim runner's hot path: 600 000 calls of a
// ten-minute soak. It reports the bytes each call takes on disk.
func BenchmarkWriteCall(b *testing.B) {
	dir := b.TempDir()
	w, err := record.Create(dir, testMeta(), record.WriterOptions{})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	calls := make([]record.Call, 1<<16)
	for i := range calls {
		calls[i] = soakCall(rng, i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c := calls[i%len(calls)]
		c.Seq, c.StartNs, c.EndNs = uint64(i), c.StartNs+int64(i/len(calls))*65_536_000_000, c.EndNs+int64(i/len(calls))*65_536_000_000
		if err := w.WriteCall(c); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.StopTimer()
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, record.CallsFile))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Size())/float64(b.N), "B/call")
}

// BenchmarkWriteCallParallel measures lock contention when live mode's
// workers all record at once.
func BenchmarkWriteCallParallel(b *testing.B) {
	w, err := record.Create(b.TempDir(), testMeta(), record.WriterOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if err := w.WriteCall(benchCall(i)); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	b.StopTimer()
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkEachCall reads 100 000 calls in each form: the binary records a
// Writer writes (calls.bin), the JSON lines of schema 1, and those lines
// compressed with zstd (the alternative to binary records, measured).
func BenchmarkEachCall(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
	w, err := record.Create(dir, testMeta(), record.WriterOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var jsonLines []byte
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		c := benchCall(i)
		c.EndNs += rng.Int64N(20e6)
		jsonLines = append(c.AppendJSON(jsonLines), '\n')
		if err := w.WriteCall(c); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	binary, err := os.ReadFile(filepath.Join(dir, record.CallsFile))
	if err != nil {
		b.Fatal(err)
	}
	var zstdLines bytes.Buffer
	z, err := zstd.NewWriter(&zstdLines, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := z.Write(jsonLines); err != nil {
		b.Fatal(err)
	}
	if err := z.Close(); err != nil {
		b.Fatal(err)
	}
	for _, form := range []struct {
		name string
		data []byte
	}{{"binary", binary}, {"json", jsonLines}, {"zstd-json", zstdLines.Bytes()}} {
		b.Run(form.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				count := 0
				if _, err := record.EachCall(bytes.NewReader(form.data), "calls", func(*record.Call) error {
					count++
					return nil
				}); err != nil || count != n {
					b.Fatal(err, count)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/call")
			b.ReportMetric(float64(len(form.data))/n, "B/call")
		})
	}
}
