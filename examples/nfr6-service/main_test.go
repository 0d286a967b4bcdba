package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRunServes starts the service on loopback in front of a fake, calls
// it, and stops it by cancelling the context (as SIGINT does).
func TestRunServes(t *testing.T) {
	iam, err := fakes.New(fakes.Config{Name: "iam"})
	require.NoError(t, err)
	dep := httptest.NewServer(iam)
	defer dep.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--dep", "iam=" + dep.URL, "--bug", "state-lies"}, outW, &stderr)
		outW.Close()
	}()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()

	first := <-lines
	addr, ok := strings.CutPrefix(first, "nfr6-service listening on ")
	require.True(t, ok, "first line: %q", first)
	assert.Equal(t, "dependencies: iam="+dep.URL, <-lines)
	assert.Equal(t, "breaker: failure threshold 5, success threshold 2, recovery timeout 1m0s, half-open max calls 2, timeout 1s; bugs: state-lies", <-lines)

	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(addr + "/call/iam")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.JSONEq(t, `{"dep":"iam","result":"ok"}`, string(body))
	assert.Equal(t, uint64(1), iam.Counters().Requests)
	client.CloseIdleConnections()

	cancel()
	require.NoError(t, <-done)
	assert.Equal(t, "nfr6-service stopped", <-lines)
	_, more := <-lines
	assert.False(t, more)
	assert.Empty(t, stderr.String())
}

// TestRunBadFlags: bad flags are usage errors (exit 2) that name the flag
// and what was expected.
func TestRunBadFlags(t *testing.T) {
	dep := []string{"--dep", "iam=http://127.0.0.1:9001"}
	tests := []struct {
		args []string
		want string
	}{
		{nil, "no dependency: give at least one --dep NAME=URL"},
		{[]string{"--dep", "iam"}, `invalid value "iam" for flag -dep: want NAME=URL`},
		{[]string{"--dep", "iam=127.0.0.1:9001"}, `want an http:// or https:// URL with a host, got "127.0.0.1:9001"`},
		{[]string{"--dep", "i am=http://x"}, `name "i am": use letters`},
		{append(dep, "--dep", "iam=http://127.0.0.1:9002"), `dependency "iam" given twice`},
		{append(dep, "--bug", "off-by-one,off-by-two"), `unknown bug "off-by-two"; the bugs are: off-by-one, no-probe-limit, success-no-reset, timeout-ignored, timer-reset-on-reject, late-result-counted, probe-failure-ignored, state-lies, early-probe`},
		{append(dep, "--failure-threshold", "0"), "--failure-threshold must be at least 1, got 0"},
		{append(dep, "--success-threshold", "-1"), "--success-threshold must be at least 1, got -1"},
		{append(dep, "--recovery-timeout", "0s"), "--recovery-timeout must be positive, got 0s"},
		{append(dep, "--half-open-max-calls", "-2"), "--half-open-max-calls must not be negative"},
		{append(dep, "--timeout", "-1s"), "--timeout must be positive, got -1s"},
		{append(dep, "--timeout", "soon"), `invalid value "soon" for flag -timeout`},
		{append(dep, "--nope"), "flag provided but not defined: -nope (see --help)"},
		{append(dep, "serve"), `unexpected argument "serve"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, &stdout, &stderr)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Equal(t, 2, exitCode(err, &stderr))
			assert.Equal(t, "nfr6-service: "+err.Error()+"\n", stderr.String())
			assert.Empty(t, stdout.String())
		})
	}
}

func TestRunHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"--help"}, &stdout, &stderr))
	for _, want := range []string{"Usage: nfr6-service", "-recovery-timeout duration", "-no-forward-seq", "Examples:"} {
		assert.Contains(t, stdout.String(), want)
	}
	for _, e := range bugs {
		assert.Contains(t, stdout.String(), e.name+strings.Repeat(" ", 23-len(e.name))+e.doc)
	}
	assert.Empty(t, stderr.String())
}

// TestRunListenTaken: an address in use is an error (exit 1) naming --listen.
func TestRunListenTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"--listen", ln.Addr().String(), "--dep", "iam=http://127.0.0.1:9001"}, &stdout, &stderr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "--listen "+ln.Addr().String())
	assert.False(t, errors.As(err, new(usageError)))
	assert.Equal(t, 1, exitCode(err, io.Discard))
	assert.Equal(t, 0, exitCode(nil, io.Discard))
}
