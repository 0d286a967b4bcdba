package fakes_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newServer(t *testing.T, fs ...*fakes.Fake) *fakes.Server {
	t.Helper()
	return newServerCfg(t, fakes.ServerConfig{Addr: "127.0.0.1:0", Fakes: fs})
}

func newServerCfg(t *testing.T, cfg fakes.ServerConfig) *fakes.Server {
	t.Helper()
	s, err := fakes.NewServer(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, s.Close()) })
	return s
}

// client is a real HTTP client whose every request is bounded.
func client(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: false, MaxIdleConnsPerHost: 4}}
}

func TestServerFaultsOverLoopback(t *testing.T) {
	f := seqFake(t, "none", "error", "reset", "truncate", "timeout", "hang", "slow_body")
	require.NoError(t, f.SetFaults(fakes.Faults{
		ErrorStatus: 503, Timeout: fakes.Timeout{After: 50 * time.Millisecond}, SlowBody: fakes.SlowBody{BytesPerSec: 640},
		Sequence: f.Faults().Sequence,
	}))
	s := newServer(t, f)
	c := client(2 * time.Second)
	defer c.CloseIdleConnections()
	url := s.URL() + "/v1/token"

	resp, err := get(t, c, url, 0)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, "none", resp.Header.Get(fakes.HeaderFault))
	assert.Contains(t, string(body), `{"fake":"iam","seq":0,"fault":"none"}`)

	resp, err = get(t, c, url, 1)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, 503, resp.StatusCode)

	_, err = get(t, c, url, 2)
	assert.ErrorIs(t, err, syscall.ECONNRESET, "reset is a TCP RST")

	resp, err = get(t, c, url, 3)
	require.NoError(t, err)
	body, err = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "truncated")
	assert.Len(t, body, 32)

	start := time.Now()
	_, err = get(t, c, url, 4)
	assert.ErrorIs(t, err, io.EOF, "timeout closes the connection without an answer")
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond)

	hc := client(200 * time.Millisecond)
	defer hc.CloseIdleConnections()
	start = time.Now()
	_, err = get(t, hc, url, 5)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout(), "a hang: the client gave up: %v", err)
	assert.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond)

	start = time.Now()
	resp, err = get(t, c, url, 6)
	require.NoError(t, err)
	body, err = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.NoError(t, err)
	assert.Len(t, body, 64)
	assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond, "64 bytes at 640 B/s")

	require.Eventually(t, func() bool { return f.Counters().InFlight == 0 }, 2*time.Second, 5*time.Millisecond)
	assert.EqualValues(t, 7, f.Counters().Requests)
}

func TestServerDownRefusesThenComesBack(t *testing.T) {
	f := newFake(t, fakes.Config{Name: "iam"})
	s := newServerCfg(t, fakes.ServerConfig{Addr: "127.0.0.1:0", ControlAddr: "127.0.0.1:0", Fakes: []*fakes.Fake{f}})
	require.NotEqual(t, s.URL()+fakes.ControlPrefix, s.ControlURL())
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	url := s.URL() + "/"

	resp, err := c.Get(url)
	require.NoError(t, err)
	_ = resp.Body.Close()

	// Down through the control API, on its own address.
	status, _ := call(t, c, "PUT", s.ControlURL()+"faults", `{"down": true}`)
	require.Equal(t, 200, status)
	require.Eventually(t, func() bool { return !s.Listening() }, 2*time.Second, time.Millisecond)
	_, err = c.Get(url)
	assert.ErrorIs(t, err, syscall.ECONNREFUSED, "down: the listener is closed")

	status, _ = call(t, c, "PUT", s.ControlURL()+"faults", `{}`)
	require.Equal(t, 200, status)
	require.Eventually(t, s.Listening, 2*time.Second, time.Millisecond)
	resp, err = c.Get(url)
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)

	status, m := call(t, c, "GET", s.URL()+fakes.ControlPrefix+"faults", "")
	assert.Equal(t, 404, status)
	assert.Equal(t, "the control API is at "+s.ControlURL(), m["error"])
}

func TestServerDownFollowsTheSchedule(t *testing.T) {
	// A flap of 50 ms down in every 100 ms, in real time: the listener
	// closes and opens again by itself.
	f := newFake(t, fakes.Config{Name: "iam", Schedule: &fakes.Schedule{Flap: &fakes.Flap{Period: 100 * time.Millisecond}}})
	s := newServerCfg(t, fakes.ServerConfig{Addr: "127.0.0.1:0", ControlAddr: fakes.NoControl, Fakes: []*fakes.Fake{f}})
	assert.Empty(t, s.ControlURL())
	require.Eventually(t, func() bool { return !s.Listening() }, 2*time.Second, time.Millisecond)
	require.Eventually(t, s.Listening, 2*time.Second, time.Millisecond)
}

func TestServerDownWithSharedControlResets(t *testing.T) {
	f := newFake(t, fakes.Config{Name: "iam"})
	s := newServer(t, f)
	c := client(2 * time.Second)
	defer c.CloseIdleConnections()
	status, _ := call(t, c, "PUT", s.ControlURL()+"faults", `{"down": true}`)
	require.Equal(t, 200, status)
	_, err := c.Get(s.URL() + "/")
	assert.ErrorIs(t, err, syscall.ECONNRESET, "the control API shares the address: down resets")
	assert.True(t, s.Listening())
	status, _ = call(t, c, "PUT", s.ControlURL()+"faults", `{}`)
	require.Equal(t, 200, status, "the control API stays reachable")
	resp, err := c.Get(s.URL() + "/")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
}

