package record

import (
	"strconv"
	"unicode/utf8"
)

// The hot path (600 000 calls in a sim run) encodes JSON lines by hand with
// strconv.Append* into a reused buffer: encoding/json would cost reflection
// and allocations per line. Output is deterministic: fixed key order.

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string literal. It escapes what JSON
// requires plus U+2028/U+2029, and replaces invalid UTF-8 with U+FFFD, as
// encoding/json does (without its HTML escaping, which these files don't need).
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendKeyInt appends `,"key":n` (the key literal includes its leading
// punctuation, so callers pass e.g. `,"gen":`).
func appendKeyInt(b []byte, key string, n int64) []byte {
	b = append(b, key...)
	return strconv.AppendInt(b, n, 10)
}

func appendKeyUint(b []byte, key string, n uint64) []byte {
	b = append(b, key...)
	return strconv.AppendUint(b, n, 10)
}

func appendKeyString(b []byte, key, s string) []byte {
	b = append(b, key...)
	return appendString(b, s)
}

func appendKeyBool(b []byte, key string, v bool) []byte {
	b = append(b, key...)
	return strconv.AppendBool(b, v)
}
