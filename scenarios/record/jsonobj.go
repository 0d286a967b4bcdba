package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// The rare records (transitions, snapshots: a few per run) are encoded and
// decoded by encoding/json; BenchmarkDecode shows a hand-written codec
// would save microseconds per run. The common ones (calls, dependency
// requests) have hand-written codecs, where it pays.

// marshalLine encodes v with encoding/json as one line ending in '\n',
// without HTML escaping (the files are read by jq and Go, not browsers).
func marshalLine(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// object is a JSON object's members, decoded one key at a time so that an
// error names its key and a missing required key is an error.
type object map[string]json.RawMessage

func parseObject(b []byte) (object, error) {
	if i := len(b) - len(bytes.TrimLeft(b, " \t\r\n")); i < len(b) && b[i] != '{' {
		return nil, fmt.Errorf("column %d: unexpected %q, want '{'", i+1, b[i])
	}
	var o object
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, errors.New(describeJSONError(err))
	}
	return o, nil
}

// get decodes member key into v. A missing key is an error when required,
// and leaves v alone otherwise.
func (o object) get(key string, v any, required bool) error {
	raw, ok := o[key]
	if !ok {
		if required {
			return fmt.Errorf("missing key %q", key)
		}
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("key %q: %s", key, describeJSONError(err))
	}
	return nil
}

// describeJSONError words an encoding/json error like the hand-written
// decoders word theirs.
func describeJSONError(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("column %d: %v", se.Offset, err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		msg := fmt.Sprintf("want %s, got %s", te.Type, te.Value)
		if te.Field != "" {
			return fmt.Sprintf("key %q: %s", te.Field, msg)
		}
		return msg
	}
	return strings.TrimPrefix(strings.TrimPrefix(err.Error(), "record: "), "json: ")
}
