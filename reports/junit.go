package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// The JUnit XML shape CI systems read (Jenkins, GitLab, GitHub actions that
// publish test results): testsuites > testsuite (with counts) > testcase,
// holding a failure element for a failed check and skipped for one that was
// not checked. A run that did not run as planned gets one more test case,
// "run complete", holding an error; a run the index lists without a report
// ([Missing]) is a suite of one test case, "run", skipped or in error (of
// type "setup" for a run that could not run because of its setup, never a
// failure: the breaker broke no rule).

// junitSuites is the root element of junit.xml.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

// junitSuite is one scenario.
type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

// junitProperty is a name/value pair describing a suite.
type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

// junitCase is one invariant or expectation.
type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure"`
	Error     *junitError   `xml:"error"`
	Skipped   *junitSkipped `xml:"skipped"`
}

// junitError marks a run that is incomplete, or could not run or be loaded.
type junitError struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
}

// junitFailure carries a failed check: the first violation as its message,
// every violation with its context as its text.
type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

// junitSkipped marks a check that was not run.
type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// junitDoc builds the JUnit document for runs, one suite each, then one
// for each of missing.
func junitDoc(runs []*Run, missing []Missing) junitSuites {
	doc := junitSuites{Name: "breakerlab"}
	var total float64
	add := func(s junitSuite) {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Skipped += s.Skipped
		doc.Suites = append(doc.Suites, s)
	}
	for _, r := range runs {
		add(suiteOf(r))
		total += float64(r.endNs) / 1e9
	}
	for _, m := range missing {
		add(missingSuite(m))
	}
	doc.Time = fmt.Sprintf("%.3f", total)
	return doc
}

// missingSuite is the suite of a run without a report.
func missingSuite(m Missing) junitSuite {
	tc := junitCase{Name: "run", ClassName: "breakerlab." + m.Label, Time: "0"}
	s := junitSuite{Name: m.Label, Tests: 1, Time: "0", Cases: []junitCase{tc},
		Properties: []junitProperty{{"status", m.status()}}}
	if m.Dir != "" {
		s.Properties = append(s.Properties, junitProperty{"dir", m.Dir})
	}
	if m.Skipped {
		s.Skipped++
		s.Cases[0].Skipped = &junitSkipped{Message: m.Reason}
	} else {
		s.Errors++
		s.Cases[0].Error = &junitError{Type: "error", Message: m.Reason}
		if m.Setup {
			s.Cases[0].Error.Type = "setup"
		}
	}
	return s
}

func suiteOf(r *Run) junitSuite {
	m := r.meta
	s := junitSuite{
		Name: r.Label(), Time: fmt.Sprintf("%.3f", float64(r.endNs)/1e9), Timestamp: fmtT0(m.T0),
		Properties: []junitProperty{
			{"mode", m.Mode}, {"seed", fmt.Sprint(m.Seed)}, {"status", r.Status()}, {"dir", r.Dir},
		},
		SystemOut: strings.Join(r.allWarnings(), "\n"),
	}
	if m.Breaker != "" {
		s.Properties = append(s.Properties, junitProperty{"breaker", m.Breaker})
	}
	// What the breaker did, as measured: CI shows properties beside the cases.
	for _, d := range r.deps {
		for _, o := range r.observed(d.Name) {
			s.Properties = append(s.Properties, junitProperty{"observed." + d.Name + "." + o.Param, observedLine(o)})
		}
	}
	for _, c := range r.checks() {
		tc := junitCase{Name: c.title(), ClassName: "breakerlab." + r.Label(), Time: "0"}
		switch c.Status {
		case record.StatusFailed:
			s.Failures++
			tc.Failure = &junitFailure{Type: c.ID, Message: c.Detail, Text: failureText(c)}
			if len(c.Violations) > 0 {
				tc.Failure.Message = violationLine(c.Violations[0])
			}
		case record.StatusNotChecked:
			s.Skipped++
			tc.Skipped = &junitSkipped{Message: c.Detail}
		}
		s.Tests++
		s.Cases = append(s.Cases, tc)
	}
	if why := r.Incomplete(); why != "" {
		// CI must not read an incomplete run as passed: its checks cover only what ran.
		s.Properties = append(s.Properties, junitProperty{"incomplete", why})
		s.Errors++
		s.Tests++
		s.Cases = append(s.Cases, junitCase{Name: "run complete", ClassName: "breakerlab." + r.Label(), Time: "0",
			Error: &junitError{Type: "incomplete", Message: why + ": the checks cover only what ran"}})
	}
	return s
}

// failureText lists every violation of c with its context.
func failureText(c checkResult) string {
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

// writeJUnit writes junit.xml for runs and missing.
func writeJUnit(w io.Writer, runs []*Run, missing []Missing) error {
	out, err := xml.MarshalIndent(junitDoc(runs, missing), "", "  ")
	if err != nil {
		return fmt.Errorf("reports: junit: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s%s\n", xml.Header, out)
	return err
}
