package record

import (
	"errors"
	"fmt"
)

// decoder is a small, allocation-light JSON reader for the flat objects of the
// JSON lines. It reads one line at a time; strings that repeat (dependency
// names, error texts, reasons) are interned so 600 000 calls don't make
// 600 000 copies of "injected error". Unknown keys are skipped, so additive
// fields from newer writers are tolerated.
type decoder struct {
	b       []byte
	i       int
	intern  map[string]string
	scratch []byte
	valid   []byte // scratch for strings with invalid UTF-8
}

// maxInterned bounds the intern table so unique error texts can't grow it
// without limit; past it, strings are allocated as usual.
const maxInterned = 4096

// maxDepth bounds nesting when skipping unknown values.
const maxDepth = 64

func (d *decoder) reset(b []byte) {
	d.b = b
	d.i = 0
}

func (d *decoder) errorf(format string, args ...any) error {
	return fmt.Errorf("column %d: %s", d.i+1, fmt.Sprintf(format, args...))
}

func (d *decoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\r', '\n':
			d.i++
		default:
			return
		}
	}
}

// end requires that nothing but whitespace is left.
func (d *decoder) end() error {
	d.ws()
	if d.i != len(d.b) {
		return d.errorf("unexpected %q after the object", d.b[d.i])
	}
	return nil
}

func (d *decoder) expect(c byte) error {
	d.ws()
	if d.i >= len(d.b) {
		return d.errorf("unexpected end of line, want %q", c)
	}
	if d.b[d.i] != c {
		return d.errorf("unexpected %q, want %q", d.b[d.i], c)
	}
	d.i++
	return nil
}

func (d *decoder) openObject() error { return d.expect('{') }

// more reports whether another member follows in the current object,
// consuming the separating ',' or the closing '}'.
func (d *decoder) more(first bool) (bool, error) {
	d.ws()
	if d.i >= len(d.b) {
		return false, d.errorf("unexpected end of line inside an object")
	}
	switch c := d.b[d.i]; {
	case c == '}':
		d.i++
		return false, nil
	case first:
		return true, nil
	case c == ',':
		d.i++
		return true, nil
	default:
		return false, d.errorf("unexpected %q, want ',' or '}'", c)
	}
}

// key reads a member name and its ':'. The bytes are valid until the next read.
func (d *decoder) key() ([]byte, error) {
	k, err := d.str()
	if err != nil {
		return nil, err
	}
	if err := d.expect(':'); err != nil {
		return nil, err
	}
	return k, nil
}

// plainASCII marks the bytes a string holds as they are, needing neither
// unescaping nor a UTF-8 check: 0x20 to 0x7f but '"' and '\\'.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// str reads a string; the bytes alias the line or the scratch buffer and are
// valid until the next read.
func (d *decoder) str() ([]byte, error) {
	if err := d.expect('"'); err != nil {
		return nil, err
	}
	start := d.i
	ascii := true // no byte to check as UTF-8 so far
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case plainASCII[c]:
		case c == '"':
			s := d.b[start:d.i]
			d.i++
			if ascii {
				return s, nil
			}
			return d.validUTF8(s), nil
		case c == '\\':
			return d.strSlow(start)
		case c < 0x20:
			return nil, d.errorf("control character %#x in a string", c)
		default:
			ascii = false
		}
		d.i++
	}
	return nil, d.errorf("unterminated string")
}

// string reads a string value, interned when the table has room.
func (d *decoder) string() (string, error) {
	b, err := d.str()
	if err != nil {
		return "", err
	}
	if len(b) == 0 {
		return "", nil
	}
	if s, ok := d.intern[string(b)]; ok {
		return s, nil
	}
	s := string(b)
	if d.intern == nil {
		d.intern = make(map[string]string)
	}
	if len(d.intern) < maxInterned {
		d.intern[s] = s
	}
	return s, nil
}

var errNotInteger = errors.New("want an integer")

