package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

const versionUsage = `Usage: breakerlab version

Print breakerlab's module version ("(devel)" for a build from a checkout),
the VCS revision and time it was built from when the build recorded them
("modified" when the working tree had uncommitted changes), and the Go
version and platform. Quote it in bug reports.

Examples:
  breakerlab version
  go install github.com/breakerlab/breakerlab/cmd/breakerlab@latest && breakerlab version
`

// versionCmd prints the build's version.
func versionCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", versionUsage, stderr)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("version", pos, ""); err != nil {
		return err
	}
	bi, _ := debug.ReadBuildInfo()
	_, err = fmt.Fprintln(stdout, versionLine(bi))
	return err
}

// versionLine describes a build: "breakerlab v1.2.0 (rev 0123456789ab,
// 2026-01-02T03:04:05Z, modified; go1.26.0 linux/amd64)". bi may be nil.
func versionLine(bi *debug.BuildInfo) string {
	version, goVersion := "(unknown)", runtime.Version()
	var vcs []string
	if bi != nil {
		version, goVersion = bi.Main.Version, bi.GoVersion
		if version == "" {
			version = "(devel)"
		}
		settings := map[string]string{}
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
		if rev := settings["vcs.revision"]; rev != "" {
			vcs = append(vcs, "rev "+rev[:min(len(rev), 12)])
		}
		if t := settings["vcs.time"]; t != "" {
			vcs = append(vcs, t)
		}
		if settings["vcs.modified"] == "true" {
			vcs = append(vcs, "modified")
		}
	}
	platform := goVersion + " " + runtime.GOOS + "/" + runtime.GOARCH
	if len(vcs) == 0 {
		return fmt.Sprintf("breakerlab %s (%s)", version, platform)
	}
	return fmt.Sprintf("breakerlab %s (%s; %s)", version, strings.Join(vcs, ", "), platform)
}
