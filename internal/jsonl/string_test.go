package jsonl_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/internal/jsonl"
)

func TestAppendStringEscapes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain ascii ~", `"plain ascii ~"`},
		{`quote" back\`, `"quote\" back\\"`},
		{"nl\n cr\r tab\t ctl\x01 del\x7f", `"nl\n cr\r tab\t ctl\u0001 del` + "\x7f" + `"`},
		{"é 😀 \u2028\u2029", `"é 😀 \u2028\u2029"`},
		{"bad\xff end\xc3", `"bad\ufffd end\ufffd"`},
		{"\xff\xfe", `"\ufffd\ufffd"`}, // one U+FFFD per invalid byte, as encoding/json
		{"<&>", `"<&>"`},               // no HTML escaping
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, string(jsonl.AppendString(nil, tt.in)), "%q", tt.in)
	}
}

// Whatever the bytes, the literal is valid JSON that decodes to what
// encoding/json would encode.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\xff", "é\u2028", "\x00\x1f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lit := jsonl.AppendString([]byte("x"), s)[1:]
		var got string
		require.NoError(t, json.Unmarshal(lit, &got), "%q → %s", s, lit)
		assert.Equal(t, strings.ToValidUTF8(s, "\ufffd") == s, got == s)
		want, err := json.Marshal(s)
		require.NoError(t, err)
		var wantS string
		require.NoError(t, json.Unmarshal(want, &wantS))
		assert.Equal(t, wantS, got)
	})
}

func BenchmarkAppendString(b *testing.B) {
	s := `breaker: circuit open (breaker "iam", generation 2): next probe at 2026-01-01T00:02:00.019181298Z`
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		buf = jsonl.AppendString(buf[:0], s)
	}
}
