package scenarios

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
)

// library holds the built-in scenarios (library/*.yaml) and service
// configurations (services/*.yaml), embedded in the binary.
//
//go:embed library/*.yaml services/*.yaml
var library embed.FS

// Builtins returns every built-in scenario, sorted by name.
func Builtins() ([]*Scenario, error) {
	entries, err := fs.ReadDir(library, "library")
	if err != nil {
		return nil, err
	}
	var out []*Scenario
	for _, e := range entries {
		sc, err := Builtin(strings.TrimSuffix(e.Name(), ".yaml"))
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// BuiltinNames returns the names of the built-in scenarios, sorted.
func BuiltinNames() []string {
	entries, _ := fs.ReadDir(library, "library")
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// Builtin returns the built-in scenario called name.
func Builtin(name string) (*Scenario, error) {
	data, err := fs.ReadFile(library, path.Join("library", name+".yaml"))
	if err != nil {
		return nil, fmt.Errorf("%w %q: not a built-in (see `breakerlab list`)", ErrUnknownScenario, name)
	}
	return parse("builtin:"+name, data, nil)
}

// Resolve returns the scenario named by arg: a file if one exists at that
// path (or arg ends in .yaml/.yml), else a built-in scenario.
func Resolve(arg string) (*Scenario, error) {
	if strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml") || strings.ContainsRune(arg, os.PathSeparator) {
		return Load(arg)
	}
	if _, err := os.Stat(arg); err == nil {
		return Load(arg)
	}
	sc, err := Builtin(arg)
	if errors.Is(err, ErrUnknownScenario) {
		return nil, fmt.Errorf("%w %q: not a file and not a built-in (see `breakerlab list`)", ErrUnknownScenario, arg)
	}
	return sc, err
}
