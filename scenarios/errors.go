package scenarios

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// Sentinel errors.
var (
	// ErrUnknownScenario matches a name that is neither a built-in scenario nor a file.
	ErrUnknownScenario = errors.New("scenarios: unknown scenario")
	// ErrModeMismatch matches a run asked for a mode its scenario cannot run
	// in: stress mode without a stress section, sim or live without a load
	// profile. It is bad input, like a bad file.
	ErrModeMismatch = errors.New("scenarios: scenario cannot run in this mode")
)

// FileError is a problem in a scenario or service file at a position.
type FileError struct {
	File   string // the file's path, or "builtin:NAME"
	Line   int    // 1-based; 0 when the problem is the whole file
	Column int    // 1-based
	Key    string // the YAML path of the offending key, e.g. $.load.rate
	Msg    string // what is wrong and what was expected
}

// Error formats the problem as FILE:LINE:COLUMN: KEY: MESSAGE.
func (e *FileError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Key != "" && e.Key != "$" {
		b.WriteString(strings.TrimPrefix(e.Key, "$."))
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// posError carries a node's position out of a custom unmarshaler; the loader
// turns it into a [FileError].
type posError struct {
	tk  *token.Token
	msg string
}

func (e *posError) Error() string { return e.msg }

// nodeError reports msg at node's position.
func nodeError(node ast.Node, msg string) error {
	return &posError{tk: node.GetToken(), msg: msg}
}

// doc is a parsed YAML file: its AST, used to find positions.
type doc struct {
	name string
	file *ast.File
}

// at returns a FileError at the node with YAML path path, falling back to the
// nearest existing parent (for a missing key).
func (d *doc) at(path, msg string) *FileError {
	e := &FileError{File: d.name, Key: path, Msg: msg}
	for p := path; p != ""; p = parentPath(p) {
		yp, err := yaml.PathString(p)
		if err != nil {
			continue
		}
		n, err := yp.FilterFile(d.file)
		if err != nil || n == nil {
			continue
		}
		// Point at the key; for a missing key, at the parent that should hold it.
		if p == "$" {
			e.Line, e.Column = 1, 1
			return e
		}
		if tk := keyToken(d.file, p, firstToken(n)); tk != nil {
			e.Line, e.Column = tk.Position.Line, tk.Position.Column
		}
		return e
	}
	return e
}

// keyToken returns the token of the key whose value lives at path, so that
// errors point at the key; it falls back to the value's token.
func keyToken(f *ast.File, path string, fallback *token.Token) *token.Token {
	var found *token.Token
	for _, d := range f.Docs {
		ast.Walk(visitFunc(func(n ast.Node) bool {
			if found != nil {
				return false
			}
			if mv, ok := n.(*ast.MappingValueNode); ok && mv.Value != nil && mv.Value.GetPath() == path {
				found = mv.Key.GetToken()
				return false
			}
			return true
		}), d)
	}
	if found == nil {
		return fallback
	}
	return found
}

// firstToken returns the token a node starts with: a mapping's first key.
func firstToken(n ast.Node) *token.Token {
	switch m := n.(type) {
	case *ast.MappingNode:
		if len(m.Values) > 0 {
			return m.Values[0].Key.GetToken()
		}
	case *ast.MappingValueNode:
		return m.Key.GetToken()
	}
	return n.GetToken()
}

// visitFunc adapts a function to ast.Visitor; false stops the descent.
type visitFunc func(ast.Node) bool

func (f visitFunc) Visit(n ast.Node) ast.Visitor {
	if n == nil || !f(n) {
		return nil
	}
	return f
}

// parentPath strips the last element of a YAML path; "$" has no parent.
func parentPath(p string) string {
	if p == "$" {
		return ""
	}
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndex(p, "["); i > 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndex(p, "."); i > 0 {
		return p[:i]
	}
	return "$"
}

// pathAt returns the YAML path of the node whose token is tk.
func pathAt(f *ast.File, tk *token.Token) string {
	if tk == nil {
		return ""
	}
	var path string
	for _, d := range f.Docs {
		ast.Walk(visitFunc(func(n ast.Node) bool {
			if path != "" {
				return false
			}
			if mv, ok := n.(*ast.MappingValueNode); ok {
				if samePos(mv.Key.GetToken(), tk) && mv.Value != nil {
					path = mv.Value.GetPath()
					return false
				}
			}
			if t := n.GetToken(); samePos(t, tk) {
				if _, isMV := n.(*ast.MappingValueNode); !isMV {
					path = n.GetPath()
					return false
				}
			}
			return true
		}), d)
	}
	return path
}

func samePos(a, b *token.Token) bool {
	return a != nil && b != nil && a.Position.Offset == b.Position.Offset && a.Position.Line == b.Position.Line
}

// findScalar returns the first scalar node whose text is s: the library
// reports some errors (bad durations) without a position.
func findScalar(f *ast.File, s string) ast.Node {
	var found ast.Node
	for _, d := range f.Docs {
		ast.Walk(visitFunc(func(n ast.Node) bool {
			if found != nil {
				return false
			}
			if sn, ok := n.(*ast.StringNode); ok && sn.Value == s {
				found = n
				return false
			}
			return true
		}), d)
	}
	return found
}

// decodeError turns an error from the YAML library into a FileError.
func (d *doc) decodeError(err error) error {
	var pe *posError
	if errors.As(err, &pe) {
		return d.tokenError(pe.tk, pe.msg)
	}
	var oe *yaml.OverflowError
	if errors.As(err, &oe) {
		return d.tokenError(oe.Token, fmt.Sprintf("got %s, want %s", oe.SrcNum, rangeWord(oe.DstType)))
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return d.tokenError(te.Token, fmt.Sprintf("got %q, want %s", te.Token.Value, kindWord(te.DstType)))
	}
	var ue *yaml.UnknownFieldError
	if errors.As(err, &ue) {
		fe := d.tokenError(ue.Token, "")
		fe.Key = parentPath(fe.Key) + "." + ue.Token.Value
		fe.Msg = fmt.Sprintf("unknown key %q", ue.Token.Value)
		return fe
	}
	var ye yaml.Error
	if errors.As(err, &ye) {
		return d.tokenError(ye.GetToken(), ye.GetMessage())
	}
	// time.ParseDuration's error carries the text but no position: find it.
	msg := err.Error()
	if i := strings.LastIndex(msg, `duration "`); i >= 0 {
		if q, uerr := strconv.Unquote(msg[i+len("duration "):]); uerr == nil {
			if n := findScalar(d.file, q); n != nil {
				return d.tokenError(n.GetToken(), fmt.Sprintf("bad duration %q, want e.g. 250ms, 30s, 2m", q))
			}
		}
	}
	return &FileError{File: d.name, Msg: msg}
}

// tokenError returns a FileError at tk, with the key path of its node.
func (d *doc) tokenError(tk *token.Token, msg string) *FileError {
	e := &FileError{File: d.name, Msg: msg}
	if tk != nil {
		e.Line, e.Column = tk.Position.Line, tk.Position.Column
		e.Key = pathAt(d.file, tk)
	}
	return e
}

// rangeWord describes the integers a Go integer type holds, for a number
// out of its range.
func rangeWord(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return fmt.Sprintf("an integer from 0 to %d", uint64(1)<<t.Bits()-1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if t.String() == "time.Duration" {
			return "a duration such as 30s"
		}
		lo := int64(-1) << (t.Bits() - 1)
		return fmt.Sprintf("an integer from %d to %d", lo, ^lo)
	}
	return kindWord(t)
}

// kindWord describes what a Go type expects, in the words of a file's reader.
func kindWord(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if t.String() == "time.Duration" {
			return "a duration such as 30s"
		}
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	case reflect.Pointer:
		return kindWord(t.Elem())
	}
	return t.String()
}
