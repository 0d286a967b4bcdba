package reports

import (
	"bytes"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// The reports count and draw the states the checker inferred from what the
// breaker did (inferred.jsonl), and set what the breaker reported
// (transitions.jsonl, or its snapshots' states) beside them.

// inferredTwoOpens disagrees with smallTransitions on purpose (one open
// there, two here), so that a count read from the wrong file shows.
const inferredTwoOpens = `{"dep":"iam","from":"closed","to":"open","at_ns":2105000000,"gen":1,"reason":"2 consecutive failures","inferred":true}
{"dep":"iam","from":"open","to":"half-open","at_ns":5105000000,"gen":2,"reason":"recovery timeout elapsed","inferred":true,"lo_ns":4000000000,"hi_ns":5200000000}
{"dep":"iam","from":"half-open","to":"open","at_ns":5200000000,"gen":3,"reason":"probe failed","inferred":true}
{"dep":"iam","from":"open","to":"half-open","at_ns":8200000000,"gen":4,"reason":"recovery timeout elapsed","inferred":true}
`

// smallVerdict passes the small run's two invariants.
const smallVerdict = `{"schema_version":2,"scenario":"small","passed":true,"checks":[
 {"id":"I1","kind":"invariant","name":"only legal transitions","passed":true,"detail":"","violations":[]},
 {"id":"I2","kind":"invariant","name":"opens at the threshold","passed":true,"detail":"","violations":[]}],"stats":{}}`

func TestOpensAreInferredAndReportedBeside(t *testing.T) {
	r, err := Load(smallRun(t, map[string]string{record.InferredFile: inferredTwoOpens, record.VerdictFile: smallVerdict}))
	require.NoError(t, err)
	d := r.deps[0]
	assert.Len(t, d.Inferred, 4)
	assert.Len(t, d.Reported, 3)

	s := summarize(r)
	ds := s.Dependencies[0]
	assert.Equal(t, sourceInferred, ds.StateSource)
	assert.Equal(t, 2, ds.Opens, "opens count inferred.jsonl")
	assert.Equal(t, 4, ds.Transitions)
	assert.Equal(t, "half-open", ds.FinalState, "inferred: half-open at 8.2 s; the breaker said closed")
	assert.Equal(t, &reportedSummary{Source: sourceReported, Transitions: 3, Opens: 1, FinalState: "closed"}, ds.Reported)
	assert.Equal(t, []episode{{OpenedNs: 2105000000, FirstProbeNs: 5105000000, HalfOpenTries: 2}}, ds.Episodes)
	assert.Equal(t, int64(6e9), ds.TimeInStateNs["open"], "2.105–5.105 s and 5.2–8.2 s")

	spans := r.states(d).spans(r.endNs)
	require.Len(t, spans, 5)
	assert.Equal(t, stateSpan{State: "half-open", FromNs: 5105000000, ToNs: 5200000000, Generation: 2,
		EnteredBecause: "recovery timeout elapsed", LoNs: 4000000000, HiNs: 5200000000}, spans[2], "with its bounds")

	var md bytes.Buffer
	require.NoError(t, writeSummaryMarkdown(&md, []*Run{r}, nil))
	assert.Contains(t, md.String(), "| 4 | 2 | 1 | 9.99ms | 2µs | half-open |", "opens 2 (inferred), reported opens 1")
	assert.Contains(t, md.String(), "**iam circuit** (inferred from behaviour): opened 2.105s → half-open 5.105s → never closed (2 half-open tries)")
	var page bytes.Buffer
	require.NoError(t, writeHTML(&page, r, nil))
	assert.Contains(t, page.String(), `<td class="n">2</td><td class="n">1</td>`, "opens, reported opens")
}

// An external-mode breaker reports nothing: transitions.jsonl is empty, and
// every state the reports show is the inference.
func TestExternalRunShowsInferredOpens(t *testing.T) {
	r := loadFixture(t, "external-outage")
	st, err := os.Stat(filepath.Join(fixtureDir("external-outage"), record.TransitionsFile))
	require.NoError(t, err)
	require.Zero(t, st.Size(), "the breaker reported no transition")
	require.NotEmpty(t, r.deps[0].Inferred)

	ds := summarize(r).Dependencies[0]
	assert.Equal(t, 2, ds.Opens)
	assert.Nil(t, ds.Reported, "nothing reported, nothing to set beside")
	assert.Positive(t, ds.TimeInStateNs["open"])

	var md bytes.Buffer
	require.NoError(t, writeSummaryMarkdown(&md, []*Run{r}, nil))
	assert.Contains(t, md.String(), "| 2 | – | 14.3ms | 2µs | closed |")
	assert.Contains(t, md.String(), "| iam | failures in a row at each trip | 5 | 5 | 1/1 |")
	assert.Contains(t, md.String(), "- iam: 1 windows of overlapping calls had too many possible orders to search", "the checker's warning")
	assert.Contains(t, md.String(), "| R1 the transitions the breaker reports are the ones it made | ⏭️ skipped | not checked: the breaker reports no transitions |")
	doc := parseJUnit(t, r)
	assert.Contains(t, doc.Suites[0].SystemOut, "too many possible orders", "the checker's warning")
	assert.Contains(t, doc.Suites[0].Props, struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}{"observed.iam.failure_streak", "opened after 5 failures in a row, expected 5 (1/1 as expected)"})

	// Open from 3.2 s to 5.2 s (then reopened): the band is drawn, and no
	// strip, as nothing was reported.
	img := renderPNG(t, func(w *bytes.Buffer) error { return timelinePlot(w, "png", r) })
	b := img.Bounds()
	y := dataRow(t, img, 0, b.Dy())
	left, right, _ := spanOf(img, y, 0, b.Dx(), colClosedBand)
	first, _, n := spanOf(img, y, left, right, colOpenBand)
	require.Positive(t, n, "the inferred open band, on the lowest row of the data")
	assert.InDelta(t, 3.2/10, float64(first-left)/float64(right-left), 0.01)
	var svg bytes.Buffer
	require.NoError(t, timelinePlot(&svg, "svg", r))
	assert.Contains(t, svg.String(), "state inferred (the breaker reports none)")
	assert.NotContains(t, svg.String(), ">reported<")
}

