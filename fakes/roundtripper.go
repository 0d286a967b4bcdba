package fakes

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"syscall"
)

// NewRoundTripper returns an http.RoundTripper that serves each request by
// calling h directly, without sockets or goroutines, so it works inside a
// testing/synctest bubble. Faults surface as a real transport's errors
// would: reset and down as errors matching [ErrReset] / [ErrDown] and
// syscall.ECONNRESET / ECONNREFUSED, a timeout as one matching [ErrTimeout]
// and io.ErrUnexpectedEOF, a truncated body as a body whose Read ends in
// io.ErrUnexpectedEOF, a hang as the request context's error. The response
// is complete when RoundTrip returns (a slow body has been waited for).
func NewRoundTripper(h http.Handler) http.RoundTripper { return roundTripper{h} }

type roundTripper struct{ h http.Handler }

var _ http.RoundTripper = roundTripper{}

// RoundTrip serves req with the handler.
func (rt roundTripper) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sreq := req.Clone(ctx)
	if sreq.Body == nil {
		sreq.Body = http.NoBody
	}
	sreq.RequestURI = req.URL.RequestURI()
	sreq.RemoteAddr = "127.0.0.1:0"
	if sreq.Host == "" {
		sreq.Host = req.URL.Host
	}
	w := &rtWriter{header: make(http.Header)}
	defer func() {
		if p := recover(); p != nil {
			resp, err = nil, fmt.Errorf("fakes: handler panicked: %v: %w", p, io.ErrUnexpectedEOF)
		}
	}()
	rt.h.ServeHTTP(w, sreq)
	return w.response(req)
}

// rtWriter is the response writer of one in-process round trip.
type rtWriter struct {
	header  http.Header
	status  int
	wrote   bool
	body    bytes.Buffer
	aborted Kind // 0 (none) unless the handler aborted
}

func (w *rtWriter) Header() http.Header { return w.header }

func (w *rtWriter) WriteHeader(status int) {
	if w.wrote {
		return
	}
	w.wrote, w.status = true, status
}

func (w *rtWriter) Write(b []byte) (int, error) {
	if w.aborted != KindNone {
		return 0, errors.New("fakes: write after abort")
	}
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

// Flush does nothing: the response is handed over when the handler returns.
func (w *rtWriter) Flush() {}

func (w *rtWriter) abortFake(k Kind) { w.aborted = k }

func (w *rtWriter) response(req *http.Request) (*http.Response, error) {
	switch w.aborted {
	case KindReset:
		return nil, fmt.Errorf("%w (%w)", ErrReset, syscall.ECONNRESET)
	case KindDown:
		return nil, fmt.Errorf("%w (%w)", ErrDown, syscall.ECONNREFUSED)
	case KindTimeout:
		return nil, fmt.Errorf("%w: connection closed without an answer (%w)", ErrTimeout, io.ErrUnexpectedEOF)
	case KindHang:
		return nil, fmt.Errorf("%w: %w", ErrHang, req.Context().Err())
	case kindGone:
		return nil, req.Context().Err()
	case KindNone:
		if !w.wrote {
			if err := req.Context().Err(); err != nil {
				return nil, err // a hang, or the client gave up during the latency
			}
			w.WriteHeader(http.StatusOK)
		}
	}
	resp := &http.Response{
		Status:     strconv.Itoa(w.status) + " " + http.StatusText(w.status),
		StatusCode: w.status,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     w.header,
		Request:    req,
	}
	resp.ContentLength = int64(w.body.Len())
	if cl, err := strconv.ParseInt(w.header.Get("Content-Length"), 10, 64); err == nil {
		resp.ContentLength = cl
	}
	var body io.Reader = bytes.NewReader(w.body.Bytes())
	if w.aborted == KindTruncate || resp.ContentLength > int64(w.body.Len()) {
		body = io.MultiReader(body, errReader{fmt.Errorf("%w (%w)", ErrTruncated, io.ErrUnexpectedEOF)})
	}
	resp.Body = io.NopCloser(body)
	if req.Method == http.MethodHead {
		resp.Body = http.NoBody
	}
	return resp, nil
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
