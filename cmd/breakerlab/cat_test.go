package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

func runCat(args ...string) (stdout, stderr string, code int) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"cat"}, args...), &out, &errOut)
	code = exitCode(err, &errOut)
	return out.String(), errOut.String(), code
}

func TestCatCommand(t *testing.T) {
	dir := t.TempDir()
	w, err := record.Create(dir, record.Meta{Scenario: "demo", Mode: record.ModeSim}, record.WriterOptions{})
	require.NoError(t, err)
	require.NoError(t, w.WriteCall(record.Call{Seq: 1, Dep: "iam", StartNs: 10, EndNs: 25, Outcome: record.OutcomeFailure, Gen: 1, Err: "injected error"}))
	require.NoError(t, w.WriteCall(record.Call{Seq: 2, Dep: "iam", StartNs: 30, EndNs: 30, Outcome: record.OutcomeRejected, Gen: 2, Reject: record.RejectOpen, Err: "breaker: circuit open"}))
	require.NoError(t, w.WriteDepRequest(record.DepRequest{Dep: "iam", Seq: 1, AtNs: 11, Fault: "error", LatencyNs: 14, Status: 500, Err: "injected error"}))
	require.NoError(t, w.Close())

	stdout, stderr, code := runCat(filepath.Join(dir, record.CallsFile), filepath.Join(dir, record.DependencyFile))
	assert.Equal(t, exitOK, code, stderr)
	assert.Equal(t, `{"seq":1,"dep":"iam","start_ns":10,"end_ns":25,"outcome":"failure","fallback":false,"gen":1,"err":"injected error"}
{"seq":2,"dep":"iam","start_ns":30,"end_ns":30,"outcome":"rejected","fallback":false,"gen":2,"reject":"open","err":"breaker: circuit open"}
{"dep":"iam","seq":1,"at_ns":11,"fault":"error","latency_ns":14,"status":500,"err":"injected error"}
`, stdout)
	assert.Empty(t, stderr)

	meta, _, code := runCat(filepath.Join(dir, record.MetaFile))
	assert.Equal(t, exitOK, code)
	assert.Contains(t, meta, `"scenario": "demo"`, "other files as they are")

	// A killed run: the end of the stream is gone.
	data, err := os.ReadFile(filepath.Join(dir, record.CallsFile))
	require.NoError(t, err)
	cut := filepath.Join(t.TempDir(), record.CallsFile)
	require.NoError(t, os.WriteFile(cut, data[:len(data)-4], 0o644))
	_, stderr, code = runCat(cut)
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stderr, "warning: "+cut+": cut off mid-stream")
}

func TestCatCommandFindsSchema1Files(t *testing.T) {
	dir := t.TempDir()
	line := `{"seq":1,"dep":"iam","start_ns":10,"end_ns":25,"outcome":"success","fallback":false,"gen":1,"err":""}` + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "calls.jsonl"), []byte(line), 0o644))
	stdout, _, code := runCat(filepath.Join(dir, record.CallsFile))
	assert.Equal(t, exitOK, code)
	assert.Equal(t, line, stdout)
}

func TestCatCommandBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.bin")
	require.NoError(t, os.WriteFile(bad, []byte("breakerlab calls v9: from the future\n"), 0o644))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no file", nil, "cat: no file given"},
		{"missing", []string{filepath.Join(dir, "nope.bin")}, "nope.bin: no such file"},
		{"directory", []string{dir}, "is a directory; give one of its files, e.g. " + filepath.Join(dir, record.CallsFile)},
		{"other version", []string{bad}, "bad.bin: binary records of version 9, want 2"},
		{"bad flag", []string{"--nope"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runCat(tt.args...)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, stderr, tt.want)
		})
	}
}
