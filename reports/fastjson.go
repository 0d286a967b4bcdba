package reports

import (
	"encoding/json"
	"unicode/utf8"
)

// A fast path for the two big logs, calls.jsonl and dependency.jsonl, which
// hold one flat object per line and are most of a run's bytes. It decodes
// the fields reports use without reflection or allocation; anything it does
// not expect (an escape in a field it keeps, a nested value, a fraction in
// an integer, null) makes it give up, and the line goes to encoding/json,
// which decides. So the fast path changes speed, never results.

// flatScanner walks one JSON object of scalar values.
type flatScanner struct {
	b []byte
	i int
}

func (s *flatScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

// next reports whether the scanner is at byte c (after whitespace) and
// consumes it.
func (s *flatScanner) next(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str reads a string and returns its raw bytes and whether they contain an
// escape.
func (s *flatScanner) str() (raw []byte, escaped, ok bool) {
	if !s.next('"') {
		return nil, false, false
	}
	start := s.i
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			raw = s.b[start:s.i]
			s.i++
			return raw, escaped, true
		case c == '\\':
			escaped = true
			if !s.escape() {
				return nil, false, false
			}
		case c < 0x20:
			return nil, false, false
		default:
			s.i++
		}
	}
	return nil, false, false
}

// escape consumes a backslash escape, reporting whether it is valid JSON.
func (s *flatScanner) escape() bool {
	if s.i+1 >= len(s.b) {
		return false
	}
	switch s.b[s.i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.i += 2
		return true
	case 'u':
		if s.i+6 > len(s.b) {
			return false
		}
		for _, h := range s.b[s.i+2 : s.i+6] {
			if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
				return false
			}
		}
		s.i += 6
		return true
	}
	return false
}

// int reads an integer without fraction or exponent.
func (s *flatScanner) int() (int64, bool) {
	s.ws()
	neg := s.i < len(s.b) && s.b[s.i] == '-'
	if neg {
		s.i++
	}
	start := s.i
	var v int64
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		if v > (1<<63-1)/10-9 {
			return 0, false // let encoding/json report the overflow
		}
		v = v*10 + int64(s.b[s.i]-'0')
		s.i++
	}
	if s.i == start || (s.b[start] == '0' && s.i-start > 1) {
		return 0, false
	}
	if s.i < len(s.b) && (s.b[s.i] == '.' || s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// bool reads true or false.
func (s *flatScanner) bool() (v, ok bool) {
	s.ws()
	switch {
	case len(s.b)-s.i >= 4 && string(s.b[s.i:s.i+4]) == "true":
		s.i += 4
		return true, true
	case len(s.b)-s.i >= 5 && string(s.b[s.i:s.i+5]) == "false":
		s.i += 5
		return false, true
	}
	return false, false
}

// skip reads and discards a scalar value of any type.
func (s *flatScanner) skip() bool {
	s.ws()
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		_, _, ok := s.str()
		return ok
	case c == 't' || c == 'f':
		_, ok := s.bool()
		return ok
	case c == '-' || (c >= '0' && c <= '9'):
		start := s.i
		for s.i < len(s.b) && (s.b[s.i] == '-' || s.b[s.i] == '+' || s.b[s.i] == '.' ||
			s.b[s.i] == 'e' || s.b[s.i] == 'E' || (s.b[s.i] >= '0' && s.b[s.i] <= '9')) {
			s.i++
		}
		return json.Valid(s.b[start:s.i])
	}
	return false
}

// object calls field for every key of a flat object, which reads the value.
// It reports false if the line is not a flat object that field accepted.
func (s *flatScanner) object(field func(key []byte) bool) bool {
	if !s.next('{') {
		return false
	}
	if s.next('}') {
		return s.end()
	}
	for {
		key, esc, ok := s.str()
		if !ok || esc || !s.next(':') || !field(key) {
			return false
		}
		if s.next(',') {
			continue
		}
		if s.next('}') {
			return s.end()
		}
		return false
	}
}

func (s *flatScanner) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// interner returns one shared string per distinct name: dependency names
// and outcomes repeat on every line.
type interner map[string]string

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok { // no allocation for the lookup
		return s
	}
	s := string(b)
	in[s] = s
	return s
}

// keep reads a string value that reports keeps, refusing escapes.
func (s *flatScanner) keep(in interner, dst *string) bool {
	raw, esc, ok := s.str()
	if !ok || esc || !utf8.Valid(raw) {
		return false
	}
	*dst = in.get(raw)
	return true
}

// fastCall decodes a calls.jsonl line into c, leaving out err (reports do
// not use the error text). It reports false when encoding/json must decide.
func fastCall(line []byte, c *Call, in interner) bool {
	s := flatScanner{b: line}
	var ok bool
	return s.object(func(key []byte) bool {
		switch string(key) {
		case "seq":
			c.Seq, ok = s.int()
		case "dep":
			ok = s.keep(in, &c.Dep)
		case "start_ns":
			c.StartNs, ok = s.int()
		case "end_ns":
			c.EndNs, ok = s.int()
		case "outcome":
			ok = s.keep(in, &c.Outcome)
		case "fallback":
			c.Fallback, ok = s.bool()
		case "gen":
			var g int64
			g, ok = s.int()
			ok = ok && g >= 0
			c.Gen = uint64(g)
		case "reject":
			ok = s.keep(in, &c.Reject)
		default:
			ok = s.skip()
		}
		return ok
	})
}

// fastDepRequest decodes a dependency.jsonl line into r, leaving out err.
func fastDepRequest(line []byte, r *DepRequest, in interner) bool {
	s := flatScanner{b: line}
	var ok bool
	return s.object(func(key []byte) bool {
		switch string(key) {
		case "dep":
			ok = s.keep(in, &r.Dep)
		case "seq":
			r.Seq, ok = s.int()
		case "at_ns":
			r.AtNs, ok = s.int()
		case "fault":
			ok = s.keep(in, &r.Fault)
		case "latency_ns":
			r.LatencyNs, ok = s.int()
		case "status":
			var v int64
			v, ok = s.int()
			r.Status = int(v)
		default:
			ok = s.skip()
		}
		return ok
	})
}
