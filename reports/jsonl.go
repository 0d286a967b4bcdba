package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// maxLineBytes bounds one JSON line, so a corrupt file cannot exhaust memory.
const maxLineBytes = 16 << 20

// readJSONL streams the JSON lines of path, decoding each into a fresh
// zero value of T and passing it to each with its 1-based line number.
// Blank lines are skipped. Errors name path; warnings name label, the file
// relative to its run, so that reports do not depend on where the run lives. A last line that is cut short (no newline and
// not valid JSON) is what a killed writer leaves behind: it is skipped and
// reported as a warning. Any other bad line is an error naming path:line.
// A missing file is reported with missing=true and no error.
//
// fast, when not nil, is tried first on every line; when it reports false
// the record is zeroed and encoding/json decodes the line. The record passed
// to each is reused for the next line: each must copy what it keeps.
func readJSONL[T any](path, label string, fast func([]byte, *T) bool, each func(rec *T, line int) error) (warning string, missing bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", true, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("reports: %w", err)
	}
	defer f.Close()

	r := bufio.NewReaderSize(f, 256<<10)
	var long []byte // a line longer than the reader's buffer
	var rec, zero T
	for lineNo := 1; ; lineNo++ {
		chunk, rerr := r.ReadSlice('\n')
		line := chunk
		for errors.Is(rerr, bufio.ErrBufferFull) {
			long = append(long, chunk...)
			if len(long) > maxLineBytes {
				return "", false, fmt.Errorf("reports: %s:%d: line longer than %d bytes", path, lineNo, maxLineBytes)
			}
			chunk, rerr = r.ReadSlice('\n')
			line = append(long, chunk...)
		}
		long = long[:0]
		if rerr != nil && !errors.Is(rerr, io.EOF) {
			return "", false, fmt.Errorf("reports: %s:%d: %w", path, lineNo, rerr)
		}
		terminated := len(line) > 0 && line[len(line)-1] == '\n'
		if trimmed := bytes.TrimSpace(line); len(trimmed) > 0 {
			rec = zero
			if fast == nil || !fast(trimmed, &rec) {
				rec = zero
				if jerr := json.Unmarshal(trimmed, &rec); jerr != nil {
					if !terminated {
						return fmt.Sprintf("%s:%d: last line is cut short (%d bytes); skipped", label, lineNo, len(trimmed)), false, nil
					}
					return "", false, fmt.Errorf("reports: %s:%d: %v", path, lineNo, jerr)
				}
			}
			if err := each(&rec, lineNo); err != nil {
				return "", false, fmt.Errorf("reports: %s:%d: %w", path, lineNo, err)
			}
		}
		if rerr != nil { // io.EOF
			return "", false, nil
		}
	}
}

// readJSON decodes the single JSON document at path into v.
func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line := 1 + bytes.Count(data[:se.Offset], []byte("\n"))
			return fmt.Errorf("%s:%d: %v", path, line, err)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			line := 1 + bytes.Count(data[:min(int(te.Offset), len(data))], []byte("\n"))
			return fmt.Errorf("%s:%d: key %q: %v", path, line, te.Field, err)
		}
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}
