package record_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// Plain copies of the record types without their JSON methods, so that
// encoding/json decodes them by reflection: the baseline the hand-written
// codecs must beat to stay.
type (
	plainCall       record.Call
	plainDepRequest record.DepRequest
	plainTransition record.Transition
	plainSnapshot   record.Snapshot
)

func decodeAll[T any](data []byte) (int, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	n := 0
	for {
		var v T
		if err := dec.Decode(&v); errors.Is(err, io.EOF) {
			return n, nil
		} else if err != nil {
			return n, err
		}
		n++
	}
}

func mustJSON(tb testing.TB, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func lines(n int, line func(i int) []byte) []byte {
	var b []byte
	for i := range n {
		b = append(append(b, line(i)...), '\n')
	}
	return b
}

// BenchmarkDecode compares, per record type, this package's reader of JSON
// lines (EachCall and its siblings) with encoding/json decoding the same
// lines into a plain struct. For calls and dependency requests the reader
// is hand-written, and pays: 5–7× faster, 0.5 µs a line against 2.5–4 µs,
// for the 600 000 lines of a ten-minute run of schema 1 (schema 2 is binary:
// BenchmarkEachCall). Transitions and snapshots had hand-written decoders
// too, 6× faster (0.3–0.7 µs), but a ten-minute run has 8 transitions and
// 600 snapshots, a few milliseconds either way: they go through
// encoding/json (4.5 and 7 µs a line, with the checks of required keys).
func BenchmarkDecode(b *testing.B) {
	const n = 1000
	types := []struct {
		name  string
		data  []byte
		hand  func(io.Reader) error
		plain func([]byte) (int, error)
	}{
		{"call", lines(n, func(i int) []byte { c := benchCall(i); return c.AppendJSON(nil) }),
			func(r io.Reader) error {
				_, err := record.EachCall(r, "calls", func(*record.Call) error { return nil })
				return err
			}, decodeAll[plainCall]},
		{"dep", lines(n, func(i int) []byte { d := sampleDeps[i%2]; d.Seq = uint64(i); return d.AppendJSON(nil) }),
			func(r io.Reader) error {
				_, err := record.EachDepRequest(r, "deps", func(*record.DepRequest) error { return nil })
				return err
			}, decodeAll[plainDepRequest]},
		{"transition", lines(n, func(i int) []byte { t := sampleTransitions[i%2]; t.Gen = uint64(i); return mustJSON(b, t) }),
			func(r io.Reader) error {
				_, err := record.EachTransition(r, "transitions", func(*record.Transition) error { return nil })
				return err
			}, decodeAll[plainTransition]},
		{"snapshot", lines(n, func(i int) []byte { s := sampleSnapshots[0]; s.AtNs = int64(i); return mustJSON(b, s) }),
			func(r io.Reader) error {
				_, err := record.EachSnapshot(r, "snapshots", func(*record.Snapshot) error { return nil })
				return err
			}, decodeAll[plainSnapshot]},
	}
	for _, ty := range types {
		b.Run(ty.name+"/record", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(ty.data)))
			for b.Loop() {
				if err := ty.hand(bytes.NewReader(ty.data)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
		})
		b.Run(ty.name+"/encoding-json", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(ty.data)))
			for b.Loop() {
				if got, err := ty.plain(ty.data); err != nil || got != n {
					b.Fatal(got, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
		})
	}
}
