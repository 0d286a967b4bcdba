package reports

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/breakerlab/breakerlab/scenarios/record"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// external matches anything that would make the page fetch something.
var external = regexp.MustCompile(`(?i)(\ssrc\s*=|\shref\s*=|<link\b|<script\b|<iframe\b|@import|url\s*\()`)

func TestHTMLIsSelfContained(t *testing.T) {
	r := loadFixture(t, "nfr6-iam-outage")
	var buf bytes.Buffer
	require.NoError(t, renderHTML(&buf, r))
	page := buf.String()

	assert.Equal(t, 3, strings.Count(page, "<svg"), "three inline plots")
	assert.NotContains(t, page, "<?xml", "SVG prologs are stripped")
	assert.Empty(t, external.FindAllString(page, -1), "no external assets")
	for _, s := range []string{
		"<title>nfr6-iam-outage — failed — breakerlab</title>",
		"IAM fails for 40 s",
		"closed→open after 4 consecutive failures, want 5", // the violation
		"t=30.100s call seq=302 failure gen=1",             // its context
		"I2</b> opens exactly at the failure threshold",
		"opened 30.400s → half-open 60.400s → closed 90.500s",
		"Latency and breaker state", "Throughput by outcome", "Latency distribution by outcome",
		"name: nfr6-iam-outage", // the scenario file
	} {
		assert.Contains(t, page, s)
	}
}

func TestHTMLEscapesRecordedText(t *testing.T) {
	r := loadFixture(t, "nfr6-iam-outage")
	r.meta.Description = `<script>alert("x")</script>`
	var buf bytes.Buffer
	require.NoError(t, renderHTML(&buf, r))
	assert.NotContains(t, buf.String(), `<script>alert`)
	assert.Contains(t, buf.String(), `&lt;script&gt;alert`)
}

// A run killed mid-way — half a last line, no verdict.json, no snapshots,
// no ended_ns in meta.json — still gets every report file.
func TestWriteCutShortRun(t *testing.T) {
	r := loadFixture(t, "cut-short")
	assert.Equal(t, record.StatusIncomplete, r.Status(), "killed: incomplete, whatever its checks")
	assert.Equal(t, int64(11_800_002_000), r.endNs, "ends at the last event recorded: a rejection at 11.8 s taking 2µs")
	assert.Len(t, r.Warnings, 5)

	out := t.TempDir()
	written, err := Write(out, r)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(out, HTMLFile), written[0], "report.html first")
	want := []string{HTMLFile, SummaryMDFile, SummaryJSONFile, JUnitFile}
	require.Len(t, plotsOf(r), len(plotKinds)-1, "a sim run has no contention plot")
	for _, k := range plotsOf(r) {
		want = append(want, filepath.Join(plotsDir, k.name+".png"), filepath.Join(plotsDir, k.name+".svg"))
	}
	assert.Len(t, written, len(want))
	for _, name := range want {
		path := filepath.Join(out, name)
		assert.Contains(t, written, path)
		data, err := os.ReadFile(path)
		require.NoError(t, err, name)
		assert.NotEmpty(t, data, name)
		if filepath.Ext(name) == ".png" {
			_, _, err := image.Decode(bytes.NewReader(data))
			assert.NoError(t, err, name)
		}
	}
	assert.NoFileExists(t, filepath.Join(out, plotsDir, "contention.png"))
	leftovers, _ := filepath.Glob(filepath.Join(out, "*.tmp"))
	assert.Empty(t, leftovers)

	page, err := os.ReadFile(filepath.Join(out, HTMLFile))
	require.NoError(t, err)
	assert.Contains(t, string(page), "<b>cut short</b>")
	assert.Contains(t, string(page), "calls.jsonl:61: last line cut off")
	assert.Contains(t, string(page), "not checked")
}

func TestWriteIndex(t *testing.T) {
	out := t.TempDir()
	written, err := WriteIndex(out, []*Run{loadFixture(t, "nfr6-iam-outage"), loadFixture(t, "checkout-flaky")}, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(out, SummaryMDFile), filepath.Join(out, JUnitFile),
		filepath.Join(out, "contention.svg"), filepath.Join(out, "contention.png")}, written, "checkout-flaky ran live")
	md, err := os.ReadFile(written[0])
	require.NoError(t, err)
	assert.Contains(t, string(md), "| nfr6-iam-outage | ❌ failed | 1 of 11 |")
	assert.Contains(t, string(md), "| checkout-flaky | ✅ passed | 0 of 11 |")
}
