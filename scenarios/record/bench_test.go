package record_test

import (
	"bytes"
	"testing"

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

// BenchmarkWriteCall is the sim runner's hot path: 600 000 of these must take
// well under 5 s in total.
func BenchmarkWriteCall(b *testing.B) {
	w, err := record.Create(b.TempDir(), testMeta(), record.WriterOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(110)
	i := 0
	for b.Loop() {
		if err := w.WriteCall(benchCall(i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.StopTimer()
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
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

func BenchmarkEachCall(b *testing.B) {
	var data []byte
	const n = 10_000
	for i := range n {
		c := benchCall(i)
		data = append(c.AppendJSON(data), '\n')
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		count := 0
		if _, err := record.EachCall(bytes.NewReader(data), "calls.jsonl", func(*record.Call) error {
			count++
			return nil
		}); err != nil || count != n {
			b.Fatal(err, count)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/call")
}
