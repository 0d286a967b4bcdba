package record

import (
	"strconv"

	"github.com/breakerlab/breakerlab/internal/jsonl"
)

// The hot path (600 000 calls in a sim run) encodes JSON lines by hand with
// strconv.Append* into a reused buffer: encoding/json would cost reflection
// and allocations per line. Output is deterministic: fixed key order.

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
	return jsonl.AppendString(b, s)
}

func appendKeyBool(b []byte, key string, v bool) []byte {
	b = append(b, key...)
	return strconv.AppendBool(b, v)
}
