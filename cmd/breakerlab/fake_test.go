package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeTestBuffer is a bytes.Buffer safe for the command's goroutine and
// ours, which remembers the first write.
type fakeTestBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	first string
}

func (s *fakeTestBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() == 0 {
		s.first = string(p)
	}
	return s.b.Write(p)
}

// First returns the first write.
func (s *fakeTestBuffer) First() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first
}

func (s *fakeTestBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fakeTestStart runs 'breakerlab fake ARGS' until the returned stop is
// called, and returns the address it printed.
func fakeTestStart(t *testing.T, args ...string) (addr string, stdout *fakeTestBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout = &fakeTestBuffer{}
	var stderr fakeTestBuffer
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, append([]string{"fake"}, args...), stdout, &stderr) }()
	require.Eventually(t, func() bool {
		line, _, _ := strings.Cut(stdout.String(), "\n")
		addr = strings.TrimPrefix(line, "listening on ")
		return addr != line && addr != ""
	}, 5*time.Second, time.Millisecond, "stdout: %s stderr: %s", stdout, &stderr)
	return addr, stdout, func() error { cancel(); return <-errc }
}

func (s *fakeTestBuffer) GoString() string { return s.String() }

func TestFakeCommandServesLogsAndStops(t *testing.T) {
	logPath := filepath.Join(t.TempDir(), "fake.jsonl")
	addr, stdout, stop := fakeTestStart(t, "--listen", "127.0.0.1:0", "--preset", "iam",
		"--error-rate", "0.3", "--latency", "1ms", "--seed", "7", "--log", logPath)
	assert.Contains(t, stdout.String(), "control API: http://"+addr+"/_breakerlab/")
	assert.Contains(t, stdout.String(), "iam              http://"+addr+"/  preset \"iam\": error_rate 30%, error_status 503, latency fixed p50 1ms")

	c := &http.Client{Timeout: 5 * time.Second}
	defer c.CloseIdleConnections()
	statuses := map[int]int{}
	for seq := range 200 {
		req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/v1/token", nil)
		require.NoError(t, err)
		req.Header.Set("X-Vegeta-Seq", strconv.Itoa(seq))
		resp, err := c.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		statuses[resp.StatusCode]++
	}
	assert.Equal(t, 200, statuses[200]+statuses[503])
	assert.InDelta(t, 60, statuses[503], 30, "about 30%% errors: %v", statuses)

	resp, err := c.Get("http://" + addr + "/_breakerlab/counters")
	require.NoError(t, err)
	var counters map[string]int
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&counters))
	_ = resp.Body.Close()
	assert.Equal(t, 200, counters["requests"])
	assert.Equal(t, statuses[503], counters["error"])

	require.NoError(t, stop())
	assert.Contains(t, stdout.String(), "stopped iam: 200 requests (error "+strconv.Itoa(statuses[503])+", latency "+strconv.Itoa(statuses[200])+")")

	f, err := os.Open(logPath)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	lines := 0
	for sc.Scan() {
		var rec struct {
			Fake   string `json:"fake"`
			Seq    int    `json:"seq"`
			Fault  string `json:"fault"`
			Status int    `json:"status"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec))
		assert.Equal(t, "iam", rec.Fake)
		assert.Equal(t, lines, rec.Seq)
		lines++
	}
	assert.Equal(t, 200, lines, "every request is in the log")

	// The same seed replays the same faults.
	addr2, _, stop2 := fakeTestStart(t, "--listen", "127.0.0.1:0", "--preset", "iam", "--error-rate", "0.3", "--seed", "7")
	again := 0
	for seq := range 200 {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr2+"/", nil)
		req.Header.Set("X-Vegeta-Seq", strconv.Itoa(seq))
		resp, err := c.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		if resp.StatusCode == 503 {
			again++
		}
	}
	assert.Equal(t, statuses[503], again)
	require.NoError(t, stop2())
}

func TestFakeCommandSeveralFakes(t *testing.T) {
	addr, stdout, stop := fakeTestStart(t, "--listen", "127.0.0.1:0", "--fake", "iam", "--fake", "llm=llm-gateway", "--latency", "1ms")
	// The address and every fake's line come in one write: a reader that
	// has the address has the list.
	assert.Contains(t, stdout.First(), "http://"+addr+"/iam/  preset \"iam\"")
	assert.Contains(t, stdout.First(), "http://"+addr+"/llm/  preset \"llm-gateway\"")
	c := &http.Client{Timeout: 5 * time.Second}
	defer c.CloseIdleConnections()
	resp, err := c.Get("http://" + addr + "/llm/v1/chat")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Contains(t, string(body), `"fake":"llm"`)
	require.NoError(t, stop())
	assert.Contains(t, stdout.String(), "stopped llm: 1 requests")
	assert.Contains(t, stdout.String(), "stopped iam: 0 requests")
}

func TestFakeCommandUsageErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--listen", "0.0.0.0:8081"}, "--listen 0.0.0.0:8081: fakes: listen address is not loopback (use 127.0.0.1:PORT, [::1]:PORT or localhost:PORT); --allow-non-loopback listens beyond loopback"},
		{[]string{"--listen", ":8081"}, "--listen :8081:"},
		{[]string{"--control", "0.0.0.0:1"}, "--control 0.0.0.0:1: fakes: listen address is not loopback"},
		{[]string{"--control", busy.Addr().String()}, "--control " + busy.Addr().String() + ": listen tcp"},
		{[]string{"--listen", busy.Addr().String()}, "--listen " + busy.Addr().String() + ": listen tcp " + busy.Addr().String() + ": bind: address already in use"},
		{[]string{"--preset", "ldap"}, `--preset: fakes: unknown preset "ldap" (want one of data-governance, eris, iam, llm-gateway, policy, ubi)`},
		{[]string{"--fake", "a=ldap"}, `--fake: fakes: unknown preset "ldap"`},
		{[]string{"--fake", "a=iam", "--preset", "iam"}, "--preset and --name describe a single fake"},
		{[]string{"--fake", "=iam"}, "want NAME=PRESET or NAME"},
		{[]string{"--fake", "iam", "--fake", "iam=eris"}, `fake: invalid value "iam=eris" for flag -fake: the name "iam" is taken by an earlier --fake: give each fake a name of its own, as NAME=PRESET`},
		{[]string{"--error-rate", "1.5"}, "--error-rate: must be within 0..1, got 1.5"},
		{[]string{"--error-status", "200"}, "--error-status: must be an HTTP error status"},
		{[]string{"--latency", "-5ms"}, "--latency: must not be negative, got -5ms"},
		{[]string{"--latency", "50ms", "--latency-p99", "10ms"}, "--latency-p99: 10ms is below p50 50ms"},
		{[]string{"--latency", "5ms", "--latency-dist", "gamma"}, `--latency-dist: unknown distribution "gamma"`},
		{[]string{"--timeout-rate", "0.1", "--timeout-after", "0s"}, "--timeout-after: must be > 0"},
		{[]string{"--max-in-flight", "-1"}, "--max-in-flight: must not be negative"},
		{[]string{"--latency", "soon"}, `invalid value "soon" for flag -latency`},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append([]string{"fake", "--listen", "127.0.0.1:0"}, tt.args...), &stdout, &stderr)
		require.Error(t, err, "%v", tt.args)
		var ue usageError
		assert.True(t, errors.As(err, &ue), "%v: a usage error (exit 2): %v", tt.args, err)
		assert.Equal(t, exitUsage, exitCode(err, io.Discard))
		assert.Contains(t, err.Error(), tt.want, "%v", tt.args)
	}
}

func TestFakeCommandDownWithControlElsewhere(t *testing.T) {
	ctlLn, err := net.Listen("tcp", "127.0.0.1:0") // find a free port for --control
	require.NoError(t, err)
	ctl := ctlLn.Addr().String()
	require.NoError(t, ctlLn.Close())
	addr, stdout, stop := fakeTestStart(t, "--listen", "127.0.0.1:0", "--control", ctl, "--preset", "eris", "--down")
	assert.Contains(t, stdout.String(), "control API: http://"+ctl+"/_breakerlab/")
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	_, err = c.Get("http://" + addr + "/")
	assert.ErrorContains(t, err, "connection refused", "down: refused")

	req, _ := http.NewRequest(http.MethodPut, "http://"+ctl+"/_breakerlab/faults", strings.NewReader(`{"latency": {"p50": "1ms"}}`))
	resp, err := c.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.Eventually(t, func() bool {
		resp, err := c.Get("http://" + addr + "/")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == 200
	}, 5*time.Second, 5*time.Millisecond, "up again on the same address")
	require.NoError(t, stop())
}

// Beyond loopback only with --allow-non-loopback, and with a warning. The
// test calls the fake on 127.0.0.1 only.
func TestFakeCommandAllowNonLoopback(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr fakeTestBuffer
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"fake", "--listen", "0.0.0.0:0", "--allow-non-loopback", "--preset", "iam"}, &stdout, &stderr)
	}()
	var port string
	require.Eventually(t, func() bool {
		line, _, _ := strings.Cut(stdout.String(), "\n")
		addr, ok := strings.CutPrefix(line, "listening on ")
		if !ok {
			return false
		}
		_, port, _ = net.SplitHostPort(addr)
		return port != ""
	}, 5*time.Second, time.Millisecond, "stdout: %s stderr: %s", &stdout, &stderr)
	assert.Contains(t, stderr.String(), "breakerlab: warning: --allow-non-loopback: listening on ")
	assert.Contains(t, stderr.String(), "the control API, which has no authentication")
	c := &http.Client{Timeout: 5 * time.Second}
	defer c.CloseIdleConnections()
	resp, err := c.Get("http://127.0.0.1:" + port + "/_breakerlab/counters")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	cancel()
	require.NoError(t, <-errc)
}

func TestFakeCommandHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"fake", "-h"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "Usage: breakerlab fake")
	assert.Contains(t, stderr.String(), "\nExamples:\n  breakerlab fake --listen 127.0.0.1:8081 --preset iam --error-rate 0.3 --latency 20ms\n")
}
