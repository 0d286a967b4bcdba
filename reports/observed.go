package reports

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// How the reports show the breaker's parameters as the checker measured
// them (verdict.json's observed): expected against observed, and on how
// many occasions they matched.

// observedRow is one observed parameter as a table row.
type observedRow struct {
	Dep, Param, Expected, Observed, Matching string
}

// paramNames says what each parameter is, for people.
var paramNames = map[string]string{
	record.ParamFailureStreak:    "failures in a row at each trip",
	record.ParamOpenFor:          "open before the first probe",
	record.ParamProbes:           "probes in flight (most per half-open period)",
	record.ParamSuccessesToClose: "probe successes before closing",
}

// rowOf renders o as a table row.
func rowOf(o record.Observed) observedRow {
	name := paramNames[o.Param]
	if name == "" {
		name = o.Param
	}
	exp := fmtValue(o.Expected, o.Unit)
	if o.Param == record.ParamProbes {
		exp = "at most " + exp
	}
	n := len(o.Values)
	match := fmt.Sprintf("%d/%d", o.Matching, n)
	if o.Exact < n {
		match += fmt.Sprintf(" (%d bounded, not pinned)", n-o.Exact)
	}
	return observedRow{Dep: o.Dep, Param: name, Expected: exp, Observed: spreadOf(o), Matching: match}
}

// observedLine is the one-line form of o: "opened after 5 failures in a
// row (276/276 as expected)".
func observedLine(o record.Observed) string {
	n := len(o.Values)
	as := fmt.Sprintf("%d/%d as expected", o.Matching, n)
	if o.Exact < n {
		as += fmt.Sprintf(", %d bounded", n-o.Exact)
	}
	switch o.Param {
	case record.ParamFailureStreak:
		return fmt.Sprintf("opened after %s failures in a row, expected %s (%s)", spreadOf(o), fmtValue(o.Expected, ""), as)
	case record.ParamOpenFor:
		return fmt.Sprintf("open %s before the first probe, expected %s (%s)", spreadOf(o), fmtValue(o.Expected, o.Unit), as)
	case record.ParamProbes:
		if n == 0 {
			return "no probes"
		}
		return fmt.Sprintf("at most %s probes in flight, limit %s (%d/%d half-open periods within)", fmtValue(slices.Max(o.Values), ""), fmtValue(o.Expected, ""), o.Matching, n)
	case record.ParamSuccessesToClose:
		return fmt.Sprintf("closed after %s probe successes, expected %s (%s)", spreadOf(o), fmtValue(o.Expected, ""), as)
	}
	return fmt.Sprintf("%s %s, expected %s (%s)", o.Param, spreadOf(o), fmtValue(o.Expected, o.Unit), as)
}

// spreadOf renders o's values: one number when all agree, else the range
// and the mean.
func spreadOf(o record.Observed) string {
	if len(o.Values) == 0 {
		return "–"
	}
	lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
	for _, v := range o.Values {
		lo, hi, sum = min(lo, v), max(hi, v), sum+v
	}
	if lo == hi {
		return fmtValue(lo, o.Unit)
	}
	return fmt.Sprintf("%s–%s (mean %s)", fmtValue(lo, o.Unit), fmtValue(hi, o.Unit), fmtValue(sum/float64(len(o.Values)), o.Unit))
}

// fmtValue formats a parameter's value: seconds as a duration, counts as
// plain numbers (to three decimals at most).
func fmtValue(v float64, unit string) string {
	if unit == "s" {
		return fmtDur(int64(math.Round(v * 1e9)))
	}
	return strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
}
