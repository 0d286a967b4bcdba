package scenarios

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Load reads, decodes and validates the scenario file at path. Every problem
// is a *[FileError] naming the file, line, column and key; several are joined.
func Load(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parse(path, data, filepath.Dir(path))
}

// Parse decodes and validates a scenario from data; name is used in errors
// (usually the file's path). A `services:` file is looked up relative to the
// working directory.
func Parse(name string, data []byte) (*Scenario, error) {
	return parse(name, data, ".")
}

// parse decodes data strictly and validates it; a `services:` file is looked
// up in dir ("" for a built-in scenario: built-in configurations only).
func parse(name string, data []byte, dir string) (*Scenario, error) {
	d, err := parseDoc(name, data)
	if err != nil {
		return nil, err
	}
	var sc Scenario
	if err := yaml.UnmarshalWithOptions(data, &sc, yaml.Strict()); err != nil {
		return nil, d.decodeError(err)
	}
	sc.File, sc.Source = name, data
	if err := sc.resolveServices(d, dir); err != nil {
		return nil, err
	}
	if errs := sc.validate(d); len(errs) > 0 {
		return nil, joinFileErrors(errs)
	}
	return &sc, nil
}

// parseDoc parses data into an AST for positions; a syntax error is a FileError.
func parseDoc(name string, data []byte) (*doc, error) {
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		d := &doc{name: name, file: &ast.File{}}
		var ye yaml.Error
		if errors.As(err, &ye) {
			return nil, d.tokenError(ye.GetToken(), ye.GetMessage())
		}
		return nil, &FileError{File: name, Msg: err.Error()}
	}
	return &doc{name: name, file: f}, nil
}

// joinFileErrors joins errs in file order.
func joinFileErrors(errs []*FileError) error {
	slices.SortStableFunc(errs, func(a, b *FileError) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return errors.Join(out...)
}

// UnmarshalYAML decodes "all" or a list of invariant ids.
func (inv *Invariants) UnmarshalYAML(node ast.Node) error {
	switch n := node.(type) {
	case *ast.StringNode:
		if strings.EqualFold(n.Value, "all") {
			*inv = slices.Clone(AllInvariants)
			return nil
		}
		return nodeError(node, fmt.Sprintf("got %q, want \"all\" or a list such as [I1, I2]", n.Value))
	case *ast.SequenceNode:
		var out Invariants
		for _, v := range n.Values {
			s, ok := v.(*ast.StringNode)
			if !ok || !slices.Contains(AllInvariants, strings.ToUpper(s.Value)) {
				return nodeError(v, fmt.Sprintf("unknown invariant %s, want one of I1..I11", v.String()))
			}
			if !slices.Contains(out, strings.ToUpper(s.Value)) {
				out = append(out, strings.ToUpper(s.Value))
			}
		}
		*inv = out
		return nil
	case *ast.NullNode:
		return nil
	}
	return nodeError(node, "want \"all\" or a list of invariant ids such as [I1, I2]")
}

// UnmarshalYAML decodes a mode, naming the allowed values on error.
func (m *Mode) UnmarshalYAML(node ast.Node) error {
	switch v := Mode(scalarText(node)); v {
	case ModeSim, ModeLive, ModeStress, ModeExternal:
		*m = v
		return nil
	}
	return nodeError(node, fmt.Sprintf("unknown mode %q, want sim, live, stress or external", scalarText(node)))
}
