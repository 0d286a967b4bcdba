package reports

import (
	"bytes"
	"encoding/xml"
	"html"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// The structure CI systems read, parsed back independently of the writer's
// types.
type xmlSuites struct {
	XMLName  xml.Name   `xml:"testsuites"`
	Tests    int        `xml:"tests,attr"`
	Failures int        `xml:"failures,attr"`
	Errors   int        `xml:"errors,attr"`
	Skipped  int        `xml:"skipped,attr"`
	Suites   []xmlSuite `xml:"testsuite"`
}

type xmlSuite struct {
	Name     string    `xml:"name,attr"`
	Tests    int       `xml:"tests,attr"`
	Failures int       `xml:"failures,attr"`
	Errors   int       `xml:"errors,attr"`
	Skipped  int       `xml:"skipped,attr"`
	Cases    []xmlCase `xml:"testcase"`
	Props    []struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	} `xml:"properties>property"`
	SystemOut string `xml:"system-out"`
}

type xmlCase struct {
	Name      string `xml:"name,attr"`
	ClassName string `xml:"classname,attr"`
	Error     *struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
	} `xml:"error"`
	Failure *struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	} `xml:"failure"`
	Skipped *struct {
		Message string `xml:"message,attr"`
	} `xml:"skipped"`
}

func parseJUnit(t *testing.T, runs ...*Run) xmlSuites {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, writeJUnit(&buf, runs, nil))
	var doc xmlSuites
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &doc), buf.String())
	return doc
}

func TestJUnitStructure(t *testing.T) {
	failed := loadFixture(t, "nfr6-iam-outage")
	passed := loadFixture(t, "checkout-flaky")
	cut := loadFixture(t, "cut-short")
	doc := parseJUnit(t, failed, passed, cut)

	require.Len(t, doc.Suites, 3)
	assert.Equal(t, 34, doc.Tests, "11 invariants for each of three scenarios, and the cut-short run's \"run complete\"")
	assert.Equal(t, 1, doc.Failures)
	assert.Equal(t, 11, doc.Skipped)
	assert.Equal(t, 1, doc.Errors, "the cut-short run is an error")

	sum := 0
	for _, s := range doc.Suites {
		assert.Len(t, s.Cases, s.Tests, "suite %s: tests attribute = number of testcases", s.Name)
		var fails, skips, errs int
		for _, c := range s.Cases {
			assert.Equal(t, "breakerlab."+s.Name, c.ClassName)
			if c.Failure != nil {
				fails++
			}
			if c.Skipped != nil {
				skips++
			}
			if c.Error != nil {
				errs++
			}
		}
		assert.Equal(t, s.Failures, fails, "suite %s: failures attribute", s.Name)
		assert.Equal(t, s.Skipped, skips, "suite %s: skipped attribute", s.Name)
		assert.Equal(t, s.Errors, errs, "suite %s: errors attribute", s.Name)
		sum += s.Tests
	}
	assert.Equal(t, doc.Tests, sum)

	f := doc.Suites[0]
	assert.Equal(t, "nfr6-iam-outage", f.Name)
	require.NotNil(t, f.Cases[1].Failure, "I2 is the failing case")
	assert.Equal(t, "I2 opens exactly at the failure threshold", f.Cases[1].Name)
	assert.Equal(t, "I2 iam t=30.400s gen 2 (rule 1): closed→open after 4 consecutive failures, want 5", f.Cases[1].Failure.Message, "names the NFR-6 rule broken")
	assert.Equal(t, "I2", f.Cases[1].Failure.Type)
	assert.Contains(t, f.Cases[1].Failure.Text, "t=30.100s call seq=302 failure gen=1", "context lines are in the failure text")

	c := doc.Suites[2]
	assert.Equal(t, "cut-short", c.Name)
	last := c.Cases[len(c.Cases)-1]
	assert.Equal(t, "run complete", last.Name)
	require.NotNil(t, last.Error, "an incomplete run is an error CI sees")
	assert.Equal(t, "incomplete", last.Error.Type)
	assert.Equal(t, "interrupted: the checks cover only what ran", last.Error.Message)
	for _, tc := range c.Cases[:len(c.Cases)-1] {
		require.NotNil(t, tc.Skipped, tc.Name)
		assert.Contains(t, tc.Skipped.Message, "verdict.json is missing")
	}
}

