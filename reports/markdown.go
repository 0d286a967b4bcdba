package reports

import (
	"fmt"
	"io"
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
	case statusError:
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
			s := Summarize(r)
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
		writeRunMarkdown(&b, Summarize(r), r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeRunMarkdown(b *strings.Builder, s Summary, r *Run) {
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

	b.WriteString("| dependency | calls | success | failure | ignored | rejected | fallback | reached dependency | opens | p99 admitted | p99 rejected | final state |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, d := range s.Dependencies {
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %d | %s | %s | %s |\n",
			mdCell(d.Name), fmtCount(d.Calls), fmtCount(d.Outcomes.Success), fmtCount(d.Outcomes.Failure),
			fmtCount(d.Outcomes.Ignored), fmtCount(d.Outcomes.Rejected), fmtCount(d.Fallback), fmtCount(d.DependencyRequests), d.Opens,
			latencyCell(d.Latency, "admitted"), latencyCell(d.Latency, "rejected"), d.FinalState)
	}
	b.WriteString("\n")
	for _, d := range s.Dependencies {
		if line := episodeLine(d.Episodes); line != "" {
			fmt.Fprintf(b, "**%s circuit:** %s\n\n", mdCell(d.Name), line)
		}
	}

	checks := r.checks()
	if c.Total > 0 && c.NotChecked == c.Total {
		ids := make([]string, len(checks))
		for i, ch := range checks {
			ids[i] = ch.ID
		}
		fmt.Fprintf(b, "%s %d checks not checked (%s): %s.\n\n", statusMark(record.StatusNotChecked), c.Total,
			strings.Join(ids, ", "), mdCell(checks[0].Detail))
	} else if len(checks) > 0 {
		b.WriteString("| check | result | detail |\n|---|---|---|\n")
		for _, ch := range checks {
			fmt.Fprintf(b, "| %s | %s %s | %s |\n", mdCell(ch.title()), statusMark(ch.Status), ch.Status, mdCell(ch.Detail))
		}
		b.WriteString("\n")
	}
	var nviol int
	for _, ch := range checks {
		nviol += ch.Total
	}
	if nviol > 0 {
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
	if len(s.Warnings) > 0 {
		b.WriteString("Warnings:\n")
		for _, w := range s.Warnings {
			fmt.Fprintf(b, "- %s\n", mdCell(w))
		}
		b.WriteString("\n")
	}
}

// violationLine is the one-line form of a violation: what, where and when.
func violationLine(v record.Violation) string {
	return fmt.Sprintf("%s %s t=%s gen %d: %s", v.ID, v.Dep, fmtNs(v.AtNs), v.Gen, v.Message)
}

// episodeLine describes the outages: "opened 31.000s → half-open 91.000s →
// closed 91.210s (1 try)".
func episodeLine(eps []Episode) string {
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

func latencyCell(l map[string]LatencyStats, key string) string {
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
