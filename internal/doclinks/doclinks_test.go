package doclinks

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// write creates the files (path → content) under dir.
func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

// TestCheckFindsPlantedBrokenLinks plants one broken link of each kind
// among good ones, and links that are not links (code), and wants exactly
// the broken ones.
func TestCheckFindsPlantedBrokenLinks(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "repo")
	write(t, parent, map[string]string{"outside.md": "# Outside\n"}) // exists, but not in the repository
	write(t, root, map[string]string{
		"README.md": "# Repo\n" +
			"[guide](docs/guide.md) [part](docs/guide.md#the-run-command-cli) [again](docs/guide.md#setup-1)\n" + // 2
			"![plot](docs/img/plot.png) [folder](docs/) [web](https://example.com/x.md) [mail](mailto:a@b.c)\n" + // 3
			"[here](#repo) [root](/docs/guide.md#intro)\n" + // 4
			"`[code](nope.md)` and ``[more `code`](nope2.md)``\n" + // 5
			"```\n[fenced](nope3.md)\n```\n" + // 6-8
			"[missing](docs/nope.md)\n" + // 9
			"[bad anchor](docs/guide.md#no-such-heading)\n" + // 10
			"[bad local](#nowhere)\n" + // 11
			"[escape](../outside.md)\n" + // 12
			"[ref]: docs/missing-ref.md\n" + // 13
			`<img src="docs/img/gone.png">` + "\n" + // 14
			"[empty]()\n", // 15
		"docs/guide.md":       "Intro\n=====\n\n## The `run` command (CLI)\n\n## Setup\n\n## Setup\n\n<a id=\"custom\"></a>\n[back](../README.md#repo) [custom](#custom) [code](../main.go#L3)\n",
		"docs/img/plot.png":   "png",
		"main.go":             "package main\n",
		"testdata/fixture.md": "[not checked](nope.md)\n",
		"out/run/summary.md":  "[not checked](nope.md)\n",
		".hidden/notes.md":    "[not checked](nope.md)\n",
		"sub/out/kept.md":     "[checked](../../docs/guide.md)\n",
	})

	res, err := Check(root)
	require.NoError(t, err)
	assert.Equal(t, []Broken{
		{File: "README.md", Line: 9, Target: "docs/nope.md", Reason: "no such file or folder"},
		{File: "README.md", Line: 10, Target: "docs/guide.md#no-such-heading", Reason: "no heading or anchor #no-such-heading in guide.md"},
		{File: "README.md", Line: 11, Target: "#nowhere", Reason: "no heading or anchor #nowhere in README.md"},
		{File: "README.md", Line: 12, Target: "../outside.md", Reason: "points outside the repository"},
		{File: "README.md", Line: 13, Target: "docs/missing-ref.md", Reason: "no such file or folder"},
		{File: "README.md", Line: 14, Target: "docs/img/gone.png", Reason: "no such file or folder"},
		{File: "README.md", Line: 15, Target: "", Reason: "empty link"},
	}, res.Broken)
	assert.Equal(t, 3, res.Files, "README.md, docs/guide.md, sub/out/kept.md")
	assert.Equal(t, 7+7+3+1, res.Links, "every relative link is counted: 7 good and 7 broken in README.md, 3 in guide.md, 1 in kept.md")
	assert.Equal(t, "README.md:9: docs/nope.md: no such file or folder", res.Broken[0].String())
}

func TestSlug(t *testing.T) {
	for heading, want := range map[string]string{
		"Two commands":                                      "two-commands",
		"The `run` command (CLI)":                           "the-run-command-cli",
		"Stress runs and `-race`":                           "stress-runs-and--race",
		"Invariants I1–I11":                                 "invariants-i1i11",
		"R1, R2: what the breaker *reports*":                "r1-r2-what-the-breaker-reports",
		"See [the docs](docs/README.md)":                    "see-the-docs",
		"half_open_max_calls":                               "half_open_max_calls",
		"Scenarios (`scenarios/`, `breakerlab run | list`)": "scenarios-scenarios-breakerlab-run--list",
	} {
		assert.Equal(t, want, Slug(heading), heading)
	}
	s := newSlugger()
	assert.Equal(t, []string{"x", "x-1", "x-2"}, []string{s.slug("X"), s.slug("X"), s.slug("x")})
}