// A check the checker could not judge (its window was never reached) is
// not checked everywhere: skipped in JUnit, not a pass in the counts, and
// a run whose every check was skipped does not pass.
func TestSkippedChecksAreNotChecked(t *testing.T) {
	r := loadFixture(t, "checkout-flaky")
	v := *r.verdict
	v.Checks = append([]record.Check(nil), v.Checks...)
	for i := range v.Checks {
		if v.Checks[i].ID == "I6" || v.Checks[i].ID == "I10" {
			v.Checks[i].Skipped = true
			v.Checks[i].Detail = "no half-open period was reached"
		}
	}
	r.verdict = &v
	assert.Equal(t, record.StatusPassed, r.Status(), "the other checks held")

	s := summarize(r)
	assert.Equal(t, checkTally{Total: 11, Passed: 9, NotChecked: 2}, s.CheckCounts)
	doc := parseJUnit(t, r)
	assert.Equal(t, 2, doc.Skipped)
	for _, c := range doc.Suites[0].Cases {
		if strings.HasPrefix(c.Name, "I6 ") || strings.HasPrefix(c.Name, "I10 ") {
			require.NotNil(t, c.Skipped, c.Name)
			assert.Equal(t, "no half-open period was reached", c.Skipped.Message)
		}
	}
	var md bytes.Buffer
	require.NoError(t, writeSummaryMarkdown(&md, []*Run{r}, nil))
	assert.Contains(t, md.String(), "9 of 11 checks passed, 2 not checked")
	assert.Contains(t, md.String(), "| I6 closes at the success threshold, reopens on a probe failure | ⏭️ skipped | no half-open period was reached |")
	var page bytes.Buffer
	require.NoError(t, writeHTML(&page, r, nil))
	assert.Contains(t, page.String(), "9 passed, 0 failed, 2 not checked")
	assert.Contains(t, page.String(), `<span class="badge unknown">⏭️ skipped</span></td><td>no half-open period was reached</td>`)
	js := summarize(r)
	assert.True(t, js.Checks[5].Skipped, "summary.json says skipped")

	for i := range v.Checks {
		v.Checks[i].Skipped = true
	}
	assert.Equal(t, record.StatusNotChecked, r.Status(), "nothing judged: no pass")
	assert.False(t, summarize(r).Passed)
}

// An incomplete run (interrupted, or short of its load) says so in every
// report, and does not pass.
func TestIncompleteRunSaysSoEverywhere(t *testing.T) {
	r := loadFixture(t, "checkout-flaky")
	r.meta.Shortfall = "8547/s of 12000/s (71%)"
	v := *r.verdict
	v.MarkIncomplete(r.meta.Incomplete())
	r.verdict = &v
	const why = "the load fell short of the scenario's rate: 8547/s of 12000/s (71%)"
	assert.Equal(t, record.StatusIncomplete, r.Status())
	s := summarize(r)
	assert.Equal(t, record.StatusIncomplete, s.Status)
	assert.Equal(t, why, s.Incomplete)
	assert.False(t, s.Passed)

	doc := parseJUnit(t, r)
	assert.Equal(t, 1, doc.Errors)
	last := doc.Suites[0].Cases[len(doc.Suites[0].Cases)-1]
	require.NotNil(t, last.Error)
	assert.Equal(t, why+": the checks cover only what ran", last.Error.Message)

	var md bytes.Buffer
	require.NoError(t, writeSummaryMarkdown(&md, []*Run{r}, nil))
	assert.Contains(t, md.String(), "### ⚠️ checkout-flaky — incomplete")
	assert.Contains(t, md.String(), "⚠️ **Incomplete:** "+why+". The checks cover only what ran: the run does not pass.")
	var page bytes.Buffer
	require.NoError(t, writeHTML(&page, r, nil))
	assert.Contains(t, page.String(), `<span class="badge unknown">⚠️ incomplete</span>`)
	assert.Contains(t, page.String(), "<b>incomplete:</b> "+html.EscapeString(why))
}

