package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// The JUnit XML shape CI systems read (Jenkins, GitLab, GitHub actions that
// publish test results): testsuites > testsuite (with counts) > testcase,
// holding a failure element for a failed check and skipped for one that was
// not checked.

// JUnitSuites is the root element of junit.xml.
type JUnitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []JUnitSuite `xml:"testsuite"`
}

// JUnitSuite is one scenario.
type JUnitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []JUnitProperty `xml:"properties>property"`
	Cases      []JUnitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

// JUnitProperty is a name/value pair describing a suite.
type JUnitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// JUnitCase is one invariant or expectation.
type JUnitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *JUnitFailure `xml:"failure"`
	Skipped   *JUnitSkipped `xml:"skipped"`
}

// JUnitFailure carries a failed check: the first violation as its message,
// every violation with its context as its text.
type JUnitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// JUnitSkipped marks a check that was not run.
type JUnitSkipped struct {
	Message string `xml:"message,attr"`
}

// JUnit builds the JUnit document for one or more runs, one suite each.
func JUnit(runs ...*Run) JUnitSuites {
	doc := JUnitSuites{Name: "breakerlab"}
	var total float64
	for _, r := range runs {
		s := junitSuite(r)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Skipped += s.Skipped
		total += float64(r.EndNs) / 1e9
		doc.Suites = append(doc.Suites, s)
	}
	doc.Time = fmt.Sprintf("%.3f", total)
	return doc
}

func junitSuite(r *Run) JUnitSuite {
	m := r.Meta
	s := JUnitSuite{
		Name: r.Label(), Time: fmt.Sprintf("%.3f", float64(r.EndNs)/1e9), Timestamp: fmtT0(m.T0),
		Properties: []JUnitProperty{
			{"mode", m.Mode}, {"seed", fmt.Sprint(m.Seed)}, {"status", r.Status()}, {"dir", r.Dir},
		},
		SystemOut: strings.Join(r.Warnings, "\n"),
	}
	if m.Breaker != "" {
		s.Properties = append(s.Properties, JUnitProperty{"breaker", m.Breaker})
	}
	for _, c := range r.Checks() {
		tc := JUnitCase{Name: c.title(), ClassName: "breakerlab." + r.Label(), Time: "0"}
		switch c.Status {
		case StatusFailed:
			s.Failures++
			tc.Failure = &JUnitFailure{Type: c.ID, Message: c.Detail, Text: failureText(c)}
			if len(c.Violations) > 0 {
				tc.Failure.Message = violationLine(c.Violations[0])
			}
		case StatusNotChecked:
			s.Skipped++
			tc.Skipped = &JUnitSkipped{Message: c.Detail}
		}
		s.Tests++
		s.Cases = append(s.Cases, tc)
	}
	return s
}

// failureText lists every violation of c with its context.
func failureText(c CheckResult) string {
	var b strings.Builder
	if c.Detail != "" {
		b.WriteString(c.Detail + "\n")
	}
	for _, v := range c.Violations {
		b.WriteString(violationLine(v) + "\n")
		for _, line := range v.Context {
			b.WriteString("    " + line + "\n")
		}
	}
	if more := c.Total - len(c.Violations); more > 0 {
		fmt.Fprintf(&b, "… %d more violations in verdict.json\n", more)
	}
	return b.String()
}

// WriteJUnit writes junit.xml for one or more runs.
func WriteJUnit(w io.Writer, runs ...*Run) error {
	out, err := xml.MarshalIndent(JUnit(runs...), "", "  ")
	if err != nil {
		return fmt.Errorf("reports: junit: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s%s\n", xml.Header, out)
	return err
}
