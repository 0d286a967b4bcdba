package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

const catUsage = `Usage: breakerlab cat FILE...

Print files of a run directory as JSON lines, one record a line, for jq
and grep: calls.bin and dependency.bin (compressed binary records) in the
JSON-lines form of calls.jsonl and dependency.jsonl; a zstd-compressed file
decompressed; any other file (transitions.jsonl, meta.json, …) as it is.
A run recorded before calls.bin (schema 1) has calls.jsonl instead:
'cat OUT/NAME/calls.bin' finds it. A file cut off by a killed run prints
what was flushed before the cut, with a warning on stderr.

Examples:
  breakerlab cat out/nfr6-iam-outage/calls.bin | head -3
  breakerlab cat out/nfr6-iam-outage/calls.bin | jq -c 'select(.outcome == "rejected")' | head
  breakerlab cat out/nfr6-iam-outage/dependency.bin | jq -r .fault | sort | uniq -c
`

// catCmd prints run files as JSON lines.
func catCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	files, err := parseFlags(newFlags("cat", catUsage, stderr), args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fmt.Fprint(stderr, catUsage)
		return usagef("cat: no file given")
	}
	out := bufio.NewWriterSize(stdout, 256<<10)
	for _, path := range files {
		if err := catFile(out, stderr, path); err != nil {
			out.Flush()
			return err
		}
	}
	return out.Flush()
}

func catFile(stdout *bufio.Writer, stderr io.Writer, path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return usagef("cat: %s is a directory; give one of its files, e.g. %s", path, filepath.Join(path, record.CallsFile))
	}
	f, err := record.OpenFile(filepath.Dir(path), filepath.Base(path))
	if errors.Is(err, fs.ErrNotExist) {
		return usagef("cat: %s: no such file", path)
	}
	if err != nil {
		return usagef("cat: %v", err)
	}
	defer f.Close()
	warnings, err := record.Cat(stdout, f, path)
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if err != nil {
		return usagef("cat: %v", err)
	}
	return nil
}
