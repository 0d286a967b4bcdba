package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/breakerlab/breakerlab/scenarios"
)

const validateUsage = `Usage: breakerlab validate [--services] FILE...

Check scenario files (or, with --services, service configuration files)
without running them. Each problem is printed as FILE:LINE:COLUMN: KEY:
MESSAGE. Exit 0 if every file is valid, 2 otherwise.

Flags:
  --services   the files are service configurations, not scenarios

Examples:
  breakerlab validate my-outage.yaml
  breakerlab validate scenarios/library/*.yaml
  breakerlab validate --services services.yaml
`

// validateCmd checks files without running them.
func validateCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("validate", validateUsage, stderr)
	services := fs.Bool("services", false, "the files are service configurations")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fs.Usage()
		return usagef("validate: no file given")
	}
	bad := 0
	for _, file := range files {
		var err error
		var what string
		if *services {
			var s *scenarios.Services
			if s, err = scenarios.LoadServices(file); err == nil {
				what = fmt.Sprintf("%d services", len(s.Services))
			}
		} else {
			var sc *scenarios.Scenario
			if sc, err = scenarios.Load(file); err == nil {
				what = fmt.Sprintf("scenario %s, %s, %s, %d dependencies", sc.Name, sc.Mode.OrDefault(), sc.Duration, len(sc.Dependencies))
			}
		}
		if err != nil {
			bad++
			fmt.Fprintln(stderr, err)
			if hint := otherKind(file, *services); hint != "" {
				fmt.Fprintf(stderr, "%s: %s\n", file, hint)
			}
			continue
		}
		fmt.Fprintf(stdout, "%s: ok (%s)\n", file, what)
	}
	if bad > 0 {
		return usageError{errors.New("validate: " + plural(bad, "file") + " invalid")}
	}
	return nil
}

// plural formats n and noun, adding an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// otherKind returns a hint when file, invalid as what it was taken for, is
// valid as the other kind: a service configuration validated as a
// scenario, or the reverse.
func otherKind(file string, asServices bool) string {
	if asServices {
		if _, err := scenarios.Load(file); err == nil {
			return "hint: this is a valid scenario; validate it without --services"
		}
		return ""
	}
	if _, err := scenarios.LoadServices(file); err == nil {
		return "hint: this is a valid service configuration; validate it with --services"
	}
	return ""
}
