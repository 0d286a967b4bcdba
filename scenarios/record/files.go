package record

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// legacyNames are the JSON-lines files of schema 1 that the binary files of
// schema 2 replace.
var legacyNames = map[string]string{CallsFile: "calls.jsonl", DependencyFile: "dependency.jsonl"}

// OpenFile opens the file name (CallsFile, TransitionsFile, …) of the run
// directory dir or, in a run recorded with schema 1, the JSON-lines file
// that held the same records (calls.jsonl for CallsFile). [EachCall] and its
// siblings read either form. A missing file is an error wrapping
// fs.ErrNotExist.
func OpenFile(dir, name string) (*os.File, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if old, ok := legacyNames[name]; ok && errors.Is(err, fs.ErrNotExist) {
		if f, oerr := os.Open(filepath.Join(dir, old)); oerr == nil {
			return f, nil
		}
	}
	return f, err
}

// zstdMagic starts every zstd frame.
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// format is how a records file is encoded.
type format int

const (
	formatJSONLines     format = iota // schema 1, or transitions and snapshots
	formatZstdJSONLines               // JSON lines compressed by hand with zstd
	formatBinary                      // calls and dependency requests of schema 2
)

// errCutHeader reports a binary file cut off inside its first line.
var errCutHeader = errors.New("cut off inside its first line (the run was killed as it started); read as empty")

// sniff tells the format of the file br starts; for a binary file it
// consumes the first line and returns the kind it names.
func sniff(br *bufio.Reader) (format, string, error) {
	head, _ := br.Peek(len(binMagic))
	switch {
	case bytes.HasPrefix(head, zstdMagic):
		return formatZstdJSONLines, "", nil
	case len(head) > 0 && len(head) < len(binMagic) && strings.HasPrefix(binMagic, string(head)):
		return formatBinary, "", errCutHeader
	case string(head) != binMagic:
		return formatJSONLines, "", nil
	}
	line, err := br.ReadString('\n')
	if errors.Is(err, io.EOF) {
		return formatBinary, "", errCutHeader
	}
	if err != nil {
		return formatBinary, "", err
	}
	kind, err := parseBinHeader(line)
	return formatBinary, kind, err
}

// newZstdReader decompresses r on the calling goroutine: no goroutine to
// leak, and a stream cut off mid-frame yields every complete block before
// it returns io.ErrUnexpectedEOF.
func newZstdReader(r io.Reader) (*zstd.Decoder, error) {
	return zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
}

// eachRecord decodes the file r holds — binary records of kind, JSON lines,
// or zstd-compressed JSON lines — with binDecode or lineDecode.
func eachRecord(r io.Reader, name, kind string, binDecode func(d *binDecoder) error, lineDecode func(line []byte) error) ([]string, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	f, got, err := sniff(br)
	switch {
	case errors.Is(err, errCutHeader):
		return []string{fmt.Sprintf("%s: %v", name, err)}, nil
	case err != nil:
		return nil, fmt.Errorf("record: %s: %w", name, err)
	case f == formatBinary && got != kind:
		return nil, fmt.Errorf("record: %s: holds %s records, not %s", name, got, kind)
	}
	return eachIn(br, f, name, binDecode, lineDecode)
}

// eachIn decodes what follows the start sniff read.
func eachIn(br *bufio.Reader, f format, name string, binDecode func(d *binDecoder) error, lineDecode func(line []byte) error) ([]string, error) {
	if f == formatJSONLines {
		return eachLine(br, name, lineDecode)
	}
	zr, err := newZstdReader(br)
	if err != nil {
		return nil, fmt.Errorf("record: %s: %w", name, err)
	}
	defer zr.Close()
	cut := &cutReader{r: zr}
	if f == formatZstdJSONLines {
		warnings, err := eachLine(cut, name, lineDecode)
		return append(warnings, cut.warnings(name)...), err
	}
	return eachBinary(cut, name, binDecode, cut)
}

// cutReader turns the io.ErrUnexpectedEOF of a compressed stream cut off
// mid-frame (a run killed, or still being written) into an end of file,
// noting it: what was flushed before the cut reads, and the cut is a
// warning.
type cutReader struct {
	r   io.Reader
	cut bool
}

