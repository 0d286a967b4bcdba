package fakes

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// durationKeys are the JSON keys of time.Duration fields in fault specs.
// The control API accepts them as strings ("20ms") or integer nanoseconds,
// and writes them as strings, so what it prints can be sent back.
var durationKeys = map[string]bool{
	"p50": true, "p99": true, "min": true, "max": true, "mean": true, "std_dev": true,
	"jitter": true, "after": true, "at": true, "until": true, "period": true,
	"ramp_up": true, "hold": true, "ramp_down": true, "elapsed": true,
}

// decodeJSON decodes one JSON value from data into v: unknown keys are
// errors, durations may be strings. Errors name the key.
func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return fmt.Errorf("malformed JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("malformed JSON: more than one value in the body")
	}
	tree, err := parseDurations(tree, "")
	if err != nil {
		return err
	}
	b, err := json.Marshal(tree)
	if err != nil {
		return fmt.Errorf("malformed JSON: %w", err)
	}
	strict := json.NewDecoder(bytes.NewReader(b))
	strict.DisallowUnknownFields()
	if err := strict.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("%s: cannot use a JSON %s here (want %s)", te.Field, te.Value, te.Type)
		}
		return err
	}
	return nil
}

// parseDurations replaces duration strings under durationKeys with their
// nanoseconds.
func parseDurations(v any, path string) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			p := joinField(path, k)
			if s, ok := x.(string); ok && durationKeys[k] {
				d, err := time.ParseDuration(s)
				if err != nil {
					return nil, fmt.Errorf("%s: bad duration %q (want e.g. \"20ms\", \"1.5s\", or integer nanoseconds)", p, s)
				}
				t[k] = json.Number(strconv.FormatInt(int64(d), 10))
				continue
			}
			y, err := parseDurations(x, p)
			if err != nil {
				return nil, err
			}
			t[k] = y
		}
	case []any:
		for i, x := range t {
			y, err := parseDurations(x, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			t[i] = y
		}
	}
	return v, nil
}

// encodeJSON encodes v indented, with durations under durationKeys written
// as strings.
func encodeJSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	formatDurations(tree)
	return marshalIndent(tree)
}

// marshalIndent encodes v indented, ending in a newline, without escaping
// &, < and > (the answers are JSON for people and programs, not HTML).
func marshalIndent(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	err := enc.Encode(v)
	return buf.Bytes(), err
}

func formatDurations(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if n, ok := x.(json.Number); ok && durationKeys[k] {
				if ns, err := n.Int64(); err == nil {
					t[k] = time.Duration(ns).String()
				}
				continue
			}
			formatDurations(x)
		}
	case []any:
		for _, x := range t {
			formatDurations(x)
		}
	}
}
