// Package jsonl holds the two primitives that the fakes' request log and a
// run's record files share: a [Writer] that appends records (JSON lines, or
// any encoded record) through a buffer flushed at least every
// [DefaultFlushInterval], so a killed process loses at most that much; and
// [AppendString], which encodes a JSON string as encoding/json does.
//
//	w := jsonl.NewWriter(file, jsonl.DefaultFlushInterval, 0)
//	err := w.Append(func(b []byte) []byte {
//		b = append(b, `{"name":`...)
//		b = jsonl.AppendString(b, name)
//		return append(b, "}\n"...)
//	})
//	err = w.Close() // flushes; the caller closes file
package jsonl
