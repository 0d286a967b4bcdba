package scenarios

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/goccy/go-yaml"

	"github.com/breakerlab/breakerlab/breaker"
)

// DefaultServices is the built-in service configuration used when a scenario
// names none: the six clients of NFR-6, each with failure threshold 5 and
// recovery timeout 60 s.
const DefaultServices = "nfr6"

// Services is a service configuration file: one breaker configuration per
// named downstream service.
//
//	services:
//	  iam:  {failure_threshold: 5, recovery_timeout: 60s}
//	  eris: {failure_threshold: 5, recovery_timeout: 60s, success_threshold: 2}
type Services struct {
	// Services maps a service name to its breaker configuration.
	Services map[string]BreakerSpec `yaml:"services"`
	// File is where the configuration came from.
	File string `yaml:"-"`
}

// LoadServices reads and validates the service configuration file at path.
func LoadServices(path string) (*Services, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseServices(path, data)
}

// ParseServices decodes and validates a service configuration; name is used in errors.
func ParseServices(name string, data []byte) (*Services, error) {
	d, err := parseDoc(name, data)
	if err != nil {
		return nil, err
	}
	var s Services
	if err := yaml.UnmarshalWithOptions(data, &s, yaml.Strict()); err != nil {
		return nil, d.decodeError(err)
	}
	s.File = name
	var errs []*FileError
	if len(s.Services) == 0 {
		errs = append(errs, d.at("$.services", "want at least one service"))
	}
	for _, n := range s.Names() {
		p := "$.services." + n
		if !validName(n) {
			errs = append(errs, d.at(p, fmt.Sprintf("service name %q: want lowercase letters, digits and '-'", n)))
		}
		errs = append(errs, checkBreakerSpec(d, p, s.Services[n])...)
	}
	if len(errs) > 0 {
		return nil, joinFileErrors(errs)
	}
	return &s, nil
}

// BuiltinServices returns the embedded service configuration called name.
func BuiltinServices(name string) (*Services, error) {
	data, err := fs.ReadFile(library, "services/"+name+".yaml")
	if err != nil {
		return nil, fmt.Errorf("%w: no built-in service configuration %q", ErrUnknownScenario, name)
	}
	return ParseServices("builtin:services/"+name, data)
}

// Names returns the service names, sorted.
func (s *Services) Names() []string {
	names := make([]string, 0, len(s.Services))
	for n := range s.Services {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Config returns the breaker configuration of service name, with the NFR-6
// defaults filled in for zero fields.
func (s *Services) Config(name string) (breaker.Config, bool) {
	spec, ok := s.Services[name]
	if !ok {
		return breaker.Config{}, false
	}
	return spec.withDefaults().Config(name), true
}

// Registry returns a registry holding one breaker per service. configure,
// if not nil, may set hooks (OnStateChange, Now, Logger) on each
// configuration before its breaker is created.
func (s *Services) Registry(configure func(*breaker.Config)) (*breaker.Registry, error) {
	reg := breaker.NewRegistry()
	for _, n := range s.Names() {
		cfg, _ := s.Config(n)
		if configure != nil {
			configure(&cfg)
		}
		if _, err := reg.Add(cfg); err != nil {
			return nil, fmt.Errorf("%s: service %s: %w", s.File, n, err)
		}
	}
	return reg, nil
}

// resolveServices loads the scenario's service configuration: a built-in
// name, or a file in dir ("" for built-in scenarios). Messages name the file
// as resolved, folder included.
func (sc *Scenario) resolveServices(d *doc, dir string) error {
	name := sc.Services
	if name == "" {
		name = DefaultServices
	}
	if s, err := BuiltinServices(name); err == nil {
		sc.services = s
		return nil
	} else if !errors.Is(err, ErrUnknownScenario) {
		return err
	}
	if dir == "" {
		return d.at("$.services", fmt.Sprintf("unknown service configuration %q, want a built-in name (%s)", name, DefaultServices))
	}
	path := filepath.Join(dir, name)
	if filepath.IsAbs(name) {
		path = name
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return d.at("$.services", fmt.Sprintf("service configuration %s: no such file (a path is relative to the scenario's folder; built-in: %s)", path, DefaultServices))
	}
	if err != nil {
		return d.at("$.services", fmt.Sprintf("cannot read service configuration %s: %v", path, err))
	}
	s, err := ParseServices(path, data)
	if err != nil {
		return err
	}
	sc.services = s
	return nil
}

// ServiceConfig returns the scenario's resolved service configuration.
func (sc *Scenario) ServiceConfig() *Services { return sc.services }

// checkBreakerSpec reports negative fields of spec at path.
func checkBreakerSpec(d *doc, path string, spec BreakerSpec) []*FileError {
	var errs []*FileError
	for _, f := range []struct {
		key string
		v   int64
	}{
		{"failure_threshold", int64(spec.FailureThreshold)},
		{"success_threshold", int64(spec.SuccessThreshold)},
		{"recovery_timeout", int64(spec.RecoveryTimeout)},
		{"half_open_max_calls", int64(spec.HalfOpenMaxCalls)},
	} {
		if f.v < 0 {
			errs = append(errs, d.at(path+"."+f.key, "want >= 0 (0 means the NFR-6 default)"))
		}
	}
	return errs
}

// validName reports whether s is lowercase letters, digits and '-', starting
// with a letter or digit.
func validName(s string) bool {
	if s == "" || s[0] == '-' {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}