func TestServerDownResetsOpenConnections(t *testing.T) {
	// Two fakes: one down does not close the listener; its requests are reset.
	iam := newFake(t, fakes.Config{Name: "iam", Faults: fakes.Faults{Down: true}})
	eris := newFake(t, fakes.Config{Name: "eris"})
	s := newServer(t, iam, eris)
	c := client(2 * time.Second)
	defer c.CloseIdleConnections()
	_, err := c.Get(s.URL() + "/iam/x")
	assert.ErrorIs(t, err, syscall.ECONNRESET)
	resp, err := c.Get(s.URL() + "/eris/x")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, "none", resp.Header.Get(fakes.HeaderFault))
	assert.True(t, s.Listening())
	assert.Equal(t, []*fakes.Fake{iam, eris}, s.Fakes())

	resp, err = c.Get(s.URL() + "/ldap/x")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, 404, resp.StatusCode)
	assert.Contains(t, string(body), "serves iam, eris")
	assert.EqualValues(t, 1, iam.Counters().Of(fakes.KindDown))
	assert.EqualValues(t, 1, eris.Counters().Requests)
}

func TestServerCloseEndsHangs(t *testing.T) {
	f := newFake(t, fakes.Config{Faults: fakes.Faults{HangRate: 1}})
	s, err := fakes.NewServer(fakes.ServerConfig{Addr: "127.0.0.1:0", Fakes: []*fakes.Fake{f}})
	require.NoError(t, err)
	c := client(10 * time.Second)
	defer c.CloseIdleConnections()
	done := make(chan error, 1)
	go func() {
		resp, err := c.Get(s.URL())
		if err == nil {
			_ = resp.Body.Close()
		}
		done <- err
	}()
	require.Eventually(t, func() bool { return f.Counters().InFlight == 1 }, 2*time.Second, time.Millisecond)
	start := time.Now()
	require.NoError(t, s.Close())
	assert.Less(t, time.Since(start), 2*time.Second, "Close does not wait for the client's timeout")
	assert.Error(t, <-done)
	assert.NoError(t, s.Close(), "Close twice is fine")
}

func TestNewServerErrors(t *testing.T) {
	f := newFake(t, fakes.Config{Name: "iam"})
	for _, addr := range []string{"0.0.0.0:0", ":0", "10.1.2.3:80", "example.com:80"} {
		_, err := fakes.NewServer(fakes.ServerConfig{Addr: addr, Fakes: []*fakes.Fake{f}})
		assert.ErrorIs(t, err, fakes.ErrNotLoopback, addr)
		_, err = fakes.NewServer(fakes.ServerConfig{Addr: "127.0.0.1:0", ControlAddr: addr, Fakes: []*fakes.Fake{f}})
		assert.ErrorIs(t, err, fakes.ErrNotLoopback, "control "+addr)
	}
	_, err := fakes.NewServer(fakes.ServerConfig{Addr: "127.0.0.1", Fakes: []*fakes.Fake{f}})
	assert.ErrorContains(t, err, "missing port")
	_, err = fakes.NewServer(fakes.ServerConfig{Addr: "127.0.0.1:0"})
	assert.ErrorContains(t, err, "no fakes")
	_, err = fakes.NewServer(fakes.ServerConfig{Addr: "127.0.0.1:0", Fakes: []*fakes.Fake{f, newFake(t, fakes.Config{Name: "iam"})}})
	assert.ErrorContains(t, err, `two fakes named "iam"`)

	s := newServer(t, f)
	_, err = fakes.NewServer(fakes.ServerConfig{Addr: s.Addr(), Fakes: []*fakes.Fake{newFake(t, fakes.Config{})}})
	assert.ErrorIs(t, err, syscall.EADDRINUSE)
	_, err = fakes.NewServer(fakes.ServerConfig{Addr: "127.0.0.1:0", ControlAddr: s.Addr(), Fakes: []*fakes.Fake{newFake(t, fakes.Config{})}})
	assert.ErrorIs(t, err, syscall.EADDRINUSE, "the control address in use")

	// Beyond loopback only when asked; the test still calls it on 127.0.0.1.
	wide := newServerCfg(t, fakes.ServerConfig{Addr: "0.0.0.0:0", ControlAddr: "0.0.0.0:0", AllowNonLoopback: true,
		Fakes: []*fakes.Fake{newFake(t, fakes.Config{})}})
	host, port, err := net.SplitHostPort(wide.Addr())
	require.NoError(t, err)
	assert.True(t, net.ParseIP(host).IsUnspecified(), "listening on every interface: %s", wide.Addr())
	c := client(5 * time.Second)
	defer c.CloseIdleConnections()
	resp, err := c.Get("http://127.0.0.1:" + port + "/")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	s6, err := fakes.NewServer(fakes.ServerConfig{Addr: "[::1]:0", Fakes: []*fakes.Fake{newFake(t, fakes.Config{})}})
	if err == nil { // IPv6 loopback may be absent
		assert.True(t, strings.HasPrefix(s6.Addr(), "[::1]:"))
		assert.NoError(t, s6.Close())
	} else {
		assert.False(t, errors.Is(err, fakes.ErrNotLoopback))
	}
}

func TestServerNoGoroutineOutlivesItsRequests(t *testing.T) {
	f := newFake(t, fakes.Config{Faults: fakes.Faults{Latency: fakes.Latency{P50: time.Hour}}})
	s := newServer(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL(), nil)
	c := client(10 * time.Second)
	defer c.CloseIdleConnections()
	go func() {
		require.Eventually(t, func() bool { return f.Counters().InFlight == 1 }, 2*time.Second, time.Millisecond)
		cancel()
	}()
	_, err := c.Do(req)
	assert.ErrorIs(t, err, context.Canceled)
	require.Eventually(t, func() bool { return f.Counters().InFlight == 0 }, 2*time.Second, time.Millisecond,
		"the handler's wait ends when the client goes")
}
