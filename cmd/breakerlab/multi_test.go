package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/internal/guarded"
)

// multiScenario is a short external scenario for serve: 1 s at 50 calls/s.
const multiScenario = `name: multi
mode: external
duration: 1s
target: {url: %s}
dependencies:
  - name: iam
    listen: %s
    target: {url: /call/iam}
    client: {timeout: 200ms}
    breaker: {failure_threshold: 5, success_threshold: 2, recovery_timeout: 300ms}
load: {rate: 50/s}
`

// loopbackAddr returns a loopback address nothing listens on now.
func loopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// breakerService is a service in front of depURL guarded by the reference
// breaker (package guarded): 200, 503 when it rejects, 502 when the
// dependency fails.
func breakerService(t *testing.T, depURL string) *guarded.Service {
	t.Helper()
	svc, err := guarded.Start(guarded.Config{DepURL: depURL, Breaker: breaker.Config{RecoveryTimeout: 300 * time.Millisecond}})
	require.NoError(t, err)
	t.Cleanup(svc.Close)
	return svc
}

// jsonResult is a vegeta result in vegeta's JSON encoding (vegeta encode
// --to json): what a load machine's attack would write.
type jsonResult struct {
	Attack    string    `json:"attack"`
	Seq       uint64    `json:"seq"`
	Code      int       `json:"code"`
	Timestamp time.Time `json:"timestamp"`
	Latency   int64     `json:"latency"`
	Error     string    `json:"error"`
	Method    string    `json:"method"`
	URL       string    `json:"url"`
}

// paceLoad calls target n times, every interval from start, as vegeta
// would, and writes the results to path in vegeta's JSON encoding.
func paceLoad(t *testing.T, path, name, target string, start time.Time, n int, interval time.Duration) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	enc := json.NewEncoder(f)
	client := &http.Client{Timeout: time.Second}
	defer client.CloseIdleConnections()
	for i := range n {
		time.Sleep(time.Until(start.Add(time.Duration(i) * interval)))
		req, err := http.NewRequest(http.MethodGet, target, nil)
		require.NoError(t, err)
		req.Header.Set("X-Vegeta-Seq", fmt.Sprint(i))
		res := jsonResult{Attack: name, Seq: uint64(i), Timestamp: time.Now(), Method: "GET", URL: target}
		resp, err := client.Do(req)
		res.Latency = int64(time.Since(res.Timestamp))
		if err != nil {
			res.Error = err.Error()
		} else {
			res.Code = resp.StatusCode
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		require.NoError(t, enc.Encode(res))
	}
}

