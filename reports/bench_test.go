package reports

import (
	"testing"
	"time"
)

// tenMinuteRun is the performance target: a ten-minute run at 1000 req/s,
// 600 000 calls, with an outage in the middle.
var tenMinuteRun = genRun{
	name: "ten-minutes", description: "10 min at 1000 req/s with a 2 min outage", mode: "sim", seed: 1,
	duration: 10 * time.Minute, rate: 1000, recovery: 60 * time.Second,
	deps: []genDep{{name: "iam", preset: "iam", phases: []genPhase{
		{at: 0, label: "healthy", latency: 15 * time.Millisecond},
		{at: 3 * time.Minute, label: "error_rate 100%", errorRate: 1, latency: 5 * time.Millisecond},
		{at: 5 * time.Minute, label: "healthy", latency: 15 * time.Millisecond},
	}}},
}

// BenchmarkLoad measures streaming the logs of a ten-minute run into
// aggregates.
func BenchmarkLoad(b *testing.B) {
	dir := b.TempDir()
	if err := tenMinuteRun.write(dir); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Load(dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReport measures the whole of `breakerlab report` on a
// ten-minute run: load, then every report file and plot.
func BenchmarkReport(b *testing.B) {
	dir := b.TempDir()
	if err := tenMinuteRun.write(dir); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		run, err := Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Write(dir, run); err != nil {
			b.Fatal(err)
		}
	}
}
