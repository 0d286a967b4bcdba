package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"
)

// The clock of a served run: the fakes' clock, which every merged call is
// put on. A load machine reads it over HTTP before (and, for a long run,
// after) its attack; the round trip bounds the error of the offset it
// measures. See docs/multi-attacker.md.

// ClockPath is the path of the clock endpoint [Serve] serves.
const ClockPath = "/_breakerlab/clock"

// ClockFileSuffix ends the name of a clock file: what [MeasureClock]
// measured, for [Merge].
const ClockFileSuffix = ".clock.json"

// DefaultClockSamples is how many round trips [MeasureClock] makes; the
// shortest one gives the offset.
const DefaultClockSamples = 16

// ErrClock matches a clock endpoint that cannot be read or a clock file
// that cannot be used.
var ErrClock = errors.New("runner: clock")

// ClockReading is the clock endpoint's answer: which run it serves, and
// the fakes' clock at the moment it answered.
type ClockReading struct {
	Scenario   string    `json:"scenario"`
	T0         time.Time `json:"t0"`          // when the scenario's schedule starts (started)
	DurationNs int64     `json:"duration_ns"` // the scenario's duration
	// Rate is the scenario's load at t0, calls per second: the attackers'
	// rates must add up to it.
	Rate      float64 `json:"rate"`
	NowUnixNs int64   `json:"now_unix_ns"` // the fakes' clock, read last
}

// StartAt is when, on the clock m was measured on, attacker slot of n
// should start its attack: at the run's t0, plus slot-1 intervals of the
// scenario's rate, so that the attacks interleave evenly (slot counts
// from 1). Staggered attacks do not send a call each at the same moment:
// the calls stay apart as one attacker's would, and a request at a fake
// is told apart from the other attackers' of the same seq.
func StartAt(r ClockReading, m Measurement, slot, n int) time.Time {
	at := r.T0
	if slot > 1 && n > 1 && r.Rate > 0 {
		at = at.Add(time.Duration(float64(slot-1) / r.Rate * float64(time.Second)))
	}
	return at.Add(-time.Duration(m.OffsetNs))
}

// ClockFile is a load machine's clock against a served run's: one or more
// measurements of the offset, written by [MeasureClock] (breakerlab clock)
// and read by [Merge].
type ClockFile struct {
	// Name is the attacker's name: vegeta's -name for its attack, or its
	// results file's name without the extension.
	Name         string        `json:"name"`
	URL          string        `json:"url"`      // the clock endpoint measured
	Scenario     string        `json:"scenario"` // the served run's
	T0           time.Time     `json:"t0"`       // the served run's
	DurationNs   int64         `json:"duration_ns"`
	Measurements []Measurement `json:"measurements"` // in the order taken
}

// Measurement is one reading of a load machine's clock against the fakes'.
type Measurement struct {
	// At is the load machine's clock at the middle of the round trip.
	At time.Time `json:"at"`
	// OffsetNs is the fakes' clock minus the machine's: add it to the
	// machine's times to put them on the fakes' clock.
	OffsetNs int64 `json:"offset_ns"`
	// RoundTripNs is the round trip it was read in; the offset is right to
	// within half of it.
	RoundTripNs int64 `json:"round_trip_ns"`
}

// ErrorNs is half the round trip: the fakes read their clock somewhere in
// it, so the offset is right to within that.
func (m Measurement) ErrorNs() int64 { return (m.RoundTripNs + 1) / 2 }

// clockHandler answers GET ClockPath with the run's clock.
func clockHandler(scenario string, t0 time.Time, duration time.Duration, rate float64) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+ClockPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		// The clock is read as late as possible: the closer to the answer,
		// the more symmetric the round trip.
		b, _ := json.Marshal(ClockReading{Scenario: scenario, T0: t0, DurationNs: int64(duration), Rate: rate, NowUnixNs: time.Now().UnixNano()})
		w.Write(b)
	})
	return mux
}

// ClockOptions tune [MeasureClock]. The zero value is the default.
type ClockOptions struct {
	// Samples is how many round trips to make. 0 means DefaultClockSamples.
	Samples int
	// Now is the load machine's clock. Nil means time.Now; tests shift it.
	Now func() time.Time
	// Client makes the requests. Nil means a client with a 2 s timeout.
	Client *http.Client
}

// MeasureClock reads the clock endpoint at rawURL (a served run's clock
// address, with or without [ClockPath]) Samples times and returns the run
// it serves and the measurement of the round trip that was shortest: the
// offset it gives is right to within half of it (NTP's rule).
func MeasureClock(ctx context.Context, rawURL string, opts ClockOptions) (ClockReading, Measurement, error) {
	u, err := clockURL(rawURL)
	if err != nil {
		return ClockReading{}, Measurement{}, err
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Second}
		defer client.CloseIdleConnections()
	}
	n := opts.Samples
	if n <= 0 {
		n = DefaultClockSamples
	}
	var best Measurement
	var reading ClockReading
	// The first round trip opens the connection: not a sample.
	for i := -1; i < n; i++ {
		t1 := now()
		got, err := readClock(ctx, client, u)
		t2 := now()
		if err != nil {
			return ClockReading{}, Measurement{}, err
		}
		rtt := t2.Sub(t1)
		if i < 0 || (best.RoundTripNs != 0 && int64(rtt) >= best.RoundTripNs) {
			continue
		}
		mid := t1.Add(rtt / 2)
		best = Measurement{At: mid, OffsetNs: got.NowUnixNs - mid.UnixNano(), RoundTripNs: max(int64(rtt), 1)}
		reading = got
	}
	return reading, best, nil
}

