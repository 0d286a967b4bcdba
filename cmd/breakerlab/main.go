// Command breakerlab is the CLI over breakerlab: it wires flags to the
// library packages and holds no logic of its own.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand: its one-line summary, its usage text (printed
// by -h, by 'breakerlab help NAME' and on a usage error) and its entry point.
type command struct {
	summary string
	usage   string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// commands is the table of subcommands; each lives in a file of its own.
var commands = map[string]command{
	// Each subcommand adds its line here.
	"run":      {"run scenarios, record them, check the invariants and report", runUsage, runCmd},
	"list":     {"list the built-in scenarios", listUsage, listCmd},
	"fake":     {"serve fault-injecting fake dependencies on loopback, with a control API", fakeUsage, fakeCmd},
	"validate": {"check scenario or service files without running them", validateUsage, validateCmd},
	"report":   {"rebuild the HTML, Markdown, JSON and JUnit reports and plots of recorded runs", reportUsage, reportCmd},
	"bench":    {"run the lock-contention benchmarks and plot ns/op against goroutines", benchUsage, benchCmd},
	"gate":     {"compare benchmark results with a baseline; fail on a significant slowdown", gateUsage, gateCmd},
	"version":  {"print breakerlab's version and the revision it was built from", versionUsage, versionCmd},
	"cat":      {"print a run's files (calls.bin, dependency.bin, …) as JSON lines, for jq", catUsage, catCmd},
	"serve":    {"serve an external scenario's fakes for load from other machines, and record them", serveUsage, serveCmd},
	"clock":    {"measure this load machine's clock against a served run's", clockUsage, clockCmd},
	"merge":    {"merge vegeta result files from several machines into a served run, check it and report", mergeUsage, mergeCmd},
}

// Exit codes, documented in README.md ("In CI") and docs/README.md.
const (
	exitOK     = 0 // every check held
	exitFailed = 1 // a check failed
	exitUsage  = 2 // bad input or usage
)

// usageError marks bad input: a flag, an argument or a file. It exits 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// errChecksFailed reports that a run finished but a check failed. It exits 1.
var errChecksFailed = errors.New("checks failed")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode maps an error from run to the process exit code, printing it.
func exitCode(err error, stderr io.Writer) int {
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "breakerlab:", err)
		return exitUsage
	default:
		fmt.Fprintln(stderr, "breakerlab:", err)
		return exitFailed
	}
}

// run dispatches args to a subcommand. Tests call it directly. Help and
// usage text go to stderr: stdout carries only a command's results.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		printUsage(stderr)
		return usagef("no command given")
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		return help(args[1:], stderr)
	}
	cmd, ok := commands[args[0]]
	if !ok {
		printUsage(stderr)
		return usagef("unknown command %q", args[0])
	}
	err := cmd.run(ctx, args[1:], stdout, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil // -h: the usage is printed, as asked
	}
	return err
}

// help prints the usage of the command named in args, or the list of commands.
func help(args []string, stderr io.Writer) error {
	switch {
	case len(args) == 0:
		printUsage(stderr)
		return nil
	case len(args) > 1:
		return usagef("help: want at most one command, got %q", args)
	}
	cmd, ok := commands[args[0]]
	if !ok {
		printUsage(stderr)
		return usagef("help: unknown command %q", args[0])
	}
	fmt.Fprint(stderr, cmd.usage)
	return nil
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: breakerlab COMMAND [flags] [args]")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-10s %s\n", name, commands[name].summary)
	}
	fmt.Fprintln(w, "\nRun 'breakerlab help COMMAND' or 'breakerlab COMMAND -h' for a command's flags and examples.")
	fmt.Fprintln(w, "Flags may come before or after a command's arguments; '--' ends them.")
	fmt.Fprintln(w, "Exit codes: 0 every check held, 1 a check failed, 2 bad input or usage.")
}
