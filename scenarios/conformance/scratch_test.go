package conformance_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A module outside the repo that requires breakerlab tests its own breaker
// (testdata/scratch: mybreaker.go, and mybreaker_test.go, the 18 lines
// docs/testing-your-breaker.md shows) with go test: it passes as written,
// and fails naming the check and the rule when a bug is planted. No
// network: breakerlab is replaced by this repo, and every other module
// comes from the module cache, checked against the repo's go.sum.
func TestScratchModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a module of its own: seconds")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	root := repoRoot(t, goCmd)

	t.Run("a good breaker passes", func(t *testing.T) {
		out, err := goTestScratch(t, goCmd, root, nil)
		require.NoError(t, err, "%s", out)
		assert.Contains(t, out, "--- PASS: TestNFR6/nfr6-iam-outage/I2", "the NFR-6 library ran, check by check")
		assert.Contains(t, out, "--- PASS: TestNFR6/late-results/I7")
		assert.Contains(t, out, "--- SKIP: TestNFR6/nfr6-iam-outage/R1", "it reports no transitions: nothing to cross-check")
		assert.Regexp(t, `(?m)^ok\s+example\.com/mybreaker\s`, out)
	})
	t.Run("a planted bug fails, naming the check", func(t *testing.T) {
		// Opens one failure early: rule 1, judged by I2.
		out, err := goTestScratch(t, goCmd, root, map[string]string{
			"if b.fails++; b.fails >= b.failures {": "if b.fails++; b.fails >= b.failures-1 {",
		})
		require.Error(t, err, "%s", out)
		assert.Contains(t, out, "--- FAIL: TestNFR6/nfr6-iam-outage/I2")
		assert.Contains(t, out, "(rule 1)")
		assert.Contains(t, out, "opened after 4 consecutive failures, want 5")
		assert.Contains(t, out, "--- PASS: TestNFR6/nfr6-iam-outage/I3", "the other checks still judge")
		assert.Regexp(t, `(?m)^FAIL\s+example\.com/mybreaker\s`, out)
	})
}

// The docs show the scratch module's test verbatim, and it is under 20
// lines.
func TestDocsShowTheScratchTest(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "scratch", "mybreaker_test.go"))
	require.NoError(t, err)
	assert.Less(t, bytes.Count(src, []byte("\n")), 20)
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "testing-your-breaker.md"))
	require.NoError(t, err)
	assert.Contains(t, string(doc), "```go\n"+string(src)+"```\n", "docs/testing-your-breaker.md shows testdata/scratch/mybreaker_test.go as it is")
}

// TestImportStaysSmall: a breaker's test that imports conformance does not
// build the CLI's dependencies (plots, Prometheus) nor the CLI; beyond the
// standard library it needs what the runner needs (vegeta, the YAML
// parser, the record codec).
func TestImportStaysSmall(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	cmd := exec.Command(goCmd, "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".")
	out, err := cmd.Output()
	require.NoError(t, err)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/breakerlab/breakerlab/scenarios/runner", "the list is the real one")
	for _, d := range deps {
		for _, banned := range []string{"gonum.org/", "github.com/prometheus/", "github.com/breakerlab/breakerlab/cmd/",
			"github.com/breakerlab/breakerlab/reports", "github.com/breakerlab/breakerlab/bench"} {
			assert.False(t, strings.HasPrefix(d, banned), "conformance imports %s", d)
		}
	}
}

// repoRoot returns the directory of breakerlab's go.mod.
func repoRoot(t *testing.T, goCmd string) string {
	t.Helper()
	out, err := exec.Command(goCmd, "env", "GOMOD").Output()
	require.NoError(t, err)
	gomod := strings.TrimSpace(string(out))
	require.NotEmpty(t, gomod)
	return filepath.Dir(gomod)
}

// goTestScratch writes the scratch module into a temporary directory —
// testdata/scratch's files with each of plant's replacements made once, a
// go.mod that requires breakerlab and replaces it by root, root's go.sum —
// and runs go test -short -v in it, returning its output.
func goTestScratch(t *testing.T, goCmd, root string, plant map[string]string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"mybreaker.go", "mybreaker_test.go"} {
		src, err := os.ReadFile(filepath.Join("testdata", "scratch", name))
		require.NoError(t, err)
		for old, repl := range plant {
			if bytes.Contains(src, []byte(old)) {
				require.Equal(t, 1, bytes.Count(src, []byte(old)), "plant %q once", old)
				src = bytes.Replace(src, []byte(old), []byte(repl), 1)
				delete(plant, old)
			}
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), src, 0o644))
	}
	require.Empty(t, plant, "every bug planted")
	gomod := "module example.com/mybreaker\n\ngo 1.26\n\nrequire github.com/breakerlab/breakerlab v0.0.0\n\n" +
		"replace github.com/breakerlab/breakerlab => " + root + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644))

	cmd := exec.Command(goCmd, "test", "-short", "-count=1", "-v", "./...")
	cmd.Dir = dir
	// The go command's own proxy: a fresh module cache may lack a go.mod only
	// the scratch module's full graph needs (CI's lint fetched it first).
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOSUMDB=off", "GOFLAGS=-mod=mod -buildvcs=false")
	out, err := cmd.CombinedOutput()
	return string(out), err
}
