package fakes_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// call makes a control request and returns the status and decoded body.
func call(t *testing.T, c *http.Client, method, url, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), "%s", b)
	return resp.StatusCode, m
}

func TestControlAPIEndToEnd(t *testing.T) {
	f := newFake(t, fakes.Config{Preset: "iam", Seed: 42})
	s := newServer(t, f)
	c := client(5 * time.Second)
	defer c.CloseIdleConnections()
	api := s.ControlURL()

	status, m := call(t, c, "GET", api+"faults", "")
	require.Equal(t, 200, status)
	assert.Equal(t, "iam", m["fake"])
	assert.Equal(t, "iam", m["preset"])
	assert.EqualValues(t, 42, m["seed"])
	active := m["active"].(map[string]any)
	assert.Equal(t, map[string]any{"dist": "lognormal", "p50": "8ms", "p99": "40ms"}, active["latency"], "durations are strings")
	assert.Equal(t, map[string]any{}, m["faults"], "nothing over the preset yet")

	// An outage over the preset, durations as strings and as nanoseconds.
	status, m = call(t, c, "PUT", api+"fakes/iam/faults", `{"error_rate": 1, "error_status": 503, "latency": {"p50": "1ms", "jitter": 500000}}`)
	require.Equal(t, 200, status, "%v", m)
	active = m["active"].(map[string]any)
	assert.EqualValues(t, 1, active["error_rate"])
	assert.Equal(t, map[string]any{"p50": "1ms", "jitter": "500µs"}, active["latency"])

	for seq := range 5 {
		resp, err := get(t, c, s.URL()+"/v1/token", 100+seq)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, 503, resp.StatusCode)
	}
	status, m = call(t, c, "GET", api+"counters", "")
	require.Equal(t, 200, status)
	assert.EqualValues(t, 5, m["requests"])
	assert.EqualValues(t, 5, m["error"])
	assert.EqualValues(t, 104, m["last_seq"])

	status, m = call(t, c, "GET", api+"log?since=3&limit=10", "")
	require.Equal(t, 200, status)
	recs := m["records"].([]any)
	require.Len(t, recs, 2)
	last := recs[1].(map[string]any)
	assert.EqualValues(t, 104, last["seq"])
	assert.Equal(t, "error", last["fault"])
	assert.EqualValues(t, 503, last["status"])
	assert.EqualValues(t, 5, m["next"])

	// A schedule: healthy now, an outage from 1 h (never reached here).
	status, m = call(t, c, "POST", api+"schedule", `{"phases": [{"at": "0s", "label": "calm"}, {"at": "1h", "down": true}]}`)
	require.Equal(t, 200, status, "%v", m)
	assert.Equal(t, "calm", m["phase"])
	sched := m["schedule"].(map[string]any)
	assert.Equal(t, "1h0m0s", sched["phases"].([]any)[1].(map[string]any)["at"])
	status, m = call(t, c, "DELETE", api+"schedule", "")
	require.Equal(t, 200, status)
	assert.Nil(t, m["schedule"])

	status, m = call(t, c, "POST", api+"reset", "")
	require.Equal(t, 200, status)
	assert.EqualValues(t, 0, m["requests"])
	assert.EqualValues(t, 0, f.Faults().ErrorRate-0.001, "reset restores the preset's faults")

	status, m = call(t, c, "GET", api, "")
	require.Equal(t, 200, status)
	assert.Equal(t, true, m["listening"])
	assert.Equal(t, s.URL()+"/", m["fakes"].([]any)[0].(map[string]any)["url"])
}