func (c *cutReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		c.cut = true
		err = io.EOF
	}
	return n, err
}

func (c *cutReader) warnings(name string) []string {
	if !c.cut {
		return nil
	}
	return []string{fmt.Sprintf("%s: cut off mid-stream (the run was killed, or is still being written); read what was flushed before it", name)}
}

// eachBinary decodes binary records from r until its end. A record cut off
// by the end is skipped with a warning; a corrupt one is an error naming the
// file and the record's number.
func eachBinary(r io.Reader, name string, decode func(d *binDecoder) error, cut *cutReader) ([]string, error) {
	d := newBinDecoder(r)
	for n := 1; ; n++ {
		if ok, err := d.more(); errors.Is(err, io.EOF) {
			return cut.warnings(name), nil
		} else if !ok {
			return nil, fmt.Errorf("record: %s: reading record %d: %w", name, n, err)
		}
		if err := decode(d); err != nil {
			return binaryError(name, n, err)
		}
	}
}

// binaryError turns the error decoding record n into what eachBinary
// returns: a warning for a record cut off, the caller's error as it is
// (named, if [Invalid] marks it), an error naming the record otherwise.
func binaryError(name string, n int, err error) ([]string, error) {
	var cb errCallback
	switch {
	case errors.As(err, &cb):
		if errors.As(cb.err, new(invalidError)) {
			return nil, fmt.Errorf("record: %s: record %d: %w", name, n, cb.err)
		}
		return nil, cb.err
	case errors.Is(err, io.ErrUnexpectedEOF):
		return []string{fmt.Sprintf("%s: record %d cut off (the run was killed, or is still being written); skipped, the %d before it read", name, n, n-1)}, nil
	}
	return nil, fmt.Errorf("record: %s: record %d: %w", name, n, err)
}

// Cat writes the records of a run file, read from r, to w as JSON lines:
// binary calls and dependency requests in the JSON-lines form of schema 1
// (what jq reads), a zstd-compressed file decompressed, anything else
// (JSON lines, meta.json, verdict.json) as it is. name labels errors and
// warnings; a file cut off by a killed run is a warning, and what precedes
// the cut is written.
func Cat(w io.Writer, r io.Reader, name string) (warnings []string, err error) {
	br := bufio.NewReaderSize(r, 256<<10)
	f, kind, err := sniff(br)
	if errors.Is(err, errCutHeader) {
		return []string{fmt.Sprintf("%s: %v", name, err)}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("record: %s: %w", name, err)
	}
	if f == formatJSONLines {
		if _, err := io.Copy(w, br); err != nil {
			return nil, fmt.Errorf("record: %s: %w", name, err)
		}
		return nil, nil
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	var line []byte
	switch {
	case f == formatZstdJSONLines:
		warnings, err = catZstd(bw, br, name)
	case kind == kindCalls:
		bin, _ := callDecoders(func(c *Call) error {
			line = append(c.AppendJSON(line[:0]), '\n')
			_, err := bw.Write(line)
			return err
		})
		warnings, err = eachIn(br, f, name, bin, nil)
	case kind == kindDeps:
		bin, _ := depRequestDecoders(func(r *DepRequest) error {
			line = append(r.AppendJSON(line[:0]), '\n')
			_, err := bw.Write(line)
			return err
		})
		warnings, err = eachIn(br, f, name, bin, nil)
	default:
		err = fmt.Errorf("record: %s: unknown kind of records %q", name, kind)
	}
	if ferr := bw.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("record: %s: %w", name, ferr)
	}
	return warnings, err
}

func catZstd(w io.Writer, r io.Reader, name string) ([]string, error) {
	zr, err := newZstdReader(r)
	if err != nil {
		return nil, fmt.Errorf("record: %s: %w", name, err)
	}
	defer zr.Close()
	cut := &cutReader{r: zr}
	if _, err := io.Copy(w, cut); err != nil {
		return nil, fmt.Errorf("record: %s: %w", name, err)
	}
	return cut.warnings(name), nil
}
