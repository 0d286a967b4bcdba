package main

import (
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A bad --metrics address stops 'run' with exit 2 before anything runs; a
// good one is announced on stderr.
func TestRunMetricsFlag(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	pass := writeFile(t, dir, "pass.yaml", strings.Replace(outageYAML, "%s", "2", 1))
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()

	for _, tt := range []struct{ addr, want string }{
		{"9464", `run: --metrics 9464: runprom: address "9464": address 9464: missing port in address; want HOST:PORT, e.g. 127.0.0.1:9464`},
		{"0.0.0.0:9464", `run: --metrics 0.0.0.0:9464: runprom: address is not loopback: "0.0.0.0:9464" (want 127.0.0.1:PORT, [::1]:PORT or localhost:PORT); add --allow-non-loopback to serve metrics beyond this machine`},
		{taken.Addr().String(), "run: --metrics " + taken.Addr().String() + ": runprom: listen tcp " + taken.Addr().String() + ": bind: address already in use"},
	} {
		code, _, stderr := runCLI(t, "run", "--out", out, "--no-report", "--metrics", tt.addr, pass)
		assert.Equal(t, 2, code, tt.addr)
		assert.Contains(t, stderr, tt.want)
		assert.NoDirExists(t, filepath.Join(out, "cli-outage"), "nothing ran")
	}

	code, stdout, stderr := runCLI(t, "run", "--out", out, "--no-report", "--metrics", "127.0.0.1:0", pass)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "PASS")
	assert.Regexp(t, `^metrics: http://127\.0\.0\.1:\d+/metrics \(live, stress and external runs\)\n$`, stderr)
}