// The index lists runs without a report: errors and skipped runs are suites
// of their own in junit.xml and rows of summary.md.
func TestIndexListsMissingRuns(t *testing.T) {
	runs := []*Run{loadFixture(t, "checkout-flaky")}
	missing := []Missing{
		{Label: "bad-run", Dir: "out/bad-run", Reason: "calls.jsonl:2: column 1: unexpected 'n'"},
		{Label: "later@seedport", Reason: "not run: the run before it was interrupted", Skipped: true},
		{Label: "ext", Dir: "out/ext", Reason: "not run: runner: the run's setup does not work: ext: dependency iam: serving its fake", Setup: true},
	}
	var buf bytes.Buffer
	require.NoError(t, writeJUnit(&buf, runs, missing))
	var doc xmlSuites
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &doc), buf.String())
	require.Len(t, doc.Suites, 4)
	assert.Equal(t, 2, doc.Errors)
	assert.Equal(t, 1, doc.Skipped)
	bad, later, ext := doc.Suites[1], doc.Suites[2], doc.Suites[3]
	assert.Equal(t, "bad-run", bad.Name)
	assert.Equal(t, 1, bad.Errors)
	require.Len(t, bad.Cases, 1)
	require.NotNil(t, bad.Cases[0].Error)
	assert.Equal(t, "calls.jsonl:2: column 1: unexpected 'n'", bad.Cases[0].Error.Message)
	assert.Equal(t, "later@seedport", later.Name)
	require.NotNil(t, later.Cases[0].Skipped)
	assert.Equal(t, "not run: the run before it was interrupted", later.Cases[0].Skipped.Message)
	assert.Equal(t, "ext", ext.Name)
	assert.Equal(t, 0, ext.Failures, "a setup error is no failure of the breaker's")
	require.NotNil(t, ext.Cases[0].Error)
	assert.Equal(t, "setup", ext.Cases[0].Error.Type)
	assert.Nil(t, ext.Cases[0].Failure)

	var md bytes.Buffer
	require.NoError(t, writeSummaryMarkdown(&md, runs, missing))
	assert.Contains(t, md.String(), "## breakerlab: 4 scenarios")
	assert.Contains(t, md.String(), "| ext | ⛔ setup error | – | – | – |")
	assert.Contains(t, md.String(), "| bad-run | ⛔ error | – | – | – |")
	assert.Contains(t, md.String(), "- ⏭️ **later@seedport** skipped: not run: the run before it was interrupted")
}

func TestJUnitCDATASafe(t *testing.T) {
	r := loadFixture(t, "nfr6-iam-outage")
	v := *r.verdict
	v.Checks = []record.Check{{ID: "I3", Kind: "invariant", Name: "x", Violations: []record.Violation{{ID: "I3", Dep: "iam",
		Message: `a "quoted" <tag> & ]]> end`, Context: []string{"]]>"}}}}}
	r.verdict = &v
	doc := parseJUnit(t, r)
	require.NotNil(t, doc.Suites[0].Cases[0].Failure)
	assert.Contains(t, doc.Suites[0].Cases[0].Failure.Message, `a "quoted" <tag> & ]]> end`)
	assert.Contains(t, doc.Suites[0].Cases[0].Failure.Text, `a "quoted" <tag> & ]]> end`)
}

// A checker may keep only the first violations of a check and count the
// rest in violations_total; every report says how many were left out.
func TestTruncatedViolationsAreCounted(t *testing.T) {
	r := loadFixture(t, "nfr6-iam-outage")
	v := *r.verdict
	var vs []record.Violation
	for i := range 7 {
		vs = append(vs, record.Violation{ID: "I3", Dep: "iam", AtNs: int64(i) * 1e9, Gen: 2, Message: "call reached the dependency while open"})
	}
	v.Checks = []record.Check{{ID: "I3", Kind: "invariant", Name: "nothing reaches the dependency while open",
		Violations: vs, ViolationsTotal: 12}}
	r.verdict = &v

	s := summarize(r)
	assert.Equal(t, 12, s.Checks[0].Violations)

	var md bytes.Buffer
	require.NoError(t, writeSummaryMarkdown(&md, []*Run{r}, nil))
	assert.Contains(t, md.String(), "<details><summary>12 violation(s)</summary>")
	assert.Contains(t, md.String(), "- … 7 more I3 violations (report.html, verdict.json)")
	assert.Equal(t, 5, bytes.Count(md.Bytes(), []byte("call reached the dependency while open")))

	doc := parseJUnit(t, r)
	assert.Contains(t, doc.Suites[0].Cases[0].Failure.Text, "… 5 more violations in verdict.json")

	var page bytes.Buffer
	require.NoError(t, writeHTML(&page, r, nil))
	assert.Contains(t, page.String(), "12 violation(s)")
	assert.Contains(t, page.String(), "… and 5 more (see verdict.json)")
}