func TestControlAPIRejectsBadInput(t *testing.T) {
	f := newFake(t, fakes.Config{Name: "iam"})
	s := newServer(t, f)
	c := client(5 * time.Second)
	defer c.CloseIdleConnections()
	api := s.ControlURL()
	for _, tt := range []struct {
		method, path, body string
		status             int
		want               string
	}{
		{"PUT", "faults", `{"error_rate": 1.5}`, 400, "error_rate: must be within 0..1, got 1.5"},
		{"PUT", "faults", `{"eror_rate": 0.5}`, 400, `unknown field "eror_rate"`},
		{"PUT", "faults", `{"error_rate": "lots"}`, 400, "error_rate: cannot use a JSON string here"},
		{"PUT", "faults", `{"latency": {"p50": "20xs"}}`, 400, `latency.p50: bad duration "20xs"`},
		{"PUT", "faults", `{"latency": {"p50": "20ms", "p99": "5ms"}}`, 400, "latency.p99: 5ms is below p50 20ms"},
		{"PUT", "faults", `{"error_rate": 0.5`, 400, "malformed JSON"},
		{"PUT", "faults", `{} {}`, 400, "more than one value"},
		{"PUT", "faults", ``, 400, "empty body"},
		{"PUT", "faults", `[1, 2]`, 400, "cannot use a JSON array"},
		{"PUT", "faults", strings.Repeat(" ", 2<<20) + "{}", 413, "body too large: at most 1048576 bytes"},
		{"POST", "schedule", `{"phases": [{"at": "1m"}, {"at": "30s"}]}`, 400, "schedule.phases[1].at: 30s is not after phases[0].at 1m0s"},
		{"POST", "schedule", `{"flap": {"period": 0}}`, 400, "schedule.flap.period: must be > 0"},
		{"GET", "log?since=-1", ``, 400, "since:"},
		{"GET", "log?limit=0", ``, 400, "limit:"},
		{"GET", "fakes/ldap/faults", ``, 404, `no fake named "ldap"`},
		{"GET", "nothing", ``, 404, "no control route"},
		{"PATCH", "faults", `{}`, 405, "PATCH /_breakerlab/faults: method not allowed, want GET or PUT"},
		{"PATCH", "nothing", `{}`, 404, "no control route PATCH /_breakerlab/nothing"},
	} {
		status, m := call(t, c, tt.method, api+tt.path, tt.body)
		assert.Equal(t, tt.status, status, "%s %s %.40s", tt.method, tt.path, tt.body)
		assert.Contains(t, m["error"], tt.want, "%s %s %.40s", tt.method, tt.path, tt.body)
	}
	assert.Zero(t, f.Active().ErrorRate, "nothing bad was applied")
}

// A route asked with a method it does not have answers 405 and says which
// methods it has.
func TestControlAPIWrongMethod(t *testing.T) {
	s := newServer(t, newFake(t, fakes.Config{Name: "iam"}), newFake(t, fakes.Config{Name: "eris"}))
	c := client(5 * time.Second)
	defer c.CloseIdleConnections()
	for _, tt := range []struct{ method, path, allow string }{
		{"POST", "fakes/iam/faults", "GET, PUT"},
		{"GET", "fakes/eris/schedule", "POST, DELETE"},
		{"DELETE", "fakes/iam/reset", "POST"},
		{"PUT", "", "GET"},
	} {
		req, err := http.NewRequest(tt.method, s.ControlURL()+tt.path, strings.NewReader("{}"))
		require.NoError(t, err)
		resp, err := c.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "%s %s", tt.method, tt.path)
		assert.Equal(t, tt.allow, resp.Header.Get("Allow"), "%s %s", tt.method, tt.path)
	}
}

func TestControlAPIWithSeveralFakes(t *testing.T) {
	iam := newFake(t, fakes.Config{Name: "iam"})
	eris := newFake(t, fakes.Config{Name: "eris"})
	s := newServer(t, iam, eris)
	c := client(5 * time.Second)
	defer c.CloseIdleConnections()
	api := s.ControlURL()

	status, m := call(t, c, "GET", api+"faults", "")
	assert.Equal(t, 400, status)
	assert.Contains(t, m["error"], "several fakes (iam, eris): use /_breakerlab/fakes/NAME/")

	status, _ = call(t, c, "PUT", api+"fakes/eris/faults", `{"error_rate": 1}`)
	require.Equal(t, 200, status)
	assert.Equal(t, 1.0, eris.Active().ErrorRate)
	assert.Zero(t, iam.Active().ErrorRate)

	resp, err := c.Get(s.URL() + "/eris/search")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, 500, resp.StatusCode)
	resp, err = c.Get(s.URL() + "/iam/token")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)

	status, m = call(t, c, "GET", api, "")
	require.Equal(t, 200, status)
	assert.Equal(t, s.URL()+"/eris/", m["fakes"].([]any)[1].(map[string]any)["url"])
}