// clockURL adds ClockPath to a URL that has no path.
func clockURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%w: %q: want the clock's URL, e.g. http://127.0.0.1:9100 (breakerlab serve prints it)", ErrClock, raw)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = ClockPath
	}
	return u.String(), nil
}

// readClock makes one round trip to the clock endpoint.
func readClock(ctx context.Context, client *http.Client, u string) (ClockReading, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return ClockReading{}, fmt.Errorf("%w: %v", ErrClock, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return ClockReading{}, fmt.Errorf("%w: reading %s: %v (is breakerlab serve running, and is its --clock address reachable from here?)", ErrClock, u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return ClockReading{}, fmt.Errorf("%w: reading %s: %v", ErrClock, u, err)
	}
	var r ClockReading
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &r) != nil || r.NowUnixNs == 0 || r.Scenario == "" {
		return ClockReading{}, fmt.Errorf("%w: %s answered %s, not a breakerlab clock: want the address breakerlab serve prints after \"clock:\"",
			ErrClock, u, resp.Status)
	}
	return r, nil
}

// AddMeasurement records m of the run r in the clock file at path for the
// attacker name: appended to the file's measurements when it is of the same
// run and attacker, else a new file. It returns the file as written.
func AddMeasurement(path, name, rawURL string, r ClockReading, m Measurement) (ClockFile, error) {
	cf := ClockFile{Name: name, URL: rawURL, Scenario: r.Scenario, T0: r.T0, DurationNs: r.DurationNs}
	if old, err := ReadClockFile(path); err == nil && old.Name == name && old.Scenario == r.Scenario && old.T0.Equal(r.T0) {
		cf.Measurements = old.Measurements
	}
	cf.Measurements = append(cf.Measurements, m)
	b, err := json.MarshalIndent(cf, "", "  ")
	if err != nil {
		return cf, fmt.Errorf("%w: %v", ErrClock, err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return cf, fmt.Errorf("%w: writing %s: %v", ErrClock, path, err)
	}
	return cf, nil
}

// ReadClockFile reads a clock file. An error names the file and what is wrong.
func ReadClockFile(path string) (ClockFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return ClockFile{}, fmt.Errorf("%w: %v", ErrClock, err)
	}
	var cf ClockFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cf); err != nil {
		return ClockFile{}, fmt.Errorf("%w: %s: not a clock file (breakerlab clock writes them): %v", ErrClock, path, err)
	}
	switch {
	case cf.Name == "":
		return cf, fmt.Errorf("%w: %s: key \"name\": missing: want the attacker's name", ErrClock, path)
	case cf.Scenario == "" || cf.T0.IsZero():
		return cf, fmt.Errorf("%w: %s: keys \"scenario\" and \"t0\": missing: want the served run's", ErrClock, path)
	case len(cf.Measurements) == 0:
		return cf, fmt.Errorf("%w: %s: key \"measurements\": empty: measure with breakerlab clock", ErrClock, path)
	}
	for i, m := range cf.Measurements {
		if m.At.IsZero() || m.RoundTripNs <= 0 {
			return cf, fmt.Errorf("%w: %s: measurements[%d]: want \"at\" and a positive \"round_trip_ns\"", ErrClock, path, i)
		}
	}
	return cf, nil
}

// checkClockAddr refuses a clock address off loopback unless allowed.
func checkClockAddr(addr string, anyHost bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%w: address %q: want host:port, e.g. 127.0.0.1:9100", ErrSetup, addr)
	}
	if anyHost || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%w: clock address %q is off loopback: allow it explicitly (--allow-non-loopback) for load machines elsewhere; it serves the time only", ErrSetup, addr)
	}
	return nil
}

// clockModel puts one attacker's times on the fakes' clock: its offset at a
// time of its own, interpolated between its measurements (constant beyond
// them), and the error bound there, which grows by the drift allowance
// with the distance to the nearest measurement.
type clockModel struct {
	ms       []Measurement // sorted by At
	driftPPM float64
}

// at returns the offset and its error bound at the attacker's time t.
func (c *clockModel) at(t time.Time) (offset, errBound int64) {
	ms := c.ms
	i := 0
	for i < len(ms) && !ms[i].At.After(t) {
		i++
	}
	// ms[i-1] is the last measurement at or before t, ms[i] the first after.
	var near time.Duration
	switch {
	case i == 0:
		offset, errBound, near = ms[0].OffsetNs, ms[0].ErrorNs(), ms[0].At.Sub(t)
	case i == len(ms):
		m := ms[i-1]
		offset, errBound, near = m.OffsetNs, m.ErrorNs(), t.Sub(m.At)
	default:
		a, b := ms[i-1], ms[i]
		span := b.At.Sub(a.At)
		frac := float64(t.Sub(a.At)) / float64(span)
		offset = a.OffsetNs + int64(frac*float64(b.OffsetNs-a.OffsetNs))
		errBound = max(a.ErrorNs(), b.ErrorNs())
		near = min(t.Sub(a.At), b.At.Sub(t))
	}
	return offset, errBound + int64(math.Ceil(c.driftPPM*float64(near)/1e6))
}
