package fakes

import "fmt"

// Kind is the fault a fake decided for one request. Its String form is the
// "fault" value of a [Record] and of dependency.bin.
type Kind uint8

// The fault kinds, in the order their counters are reported.
const (
	KindNone     Kind = iota // answered normally, no latency added
	KindError                // answered with an error status (in-process: an error)
	KindLatency              // answered normally after an added latency
	KindHang                 // never answered until the client gave up
	KindTimeout              // connection closed without an answer after Timeout.After
	KindReset                // connection reset (TCP RST)
	KindDown                 // connection refused: the dependency is down
	KindSlowBody             // body sent at SlowBody.BytesPerSec
	KindTruncate             // body cut short and the connection closed
	KindOverload             // more than MaxInFlight requests in flight: answered 503
	numKinds
)

var kindNames = [numKinds]string{
	"none", "error", "latency", "hang", "timeout", "reset", "down", "slow_body", "truncate", "overload",
}

// String returns the kind's log name: none, error, latency, hang, timeout,
// reset, down, slow_body, truncate or overload.
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// MarshalText encodes the kind as its log name.
func (k Kind) MarshalText() ([]byte, error) {
	if k >= numKinds {
		return nil, fmt.Errorf("fakes: unknown fault kind %d", uint8(k))
	}
	return []byte(kindNames[k]), nil
}

// UnmarshalText decodes a log name (see [ParseKind]).
func (k *Kind) UnmarshalText(b []byte) error {
	v, err := ParseKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// ParseKind returns the kind with the given log name.
func ParseKind(s string) (Kind, error) {
	for i, n := range kindNames {
		if n == s {
			return Kind(i), nil
		}
	}
	return 0, fmt.Errorf("fakes: unknown fault kind %q (want one of none, error, latency, hang, timeout, reset, down, slow_body, truncate, overload)", s)
}

// Kinds returns every fault kind in counter order.
func Kinds() []Kind {
	ks := make([]Kind, numKinds)
	for i := range ks {
		ks[i] = Kind(i)
	}
	return ks
}
