package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/breakerlab/breakerlab/scenarios"
)

const listUsage = `Usage: breakerlab list

List the built-in scenarios, one line each: name, mode, duration and what
the scenario breaks and checks. Run one with 'breakerlab run NAME'.

Examples:
  breakerlab list
  breakerlab run $(breakerlab list | awk 'NR>1 && $2=="sim" {print $1}')
`

// listCmd prints the built-in scenario library.
func listCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	pos, err := parseFlags(newFlags("list", listUsage, stderr), args)
	if err != nil {
		return err
	}
	if err := noArgs("list", pos, ""); err != nil {
		return err
	}
	all, err := scenarios.Builtins()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tMODE\tDURATION\tDESCRIPTION")
	for _, sc := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", sc.Name, sc.Mode.OrDefault(), sc.Duration, sc.Description)
	}
	return tw.Flush()
}
