// Package jsonl holds the primitives that the fakes' request log and a
// run's record files share: a [Writer] that appends records (JSON lines, or
// any encoded record) through a buffer; [FlushEvery], which flushes it at
// least every [DefaultFlushInterval], so a killed process loses at most
// that much; and [AppendString], which encodes a JSON string as
// encoding/json does.
//
//	w := jsonl.NewWriter(file, 0)
//	stop := jsonl.FlushEvery(jsonl.DefaultFlushInterval, func() { _ = w.Flush() })
//	err := w.Append(func(b []byte) []byte {
//		b = append(b, `{"name":`...)
//		b = jsonl.AppendString(b, name)
//		return append(b, "}\n"...)
//	})
//	stop()
//	err = w.Close() // flushes; the caller closes file
package jsonl
