package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// newFlags returns the flag set of command name: errors are returned, not
// fatal, and -h prints usage to stderr.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	return fs
}

// parseFlags parses args with fs and returns the positional arguments.
// Flags may come anywhere, before or after them ('run x.yaml --out d'); a
// "--" ends the flags. After -h it returns [flag.ErrHelp] (the usage is
// printed; the command exits 0); a bad flag is a usage error.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%s: %v", fs.Name(), err)
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// noArgs refuses positional arguments to a command that takes none.
func noArgs(name string, pos []string, hint string) error {
	if len(pos) == 0 {
		return nil
	}
	return usagef("%s: unexpected argument %q%s", name, pos[0], hint)
}
