package fakes

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/breakerlab/breakerlab/internal/jsonl"
)

// Request headers that carry a request's sequence number. X-Breakerlab-Seq
// wins when both are sent; vegeta sends X-Vegeta-Seq on every request.
const (
	HeaderSeq       = "X-Breakerlab-Seq"
	HeaderVegetaSeq = "X-Vegeta-Seq"
	// HeaderAttack and HeaderVegetaAttack name the load generator whose
	// count the sequence number is (vegeta sends X-Vegeta-Attack, its
	// -name, when given one): several attackers each count from 0, and
	// the name tells their requests apart. X-Breakerlab-Attack wins when
	// both are sent; either is recorded only with a sequence number.
	HeaderAttack       = "X-Breakerlab-Attack"
	HeaderVegetaAttack = "X-Vegeta-Attack"
	// HeaderFault is set on every answer to the fault's [Kind] name.
	HeaderFault = "X-Breakerlab-Fault"
)

// defaultBodySize is the size of a body when BodyBytes is zero: a short JSON
// object padded with spaces, e.g. {"fake":"iam","seq":17,"fault":"none"}.
const defaultBodySize = 64

// Header values built once, so answering does not allocate for them.
var (
	jsonContentType = []string{"application/json"}
	faultHeaders    = func() (h [numKinds][]string) {
		for k := range h {
			h[k] = []string{kindNames[k]}
		}
		return h
	}()
	spaces  = []byte(spacesString(4096))
	bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}
)

func spacesString(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = ' '
	}
	return string(b)
}

// Handler returns the fake as an http.Handler (the fake itself).
func (f *Fake) Handler() http.Handler { return f }

// ServeHTTP serves one request over HTTP: any method and path. The sequence
// number comes from the X-Breakerlab-Seq or X-Vegeta-Seq header, else the
// fake's arrival count. An answer is a JSON body of BodyBytes (default 64)
// with the X-Breakerlab-Fault header. Reset and down close the connection
// with a TCP RST, timeout closes it after the wait, truncate closes it
// half-way through the body; a hang waits for the client (or the server)
// to give up.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	seq, ok := requestSeq(r.Header)
	if !ok {
		seq = f.nextSeq.Add(1) - 1
	}
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	d := f.decide(seq, n)
	d.seqSent = ok
	if ok {
		d.attack = requestAttack(r.Header)
	}
	ctx := r.Context()
	// Logged once served: how long it really took, and whether the client
	// hung up first (not the server closing under it).
	defer func() {
		hungUp := ctx.Err() != nil && !errors.Is(context.Cause(ctx), errServerClosing)
		f.log(&d, f.now().Sub(d.At), hungUp)
	}()
	switch d.Kind {
	case KindHang:
		<-ctx.Done() // the client gave up, or the server is closing
		abortConn(w, d.Kind)
		return
	case KindReset, KindDown:
		abortConn(w, d.Kind)
		return
	case KindTimeout:
		if sleep(ctx, d.Latency) != nil {
			abortConn(w, kindGone)
			return
		}
		abortConn(w, d.Kind)
		return
	case KindOverload:
		f.answer(w, &d)
		return
	}
	size := bodySize(d.bodyBytes)
	delay := d.Latency
	if d.Kind == KindSlowBody {
		delay -= transferTime(size, d.bps)
	}
	if sleep(ctx, delay) != nil {
		abortConn(w, kindGone) // no answer: net/http would send an empty 200
		return
	}
	switch d.Kind {
	case KindSlowBody:
		f.answerSlowly(w, r, &d, size)
	case KindTruncate:
		h := w.Header()
		h["Content-Type"] = jsonContentType
		h[HeaderFault] = faultHeaders[d.Kind]
		h.Set("Content-Length", strconv.Itoa(size))
		w.WriteHeader(d.Status)
		b := bufPool.Get().(*[]byte)
		*b = f.bodyPrefix((*b)[:0], &d)
		writeBody(w, *b, size/2)
		bufPool.Put(b)
		abortConn(w, d.Kind)
	default:
		f.answer(w, &d)
	}
}

// MaxAttackLen bounds a recorded attacker name: [AttackName] cuts a
// longer one.
const MaxAttackLen = 256

// AttackName is attacker name as a fake records it: cut to MaxAttackLen
// bytes, and valid UTF-8.
func AttackName(name string) string {
	if len(name) > MaxAttackLen {
		name = name[:MaxAttackLen]
	}
	return strings.ToValidUTF8(name, "")
}

// requestAttack reads the attacker name headers: "" when neither is sent.
func requestAttack(h http.Header) string {
	for _, key := range [...]string{HeaderAttack, HeaderVegetaAttack} {
		if v := h[key]; len(v) > 0 && v[0] != "" {
			return AttackName(v[0])
		}
	}
	return ""
}

