package main

import (
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEveryCommandFollowsTheConventions runs each command of the table with
// -h, through 'help NAME', and with an unknown flag.
func TestEveryCommandFollowsTheConventions(t *testing.T) {
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	require.Contains(t, names, "version")
	for _, name := range names {
		cmd := commands[name]
		t.Run(name, func(t *testing.T) {
			assert.True(t, strings.HasPrefix(cmd.usage, "Usage: breakerlab "+name), "usage starts with the synopsis")
			assert.Contains(t, cmd.usage, "\nExamples:\n  breakerlab "+name)

			for _, args := range [][]string{{name, "-h"}, {name, "--help"}, {"help", name}} {
				code, stdout, stderr := runCLI(t, args...)
				assert.Equal(t, exitOK, code, "%q: %s", args, stderr)
				assert.Empty(t, stdout, "%q: help goes to stderr", args)
				assert.Equal(t, cmd.usage, stderr, "%q prints the command's usage", args)
			}

			code, stdout, stderr := runCLI(t, name, "--no-such-flag")
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, "flag provided but not defined: -no-such-flag")
			assert.Contains(t, stderr, "breakerlab: "+name+": flag provided but not defined")
		})
	}
}

func TestTopLevelUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "breakerlab: no command given"},
		{[]string{"help"}, exitOK, "Commands:"},
		{[]string{"-h"}, exitOK, "Commands:"},
		{[]string{"help", "nope"}, exitUsage, `breakerlab: help: unknown command "nope"`},
		{[]string{"nope"}, exitUsage, `breakerlab: unknown command "nope"`},
	} {
		code, stdout, stderr := runCLI(t, tc.args...)
		assert.Equal(t, tc.code, code, "%q", tc.args)
		assert.Empty(t, stdout, "%q", tc.args)
		assert.Contains(t, stderr, "Usage: breakerlab COMMAND", "%q", tc.args)
		assert.Contains(t, stderr, tc.want, "%q", tc.args)
	}
}

// Flags may follow the positional arguments; "--" ends them.
func TestFlagsAfterArguments(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	pass := writeFile(t, dir, "pass.yaml", strings.Replace(outageYAML, "%s", "2", 1))
	code, stdout, stderr := runCLI(t, "run", pass, "--out", out, "--no-report")
	require.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, filepath.Join(out, "cli-outage"))
	assert.FileExists(t, filepath.Join(out, "cli-outage", "verdict.json"))
	assert.NoFileExists(t, filepath.Join(out, "cli-outage", "report.html"), "--no-report after the name counts")

	svc := writeFile(t, dir, "svc.yaml", "services:\n  iam: {failure_threshold: 3}\n")
	code, stdout, stderr = runCLI(t, "validate", svc, "--services")
	assert.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stdout, svc+": ok (1 services)")

	code, _, stderr = runCLI(t, "validate", "--services", "--", "--services")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "--services: no such file", `after "--" a flag is a file name`)

	code, _, stderr = runCLI(t, "list", "extra")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, `list: unexpected argument "extra"`)
}

func TestVersionCommand(t *testing.T) {
	code, stdout, stderr := runCLI(t, "version")
	require.Equal(t, exitOK, code, stderr)
	assert.Regexp(t, `^breakerlab \S+ \(.*go1\.\d+.* `+runtime.GOOS+`/`+runtime.GOARCH+`\)\n$`, stdout)

	platform := runtime.GOOS + "/" + runtime.GOARCH
	for _, tc := range []struct {
		bi   *debug.BuildInfo
		want string
	}{
		{nil, "breakerlab (unknown) (" + runtime.Version() + " " + platform + ")"},
		{&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.0"}},
			"breakerlab v1.2.0 (go1.26.0 " + platform + ")"},
		{&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
			{Key: "vcs.modified", Value: "true"}}},
			"breakerlab (devel) (rev 0123456789ab, 2026-01-02T03:04:05Z, modified; go1.26.0 " + platform + ")"},
		{&debug.BuildInfo{GoVersion: "go1.26.0"}, "breakerlab (devel) (go1.26.0 " + platform + ")"},
	} {
		assert.Equal(t, tc.want, versionLine(tc.bi))
	}
}