// A breaker that reports only its state (the service's state endpoint in
// external mode) is set beside the inference as the state its snapshots
// showed, each change bounded by the sample before.
func TestSampledStateIsTheCrossCheck(t *testing.T) {
	meta := strings.Replace(smallMeta, `"mode":"sim"`, `"mode":"external","reports":{"transitions":false,"generations":false,"snapshots":false,"state":true}`, 1)
	const totals = `"totals":{"success":0,"failure":0,"ignored":0,"rejected":0}`
	snaps := `{"dep":"iam","at_ns":1000000000,"state":"closed","gen":0,` + totals + `}
{"dep":"iam","at_ns":3000000000,"state":"open","gen":0,` + totals + `}
{"dep":"iam","at_ns":4000000000,"state":"open","gen":0,` + totals + `}
{"dep":"iam","at_ns":7000000000,"state":"closed","gen":0,` + totals + `}
`
	r, err := Load(smallRun(t, map[string]string{record.MetaFile: meta, record.TransitionsFile: "\n", record.SnapshotsFile: snaps,
		record.InferredFile: inferredTwoOpens, record.VerdictFile: smallVerdict}))
	require.NoError(t, err, "%v", err)
	rep, ok := r.crossCheck(r.deps[0])
	require.True(t, ok)
	assert.Equal(t, sourceSampled, rep.source)
	assert.Equal(t, []record.Transition{
		{Dep: "iam", From: record.StateClosed, To: record.StateOpen, AtNs: 3e9, Reason: "seen in a snapshot", LoNs: 1e9, HiNs: 3e9},
		{Dep: "iam", From: record.StateOpen, To: record.StateClosed, AtNs: 7e9, Reason: "seen in a snapshot", LoNs: 4e9, HiNs: 7e9},
	}, rep.transitions)
	var md bytes.Buffer
	require.NoError(t, writeSummaryMarkdown(&md, []*Run{r}, nil))
	assert.Contains(t, md.String(), "| 2 | 1 (sampled) |")

	// The strip along the bottom shows the report: open from 3 s to 7 s,
	// where the bands above show the inference.
	img := renderPNG(t, func(w *bytes.Buffer) error { return timelinePlot(w, "png", r) })
	b := img.Bounds()
	main := dataRow(t, img, 0, b.Dy()*3/4) // a row above the strip
	left, right := bandExtent(img, main)
	frac := func(x int) float64 { return float64(x-left) / float64(right-left) }
	stripRow := -1
	for y := b.Dy() - 1; y > main; y-- {
		if _, _, n := spanOf(img, y, left, right, colOpenBand); n > 0 {
			stripRow = y
			break
		}
	}
	require.Positive(t, stripRow, "the strip is drawn")
	first, last, _ := spanOf(img, stripRow, left, right, colOpenBand)
	assert.InDelta(t, 0.3, frac(first), 0.01, "reported open at 3 s")
	assert.InDelta(t, 0.7, frac(last), 0.01, "reported closed at 7 s")
	first, _, _ = spanOf(img, main, left, right, colOpenBand)
	assert.InDelta(t, 0.2105, frac(first), 0.01, "inferred open at 2.105 s")
}

// The uncertain moment of an inferred transition is shaded: no pixel of
// a plain band lies in it on the bands' rows.
func TestUncertainTransitionIsShaded(t *testing.T) {
	r, err := Load(smallRun(t, map[string]string{record.InferredFile: inferredTwoOpens, record.VerdictFile: smallVerdict}))
	require.NoError(t, err)
	img := renderPNG(t, func(w *bytes.Buffer) error { return timelinePlot(w, "png", r) })
	b := img.Bounds()
	y := dataRow(t, img, 0, b.Dy()*3/4)
	left, right := bandExtent(img, y)
	x := func(s float64) int { return left + int(s/10*float64(right-left)) }
	_, _, open := spanOf(img, y, x(4.1), x(5.0), colOpenBand)
	assert.Zero(t, open, "4.0–5.2 s: the half-open transition's bounds are shaded")
	_, _, open = spanOf(img, y, x(3.0), x(3.9), colOpenBand)
	assert.Positive(t, open, "before its bounds: plainly open")
}

// A run checked before inferred.jsonl existed shows the breaker's own
// transitions, and says so.
func TestRunWithoutInferredShowsTheReport(t *testing.T) {
	r, err := Load(smallRun(t, map[string]string{record.VerdictFile: smallVerdict}))
	require.NoError(t, err)
	assert.Contains(t, r.Warnings, "inferred.jsonl: missing (checked before the checker inferred states); the breaker's state is shown as it reported it")
	ds := summarize(r).Dependencies[0]
	assert.Equal(t, sourceReported, ds.StateSource)
	assert.Equal(t, 1, ds.Opens)
	assert.Nil(t, ds.Reported)
}

// bandExtent returns the first and last x of row y painted in a state
// band's colour: the data area's width on a row inside it.
func bandExtent(img image.Image, y int) (first, last int) {
	first = -1
	for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
		c := img.At(x, y)
		for _, band := range []color.RGBA{colClosedBand, colOpenBand, colHalfOpenBand, colUnknownBand} {
			if sameColor(c, band) {
				if first < 0 {
					first = x
				}
				last = x
			}
		}
	}
	return first, last
}