// requestSeq reads the sequence number headers.
func requestSeq(h http.Header) (int64, bool) {
	for _, key := range [...]string{HeaderSeq, HeaderVegetaSeq} {
		if v := h[key]; len(v) > 0 {
			if n, err := strconv.ParseInt(v[0], 10, 64); err == nil && n >= 0 {
				return n, true
			}
		}
	}
	return 0, false
}

// answer writes d's status and a body of the configured size.
func (f *Fake) answer(w http.ResponseWriter, d *Decision) {
	size := bodySize(d.bodyBytes)
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h[HeaderFault] = faultHeaders[d.Kind]
	if size > defaultBodySize {
		h.Set("Content-Length", strconv.Itoa(size))
	}
	w.WriteHeader(d.Status)
	b := bufPool.Get().(*[]byte)
	*b = f.bodyPrefix((*b)[:0], d)
	writeBody(w, *b, size)
	bufPool.Put(b)
}

// answerSlowly writes the body in pieces at d.bps bytes per second.
func (f *Fake) answerSlowly(w http.ResponseWriter, r *http.Request, d *Decision, size int) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h[HeaderFault] = faultHeaders[d.Kind]
	h.Set("Content-Length", strconv.Itoa(size))
	w.WriteHeader(d.Status)
	body := writeBody(nil, f.bodyPrefix(nil, d), size)
	chunk := int(max(d.bps/20, 1)) // about 20 writes a second
	rc := http.NewResponseController(w)
	for off := 0; off < len(body); off += chunk {
		end := min(off+chunk, len(body))
		// Wait out this chunk's share of the transfer time, counted from
		// the start so rounding does not add up.
		if sleep(r.Context(), transferTime(end, d.bps)-transferTime(off, d.bps)) != nil {
			return
		}
		if _, err := w.Write(body[off:end]); err != nil {
			return
		}
		_ = rc.Flush()
	}
}

// bodyPrefix appends the JSON object a body starts with.
func (f *Fake) bodyPrefix(b []byte, d *Decision) []byte {
	b = append(b, `{"fake":`...)
	b = jsonl.AppendString(b, f.name)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, d.Seq, 10)
	b = append(b, `,"fault":"`...)
	b = append(b, kindNames[d.Kind]...)
	b = append(b, '"')
	if d.Kind == KindError || d.Kind == KindOverload {
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(d.Status), 10)
	}
	return append(b, '}')
}

// writeBody writes exactly n bytes: prefix (cut if longer), spaces, then a
// newline. With w nil it returns the bytes instead.
func writeBody(w io.Writer, prefix []byte, n int) []byte {
	if n <= 0 {
		return nil
	}
	if len(prefix) > n-1 {
		prefix = prefix[:n-1]
	}
	if w == nil {
		out := make([]byte, 0, n)
		out = append(out, prefix...)
		for len(out) < n-1 {
			out = append(out, spaces[:min(len(spaces), n-1-len(out))]...)
		}
		return append(out, '\n')
	}
	if cap(prefix) >= n {
		// Small body: pad in place and write once.
		b := prefix
		for len(b) < n-1 {
			b = append(b, ' ')
		}
		b = append(b, '\n')
		_, _ = w.Write(b)
		return nil
	}
	if _, err := w.Write(prefix); err != nil {
		return nil
	}
	for left := n - 1 - len(prefix); left > 0; {
		k := min(left, len(spaces))
		if _, err := w.Write(spaces[:k]); err != nil {
			return nil
		}
		left -= k
	}
	_, _ = w.Write([]byte{'\n'})
	return nil
}

// kindGone aborts a request whose wait was cut short by its context (the
// client left, or the server is closing): no answer at all.
const kindGone = numKinds

// aborter is implemented by the in-process round tripper's response writer:
// there is no connection to close, so it turns the abort into the error a
// client would see.
type aborter interface{ abortFake(k Kind) }

// abortConn ends the request without (the rest of) an answer: it flushes
// what was written, takes over the connection and closes it, with a TCP
// RST (SO_LINGER 0) for reset and down. Where the connection cannot be
// taken over (HTTP/2), it panics with http.ErrAbortHandler, which net/http
// recovers from by design and answers by closing the stream.
func abortConn(w http.ResponseWriter, k Kind) {
	if a, ok := w.(aborter); ok {
		a.abortFake(k)
		return
	}
	rc := http.NewResponseController(w)
	if k == KindTruncate {
		_ = rc.Flush()
	}
	conn, _, err := rc.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if k == KindReset || k == KindDown {
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
	}
	_ = conn.Close()
}
