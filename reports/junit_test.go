package reports

import (
	"bytes"
	"encoding/xml"
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
}

type xmlCase struct {
	Name      string `xml:"name,attr"`
	ClassName string `xml:"classname,attr"`
	Failure   *struct {
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
	require.NoError(t, WriteJUnit(&buf, runs...))
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
	assert.Equal(t, 36, doc.Tests, "12 checks per scenario")
	assert.Equal(t, 1, doc.Failures)
	assert.Equal(t, 12, doc.Skipped)

	sum := 0
	for _, s := range doc.Suites {
		assert.Len(t, s.Cases, s.Tests, "suite %s: tests attribute = number of testcases", s.Name)
		var fails, skips int
		for _, c := range s.Cases {
			assert.Equal(t, "breakerlab."+s.Name, c.ClassName)
			if c.Failure != nil {
				fails++
			}
			if c.Skipped != nil {
				skips++
			}
		}
		assert.Equal(t, s.Failures, fails, "suite %s: failures attribute", s.Name)
		assert.Equal(t, s.Skipped, skips, "suite %s: skipped attribute", s.Name)
		assert.Zero(t, s.Errors)
		sum += s.Tests
	}
	assert.Equal(t, doc.Tests, sum)

	f := doc.Suites[0]
	assert.Equal(t, "nfr6-iam-outage", f.Name)
	require.NotNil(t, f.Cases[1].Failure, "I2 is the failing case")
	assert.Equal(t, "I2 opens exactly at the failure threshold", f.Cases[1].Name)
	assert.Equal(t, "I2 iam t=30.400s gen 2: closed→open after 4 consecutive failures, want 5", f.Cases[1].Failure.Message)
	assert.Equal(t, "I2", f.Cases[1].Failure.Type)
	assert.Contains(t, f.Cases[1].Failure.Text, "t=30.100s call seq=302 failure gen=1", "context lines are in the failure text")

	c := doc.Suites[2]
	assert.Equal(t, "cut-short", c.Name)
	for _, tc := range c.Cases {
		require.NotNil(t, tc.Skipped, tc.Name)
		assert.Contains(t, tc.Skipped.Message, "verdict.json is missing")
	}
}

func TestJUnitCDATASafe(t *testing.T) {
	r := loadFixture(t, "nfr6-iam-outage")
	v := *r.Verdict
	v.Checks = []record.Check{{ID: "I3", Kind: "invariant", Name: "x", Violations: []record.Violation{{ID: "I3", Dep: "iam",
		Message: `a "quoted" <tag> & ]]> end`, Context: []string{"]]>"}}}}}
	r.Verdict = &v
	doc := parseJUnit(t, r)
	require.NotNil(t, doc.Suites[0].Cases[0].Failure)
	assert.Contains(t, doc.Suites[0].Cases[0].Failure.Message, `a "quoted" <tag> & ]]> end`)
	assert.Contains(t, doc.Suites[0].Cases[0].Failure.Text, `a "quoted" <tag> & ]]> end`)
}

// A checker may keep only the first violations of a check and count the
// rest in violations_total; every report says how many were left out.
func TestTruncatedViolationsAreCounted(t *testing.T) {
	r := loadFixture(t, "nfr6-iam-outage")
	v := *r.Verdict
	var vs []record.Violation
	for i := range 7 {
		vs = append(vs, record.Violation{ID: "I3", Dep: "iam", AtNs: int64(i) * 1e9, Gen: 2, Message: "call reached the dependency while open"})
	}
	v.Checks = []record.Check{{ID: "I3", Kind: "invariant", Name: "nothing reaches the dependency while open",
		Violations: vs, ViolationsTotal: 12}}
	r.Verdict = &v

	s := Summarize(r)
	assert.Equal(t, 12, s.Checks[0].Violations)

	var md bytes.Buffer
	require.NoError(t, WriteSummaryMarkdown(&md, r))
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
