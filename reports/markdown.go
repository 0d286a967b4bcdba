package reports

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// Limits that keep summary.md short enough for a CI step summary or a
// pull-request comment; report.html lists everything.
const (
	mdViolationsPerCheck = 5
	mdContextLines       = 4
	mdEpisodes           = 4
)

// statusMark is the emoji shown with a status, which is how CI summaries
// make a verdict visible at a glance.
func statusMark(status string) string {
	switch status {
	case record.StatusPassed:
		return "✅"
	case record.StatusFailed:
		return "❌"
	case statusError, statusSetupError:
		return "⛔"
	case statusSkipped:
		return "⏭️"
	}
	return "⚠️"
}

// writeSummaryMarkdown writes summary.md: for one run, its summary; for
// several (or with runs missing), an overview table, the missing runs and
// why, and then each run's summary.
func writeSummaryMarkdown(w io.Writer, runs []*Run, missing []Missing) error {
	var b strings.Builder
	if len(runs)+len(missing) > 1 || len(missing) > 0 {
		b.WriteString("## breakerlab: " + fmt.Sprint(len(runs)+len(missing)) + " scenarios\n\n")
		b.WriteString("| scenario | result | checks failed | calls | warnings |\n|---|---|---:|---:|---:|\n")
		for _, r := range runs {
			s := summarize(r)
			var calls int64
			for _, d := range s.Dependencies {
				calls += d.Calls
			}
			fmt.Fprintf(&b, "| %s | %s %s | %d of %d | %s | %d |\n", mdCell(label(s.Scenario, s.Breaker)), statusMark(s.Status), s.Status,
				s.CheckCounts.Failed, s.CheckCounts.Total, fmtCount(calls), len(s.Warnings))
		}
		for _, m := range missing {
			fmt.Fprintf(&b, "| %s | %s %s | – | – | – |\n", mdCell(m.Label), statusMark(m.status()), m.status())
		}
		b.WriteString("\n")
		for _, m := range missing {
			fmt.Fprintf(&b, "- %s **%s** %s: %s\n", statusMark(m.status()), mdCell(m.Label), m.status(), mdCell(m.Reason))
		}
		if len(missing) > 0 {
			b.WriteString("\n")
		}
	}
	for _, r := range runs {
		writeRunMarkdown(&b, summarize(r), r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeRunMarkdown writes one run's summary: what ran, its dependencies
// and circuits, its checks, their violations and the warnings.
func writeRunMarkdown(b *strings.Builder, s runSummary, r *Run) {
	checks := r.checks()
	mdRunHeader(b, s)
	mdDependencies(b, s)
	mdChecks(b, s.CheckCounts, checks)
	mdViolations(b, checks)
	if len(s.Warnings) > 0 {
		b.WriteString("Warnings:\n")
		for _, w := range s.Warnings {
			fmt.Fprintf(b, "- %s\n", mdCell(w))
		}
		b.WriteString("\n")
	}
}

// mdRunHeader writes the run's title, description, one line of facts and,
// for a run that did not run as planned, why.
func mdRunHeader(b *strings.Builder, s runSummary) {
	fmt.Fprintf(b, "### %s %s — %s\n\n", statusMark(s.Status), label(s.Scenario, s.Breaker), s.Status)
	if s.Description != "" {
		fmt.Fprintf(b, "%s\n\n", strings.TrimSpace(s.Description))
	}
	ran := fmtDur(s.EndNs) + " of " + fmtDur(s.PlannedNs) + " planned"
	if !s.Complete {
		ran += ", cut short"
	}
	load := s.Load.Description
	if load == "" {
		load = s.Load.Kind
	}
	fmt.Fprintf(b, "**%s** mode · seed %d · ran %s · load %s · ", s.Mode, s.Seed, ran, load)
	c := s.CheckCounts
	switch {
	case c.Total == 0:
		b.WriteString("no checks\n\n")
	case c.NotChecked == c.Total:
		fmt.Fprintf(b, "%d checks not checked\n\n", c.Total)
	case c.NotChecked > 0:
		fmt.Fprintf(b, "%d of %d checks passed, %d not checked\n\n", c.Passed, c.Total, c.NotChecked)
	default:
		fmt.Fprintf(b, "%d of %d checks passed\n\n", c.Passed, c.Total)
	}
	if s.Incomplete != "" {
		fmt.Fprintf(b, "%s **Incomplete:** %s. The checks cover only what ran: the run does not pass.\n\n", statusMark(record.StatusIncomplete), mdCell(s.Incomplete))
	}
}

// mdDependencies writes the dependencies' table, each circuit's outages
// and the parameters the breakers showed.
func mdDependencies(b *strings.Builder, s runSummary) {
	b.WriteString("| dependency | calls | success | failure | ignored | rejected | fallback | reached dependency | opens | reported opens | p99 admitted | p99 rejected | final state |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, d := range s.Dependencies {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %d | %s | %s | %s | %s |\n",
			mdCell(d.Name), fmtCount(d.Calls), fmtCount(d.Outcomes.Success), fmtCount(d.Outcomes.Failure),
			fmtCount(d.Outcomes.Ignored), fmtCount(d.Outcomes.Rejected), fmtCount(d.Fallback), fmtCount(d.DependencyRequests), d.Opens,
			reportedOpens(d), latencyCell(d.Latency, "admitted"), latencyCell(d.Latency, "rejected"), d.FinalState)
	}
	b.WriteString("\n")
	for _, d := range s.Dependencies {
		if line := circuitLine(d); line != "" {
			fmt.Fprintf(b, "**%s circuit** %s\n\n", mdCell(d.Name), line)
		}
	}
	var rows []observedRow
	for _, d := range s.Dependencies {
		for _, o := range d.Observed {
			rows = append(rows, rowOf(o))
		}
	}
	if len(rows) > 0 {
		b.WriteString("| dependency | parameter | expected | measured | as expected |\n|---|---|---:|---:|---:|\n")
		for _, o := range rows {
			fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", mdCell(o.Dep), o.Param, o.Expected, o.Observed, o.Matching)
		}
		b.WriteString("\n")
	}
}

// mdChecks writes the checks' table, or one line when none was checked.
func mdChecks(b *strings.Builder, c checkTally, checks []checkResult) {
	if c.Total > 0 && c.NotChecked == c.Total && !checks[0].Skipped { // no verdict: one reason for all
		ids := make([]string, len(checks))
		for i, ch := range checks {
			ids[i] = ch.ID
		}
		fmt.Fprintf(b, "%s %d checks not checked (%s): %s.\n\n", statusMark(record.StatusNotChecked), c.Total,
			strings.Join(ids, ", "), mdCell(checks[0].Detail))
		return
	}
	if len(checks) == 0 {
		return
	}
	b.WriteString("| check | result | detail |\n|---|---|---|\n")
	for _, ch := range checks {
		fmt.Fprintf(b, "| %s | %s %s | %s |\n", mdCell(ch.title()), statusMark(ch.result()), ch.result(), mdCell(ch.Detail))
	}
	b.WriteString("\n")
}

// mdViolations lists the first violations of each check, with their
// context, folded away.
func mdViolations(b *strings.Builder, checks []checkResult) {
	var nviol int
	for _, ch := range checks {
		nviol += ch.Total
	}
	if nviol == 0 {
		return
	}
	fmt.Fprintf(b, "<details><summary>%d violation(s)</summary>\n\n", nviol)
	for _, ch := range checks {
		for i, v := range ch.Violations {
			if i == mdViolationsPerCheck {
				break
			}
			fmt.Fprintf(b, "- %s\n", mdCell(violationLine(v)))
			for j, line := range v.Context {
				if j == mdContextLines {
					fmt.Fprintf(b, "  - … %d more lines\n", len(v.Context)-j)
					break
				}
				fmt.Fprintf(b, "  - `%s`\n", strings.ReplaceAll(line, "`", "'"))
			}
		}
		if shown := min(len(ch.Violations), mdViolationsPerCheck); ch.Total > shown {
			fmt.Fprintf(b, "- … %d more %s violations (report.html, verdict.json)\n", ch.Total-shown, ch.ID)
		}
	}
	b.WriteString("\n</details>\n\n")
}

// reportedOpens is the "reported opens" cell: how often the breaker said
// it opened, "–" when it reports nothing beside what is counted.
func reportedOpens(d depSummary) string {
	switch {
	case d.Reported == nil:
		return "–"
	case d.Reported.Source == sourceSampled:
		return fmt.Sprintf("%d (sampled)", d.Reported.Opens)
	}
	return strconv.Itoa(d.Reported.Opens)
}

// circuitLine describes a circuit's outages and where its states come
// from: "(inferred): opened 31.000s → half-open 91.000s → closed 91.210s".
func circuitLine(d depSummary) string {
	var src string
	switch d.StateSource {
	case sourceInferred:
		src = "(inferred from behaviour)"
	case sourceReported:
		src = "(as the breaker reported it; not inferred: the run has no inferred.jsonl)"
	case sourceSampled:
		src = "(as the breaker's snapshots showed it; not inferred: the run has no inferred.jsonl)"
	default:
		return "(state unknown): the run was not checked and the breaker reports no state"
	}
	line := episodeLine(d.Episodes)
	if line == "" {
		return ""
	}
	return src + ": " + line
}

// violationLine is the one-line form of a violation: what, where, when
// and the NFR-6 rule broken, if the evidence names one.
func violationLine(v record.Violation) string {
	rule := ""
	if v.Rule > 0 {
		rule = fmt.Sprintf(" (rule %d)", v.Rule)
	}
	return fmt.Sprintf("%s %s t=%s gen %d%s: %s", v.ID, v.Dep, fmtNs(v.AtNs), v.Gen, rule, v.Message)
}

// episodeLine describes the outages: "opened 31.000s → half-open 91.000s →
// closed 91.210s (1 try)".
func episodeLine(eps []episode) string {
	var parts []string
	for i, e := range eps {
		if i == mdEpisodes {
			parts = append(parts, fmt.Sprintf("… %d more", len(eps)-i))
			break
		}
		p := "opened " + fmtNs(e.OpenedNs)
		if e.FirstProbeNs > 0 {
			p += " → half-open " + fmtNs(e.FirstProbeNs)
		}
		if e.ClosedNs > 0 {
			p += " → closed " + fmtNs(e.ClosedNs)
		} else {
			p += " → never closed"
		}
		if e.HalfOpenTries > 1 {
			p += fmt.Sprintf(" (%d half-open tries)", e.HalfOpenTries)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

func latencyCell(l map[string]latencyStats, key string) string {
	s, ok := l[key]
	if !ok {
		return "–"
	}
	return fmtDur(s.P99)
}

// mdCell makes text safe inside a Markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}