// The recipe through the CLI: serve, clock --wait, one load machine's
// results, merge.
func TestServeClockMerge(t *testing.T) {
	dir := t.TempDir()
	listen, clockAddr := loopbackAddr(t), loopbackAddr(t)
	svc := breakerService(t, "http://"+listen)
	scenario := writeFile(t, dir, "multi.yaml", fmt.Sprintf(multiScenario, svc.URL, listen))
	served := filepath.Join(dir, "served")
	var serveOut fakeTestBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), []string{"serve", "--out", served, "--start-in", "500ms", "--clock", clockAddr, scenario}, &serveOut, io.Discard)
	}()
	require.Eventually(t, func() bool { return strings.Contains(serveOut.String(), "clock: http://"+clockAddr) }, 5*time.Second, time.Millisecond)

	clockFile := filepath.Join(dir, "host-1.clock.json")
	code, stdout, stderr := runCLI(t, "clock", "--name", "host-1", "--wait", "-o", clockFile, "http://"+clockAddr)
	require.Equal(t, exitOK, code, stderr)
	assert.Regexp(t, `^host-1: offset [+-][0-9.]+[nµm]?s ± [0-9.]+[nµm]?s \(round trip [0-9.]+[nµm]?s\) against multi; wrote .*host-1.clock.json \(1 measurement\)\n`+
		`host-1: waiting [0-9.]+m?s for slot 1/1, due at [0-9:.]+ on this machine's clock\n$`, stdout)
	results := filepath.Join(dir, "host-1.json")
	paceLoad(t, results, "host-1", svc.URL+"/call/iam", time.Now(), 50, 20*time.Millisecond)
	require.NoError(t, <-done)
	assert.Contains(t, serveOut.String(), "served: 50 requests reached the fakes; records in "+filepath.Join(served, "multi"))

	out := filepath.Join(dir, "out")
	code, stdout, stderr = runCLI(t, "merge", "--out", out, "--no-report", filepath.Join(served, "multi"), results, clockFile)
	assert.Equal(t, exitOK, code, stdout+stderr)
	assert.Regexp(t, `ATTACKER +CALLS +OFFSET +ERROR BOUND +MATCHED +FILES\nhost-1 +50 +[+-][0-9.]+[nµm]?s +±[0-9.]+[nµm]?s +50 +host-1.json\n`, stdout)
	assert.Contains(t, stdout, "merged load: 50 calls of 50 planned (100%)")
	assert.Contains(t, stdout, "tolerance: 1ms + clock error ")
	assert.Regexp(t, `multi +external .* 50 +\d+ +\d+ +0 +\d+ +\d+ +PASS \(\d+ not checked\)`, stdout)

	t.Run("a second measurement is added to the file", func(t *testing.T) {
		cf := filepath.Join(dir, "again.clock.json")
		data, err := os.ReadFile(clockFile)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(cf, data, 0o644))
		// The clock is gone with serve: measuring now is bad input.
		code, _, stderr := runCLI(t, "clock", "--name", "host-1", "-o", cf, "http://"+clockAddr)
		assert.Equal(t, exitUsage, code)
		assert.Contains(t, stderr, "is breakerlab serve running")
	})
	t.Run("merge refuses bad input", func(t *testing.T) {
		for _, tt := range []struct {
			args []string
			want string
		}{
			{[]string{filepath.Join(served, "multi")}, "merge: want the served run's directory and the load machines' files, got 1 arguments"},
			{[]string{filepath.Join(served, "multi"), filepath.Join(dir, "nope.bin"), clockFile}, "nope.bin: no such file"},
			{[]string{filepath.Join(served, "multi"), results}, `attack "host-1" has no clock file`},
			{[]string{filepath.Join(out, "multi"), results, clockFile}, "already holds 50 calls"},
			{[]string{"--drift-ppm", "0", filepath.Join(served, "multi"), results, clockFile}, "--drift-ppm 0: want > 0"},
		} {
			code, _, stderr := runCLI(t, append([]string{"merge", "--out", filepath.Join(dir, "out2")}, tt.args...)...)
			assert.Equal(t, exitUsage, code, "%q", tt.args)
			assert.Contains(t, stderr, tt.want, "%q", tt.args)
		}
	})
}

func TestServeAndClockRefuseBadInput(t *testing.T) {
	dir := t.TempDir()
	noListen := writeFile(t, dir, "nolisten.yaml", "name: nl\nmode: external\nduration: 1s\ntarget: {url: http://127.0.0.1:1}\ndependencies: [{name: iam, target: {url: /x}}]\nload: {rate: 10/s}\n")
	ok := writeFile(t, dir, "ok.yaml", fmt.Sprintf(multiScenario, "http://127.0.0.1:1", loopbackAddr(t)))
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"serve"}, "serve: want one scenario, got 0 arguments"},
		{[]string{"serve", noListen}, "nolisten.yaml:5:17: dependencies[0]: no listen address"},
		{[]string{"serve", "--clock", "0.0.0.0:0", ok}, `clock address "0.0.0.0:0" is off loopback`},
		{[]string{"serve", "--start-in", "-1s", ok}, "--start-in -1s"},
		{[]string{"clock", "http://127.0.0.1:1"}, `clock: --name "": want the attacker's name`},
		{[]string{"clock", "--name", "h", "--slot", "3/2", "http://127.0.0.1:1"}, `--slot "3/2": want I/N`},
		{[]string{"clock", "--name", "h", "ftp://x"}, `"ftp://x": want the clock's URL`},
		{[]string{"clock", "--name", "h", "-o", filepath.Join(dir, "h.clock.json"), "http://" + loopbackAddr(t)}, "is breakerlab serve running"},
	} {
		code, _, stderr := runCLI(t, tt.args...)
		assert.Equal(t, exitUsage, code, "%q: %s", tt.args, stderr)
		assert.Contains(t, stderr, tt.want, "%q", tt.args)
	}
}