// digits reads an unsigned decimal integer.
func (d *decoder) digits() (uint64, error) {
	start := d.i
	var n uint64
	for d.i < len(d.b) {
		c := d.b[d.i]
		if c < '0' || c > '9' {
			break
		}
		// 19 digits always fit in 64 bits; only a 20th can overflow.
		if d.i-start >= 19 && n > (1<<64-1-uint64(c-'0'))/10 {
			return 0, d.errorf("integer overflows 64 bits")
		}
		n = n*10 + uint64(c-'0')
		d.i++
	}
	if d.i == start {
		return 0, d.errorf("%v", errNotInteger)
	}
	if d.i < len(d.b) {
		switch d.b[d.i] {
		case '.', 'e', 'E':
			return 0, d.errorf("%v, got a fraction or exponent", errNotInteger)
		}
	}
	return n, nil
}

func (d *decoder) uint() (uint64, error) {
	d.ws()
	return d.digits()
}

func (d *decoder) int() (int64, error) {
	d.ws()
	neg := d.i < len(d.b) && d.b[d.i] == '-'
	if neg {
		d.i++
	}
	n, err := d.digits()
	if err != nil {
		return 0, err
	}
	if neg {
		if n > 1<<63 {
			return 0, d.errorf("integer overflows 64 bits")
		}
		return -int64(n), nil
	}
	if n > 1<<63-1 {
		return 0, d.errorf("integer overflows 64 bits")
	}
	return int64(n), nil
}

func (d *decoder) smallInt() (int, error) {
	n, err := d.int()
	if err != nil {
		return 0, err
	}
	if n < -1<<31 || n > 1<<31-1 {
		return 0, d.errorf("integer %d out of range", n)
	}
	return int(n), nil
}

func (d *decoder) literal(lit string) bool {
	if len(d.b)-d.i >= len(lit) && string(d.b[d.i:d.i+len(lit)]) == lit {
		d.i += len(lit)
		return true
	}
	return false
}

func (d *decoder) boolean() (bool, error) {
	d.ws()
	switch {
	case d.literal("true"):
		return true, nil
	case d.literal("false"):
		return false, nil
	}
	return false, d.errorf("want true or false")
}

// skip reads and discards any value (an unknown key's).
func (d *decoder) skip(depth int) error {
	if depth > maxDepth {
		return d.errorf("nested too deeply")
	}
	d.ws()
	if d.i >= len(d.b) {
		return d.errorf("unexpected end of line, want a value")
	}
	switch c := d.b[d.i]; {
	case c == '"':
		_, err := d.str()
		return err
	case c == '{':
		d.i++
		for first := true; ; first = false {
			ok, err := d.more(first)
			if err != nil || !ok {
				return err
			}
			if _, err := d.key(); err != nil {
				return err
			}
			if err := d.skip(depth + 1); err != nil {
				return err
			}
		}
	case c == '[':
		d.i++
		for first := true; ; first = false {
			d.ws()
			if d.i < len(d.b) && d.b[d.i] == ']' {
				d.i++
				return nil
			}
			if !first {
				if err := d.expect(','); err != nil {
					return err
				}
			}
			if err := d.skip(depth + 1); err != nil {
				return err
			}
		}
	case c == '-' || (c >= '0' && c <= '9'):
		d.i++
		for d.i < len(d.b) && isNumberByte(d.b[d.i]) {
			d.i++
		}
		return nil
	case d.literal("true"), d.literal("false"), d.literal("null"):
		return nil
	default:
		return d.errorf("unexpected %q, want a value", c)
	}
}

// fieldSet tracks which required keys a line had.
type fieldSet uint32

func (f fieldSet) missing(names []string) error {
	for i, n := range names {
		if f&(1<<i) == 0 {
			return fmt.Errorf("missing key %q", n)
		}
	}
	return nil
}

func isNumberByte(c byte) bool {
	return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'
}

func keyError(k []byte, err error) error {
	return fmt.Errorf("key %q: %w", k, err)
}
