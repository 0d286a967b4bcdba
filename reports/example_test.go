package reports_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/breakerlab/breakerlab/reports"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// Load a recorded run, write its reports next to it, and read the
// machine-readable summary.
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
	fmt.Println(run.Label(), run.Status(), len(files), "files, first", filepath.Base(files[0]))

	b, err := os.ReadFile(filepath.Join(out, reports.SummaryJSONFile))
	if err != nil {
		fmt.Println(err)
		return
	}
	var s struct {
		Dependencies []struct {
			Name        string
			Opens       int
			StateSource string `json:"state_source"`
			Reported    struct{ Opens int }
		}
		Checks []struct {
			ID, Status     string
			FirstViolation string `json:"first_violation"`
		}
	}
	if err := json.Unmarshal(b, &s); err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range s.Dependencies {
		fmt.Printf("%s opened %d times (%s), %d as the breaker reported\n", d.Name, d.Opens, d.StateSource, d.Reported.Opens)
	}
	for _, c := range s.Checks {
		if c.Status == record.StatusFailed {
			fmt.Println(c.FirstViolation)
		}
	}
	// Output:
	// nfr6-iam-outage failed 10 files, first report.html
	// iam opened 2 times (inferred), 2 as the breaker reported
	// I2 iam t=30.400s gen 2 (rule 1): closed→open after 4 consecutive failures, want 5
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
