package reports_test

import (
	"fmt"
	"os"

	"github.com/breakerlab/breakerlab/reports"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// Load a recorded run and write its reports next to it.
func Example() {
	run, err := reports.Load("testdata/runs/nfr6-iam-outage")
	if err != nil {
		fmt.Println(err)
		return
	}
	out, err := os.MkdirTemp("", "report")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(out)
	files, err := reports.Write(out, run) // normally run.Dir
	if err != nil {
		fmt.Println(err)
		return
	}
	s := reports.Summarize(run)
	fmt.Println(s.Scenario, s.Status, len(files), "files")
	for _, d := range s.Dependencies {
		fmt.Println(d.Name, d.Calls, "calls,", d.Outcomes.Rejected, "rejected, opened", d.Opens, "times")
	}
	for _, c := range s.Checks {
		if c.Status == record.StatusFailed {
			fmt.Println(c.ID, c.FirstViolation)
		}
	}
	// Output:
	// nfr6-iam-outage failed 10 files
	// iam 1200 calls, 598 rejected, opened 2 times
	// I2 I2 iam t=30.400s gen 2: closed→open after 4 consecutive failures, want 5
}

// Draw ns/op against concurrent callers, one line per implementation.
func ExampleContentionPlot() {
	series := []reports.ContentionSeries{
		{Panel: "closed-success", Implementation: "reference", Metric: "ns/op",
			Points: []reports.ContentionPoint{{Callers: 1, Value: 21}, {Callers: 2, Value: 23}, {Callers: 4, Value: 26}}},
		{Panel: "closed-success", Implementation: "mutex", Metric: "ns/op",
			Points: []reports.ContentionPoint{{Callers: 1, Value: 30}, {Callers: 2, Value: 70}, {Callers: 4, Value: 160}}},
	}
	f, err := os.CreateTemp("", "contention-*.svg")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()
	fmt.Println(reports.ContentionPlot(f, "svg", series))
	// Output: <nil>
}
