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
	return parse("builtin:"+name, data, "")
}

// Resolve returns the scenario named by arg: the file at that path when arg
// looks like a path (it ends in .yaml or .yml, or holds a path separator)
// or a file by that name exists, else the built-in scenario of that name. A
// directory is never a scenario: a bare name that is also a directory (the
// run directory 'breakerlab run --out .' leaves, say) is the built-in.
func Resolve(arg string) (*Scenario, error) {
	pathLike := strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml") || strings.ContainsRune(arg, os.PathSeparator)
	st, statErr := os.Stat(arg)
	switch {
	case statErr == nil && st.IsDir():
		if !pathLike {
			if sc, err := Builtin(arg); !errors.Is(err, ErrUnknownScenario) {
				return sc, err
			}
		}
		return nil, fmt.Errorf("%w %q: a directory, not a scenario file (want a .yaml file or a built-in name; see `breakerlab list`)", ErrUnknownScenario, arg)
	case statErr == nil || pathLike:
		return Load(arg)
	}
	sc, err := Builtin(arg)
	if errors.Is(err, ErrUnknownScenario) {
		return nil, fmt.Errorf("%w %q: not a file and not a built-in (see `breakerlab list`)", ErrUnknownScenario, arg)
	}
	return sc, err
}
