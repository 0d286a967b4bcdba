package fakes

import (
	"errors"
	"fmt"
	"strconv"
)

// Sentinel errors. Every error a fake injects in-process is an [*Error] that
// matches [ErrInjected] and the sentinel of its kind with errors.Is.
var (
	// ErrInjected matches every fault a fake injected (any kind).
	ErrInjected = errors.New("fakes: injected fault")
	// ErrHang matches a hang: the call blocked until its context was done.
	ErrHang = errors.New("fakes: hang")
	// ErrTimeout matches a timeout: the fake gave up without an answer.
	ErrTimeout = errors.New("fakes: timeout")
	// ErrReset matches a connection reset.
	ErrReset = errors.New("fakes: connection reset")
	// ErrDown matches a refused connection: the dependency is down.
	ErrDown = errors.New("fakes: dependency down")
	// ErrTruncated matches a response body cut short.
	ErrTruncated = errors.New("fakes: truncated body")
	// ErrOverload matches a request refused because too many were in flight.
	ErrOverload = errors.New("fakes: overloaded")
	// ErrUnknownPreset is returned by [Preset] for a name it does not know.
	ErrUnknownPreset = errors.New("fakes: unknown preset")
	// ErrNotLoopback is returned by [NewServer] for an address off loopback.
	ErrNotLoopback = errors.New("fakes: listen address is not loopback")
)

// Error is a fault injected in-process. It matches [ErrInjected] and the
// sentinel of its Kind ([ErrHang], [ErrReset], …) with errors.Is; an
// error-kind fault matches only ErrInjected. Errors are built once per fault
// set, so returning one does not allocate.
type Error struct {
	Fake   string // the fake's name
	Kind   Kind   // the fault
	Status int    // the HTTP status it stands for (error and overload), else 0
}

// Error returns "fakes: NAME: WHAT".
func (e *Error) Error() string {
	msg := "fakes: " + e.Fake + ": " + shortErr(e.Kind)
	if e.Status != 0 {
		msg += " (status " + strconv.Itoa(e.Status) + ")"
	}
	return msg
}

// Is matches ErrInjected and the kind's sentinel.
func (e *Error) Is(target error) bool {
	if target == ErrInjected {
		return true
	}
	return target != nil && target == kindSentinel(e.Kind)
}

func kindSentinel(k Kind) error {
	switch k {
	case KindHang:
		return ErrHang
	case KindTimeout:
		return ErrTimeout
	case KindReset:
		return ErrReset
	case KindDown:
		return ErrDown
	case KindTruncate:
		return ErrTruncated
	case KindOverload:
		return ErrOverload
	}
	return nil
}

// shortErr is the "err" text of a record: short and stable, for logs.
func shortErr(k Kind) string {
	switch k {
	case KindError:
		return "injected error"
	case KindHang:
		return "hang"
	case KindTimeout:
		return "timeout"
	case KindReset:
		return "connection reset"
	case KindDown:
		return "down"
	case KindTruncate:
		return "truncated body"
	case KindOverload:
		return "overloaded"
	}
	return ""
}

// FieldError is invalid input in a fault spec. Field is the snake_case path
// of the offending key as a scenario file spells it ("latency.p99",
// "phases[2].error_rate"), so a loader can point at the file's line.
type FieldError struct {
	Field  string // dotted snake_case path of the key
	Reason string // what was wrong and what was expected
}

// Error returns "fakes: FIELD: REASON".
func (e *FieldError) Error() string { return "fakes: " + e.Field + ": " + e.Reason }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// prefixField puts prefix in front of the field of a *FieldError.
func prefixField(prefix string, err error) error {
	var fe *FieldError
	if err == nil || !errors.As(err, &fe) {
		return err
	}
	return &FieldError{Field: joinField(prefix, fe.Field), Reason: fe.Reason}
}

func joinField(prefix, field string) string {
	switch {
	case prefix == "":
		return field
	case field == "" || field[0] == '[':
		return prefix + field
	}
	return prefix + "." + field
}
