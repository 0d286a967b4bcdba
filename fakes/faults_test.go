package fakes_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFaultsValidate(t *testing.T) {
	tests := []struct {
		f     fakes.Faults
		field string
	}{
		{fakes.Faults{ErrorRate: 1.5}, "error_rate"},
		{fakes.Faults{ErrorRate: -0.1}, "error_rate"},
		{fakes.Faults{HangRate: 2}, "hang_rate"},
		{fakes.Faults{ErrorRate: 0.6, ResetRate: 0.6}, "error_rate"},
		{fakes.Faults{ErrorStatus: 200}, "error_status"},
		{fakes.Faults{Latency: fakes.Latency{P50: 2 * time.Second, P99: time.Second}}, "latency.p99"},
		{fakes.Faults{Timeout: fakes.Timeout{Rate: 0.1}}, "timeout.after"},
		{fakes.Faults{Timeout: fakes.Timeout{After: -time.Second}}, "timeout.after"},
		{fakes.Faults{SlowBody: fakes.SlowBody{Rate: 0.1}}, "slow_body.bytes_per_sec"},
		{fakes.Faults{MaxInFlight: -1}, "max_in_flight"},
		{fakes.Faults{BodyBytes: -1}, "body_bytes"},
		{fakes.Faults{Sequence: fakes.Sequence{Steps: []fakes.Step{{Fault: "error"}, {Fault: "boom"}}}}, "sequence.steps[1].fault"},
		{fakes.Faults{Sequence: fakes.Sequence{Steps: []fakes.Step{{Fault: "latency"}}}}, "sequence.steps[0].fault"},
		{fakes.Faults{Sequence: fakes.Sequence{Steps: []fakes.Step{{Fault: "error", Count: -2}}}}, "sequence.steps[0].count"},
		{fakes.Faults{Sequence: fakes.Sequence{Repeat: true}}, "sequence.repeat"},
		{fakes.Faults{Sequence: fakes.Sequence{Start: -1}}, "sequence.start"},
	}
	for _, tt := range tests {
		err := tt.f.Validate()
		var fe *fakes.FieldError
		if assert.True(t, errors.As(err, &fe), "%+v: want a FieldError, got %v", tt.f, err) {
			assert.Equal(t, tt.field, fe.Field, "%v", err)
			assert.Contains(t, err.Error(), "fakes: "+tt.field+": ")
		}
	}
	ok := fakes.Faults{ErrorRate: 0.5, ResetRate: 0.5, ErrorStatus: 503}
	assert.NoError(t, ok.Validate())
	assert.NoError(t, fakes.Faults{}.Validate())
}

func TestFaultsOver(t *testing.T) {
	base, err := fakes.Preset("iam")
	require.NoError(t, err)
	got := fakes.Faults{ErrorRate: 1, Down: true}.Over(base)
	assert.Equal(t, 1.0, got.ErrorRate)
	assert.True(t, got.Down)
	assert.Equal(t, base.Latency, got.Latency, "zero fields keep the base")
	assert.Equal(t, base.ErrorStatus, got.ErrorStatus)

	lat := fakes.Latency{P50: time.Millisecond}
	got = fakes.Faults{Latency: lat}.Over(base)
	assert.Equal(t, lat, got.Latency, "a latency replaces the base's whole")
	assert.Equal(t, base.ErrorRate, got.ErrorRate)
}

func TestFaultsDescribe(t *testing.T) {
	assert.Equal(t, "healthy", fakes.Faults{}.Describe())
	assert.Equal(t, "error_rate 100%, latency lognormal p50 15ms p99 80ms",
		fakes.Faults{ErrorRate: 1, Latency: fakes.Latency{P50: 15 * time.Millisecond, P99: 80 * time.Millisecond}}.Describe())
	assert.Equal(t, "down", fakes.Faults{Down: true}.Describe())
	assert.Equal(t, "timeout 2.5% after 1s, sequence 5×error,1×none repeated",
		fakes.Faults{Timeout: fakes.Timeout{Rate: 0.025, After: time.Second},
			Sequence: fakes.Sequence{Repeat: true, Steps: []fakes.Step{{Fault: "error", Count: 5}, {Fault: "none"}}}}.Describe())
}

func TestKinds(t *testing.T) {
	want := []string{"none", "error", "latency", "hang", "timeout", "reset", "down", "slow_body", "truncate", "overload"}
	for i, k := range fakes.Kinds() {
		assert.Equal(t, want[i], k.String())
		back, err := fakes.ParseKind(want[i])
		require.NoError(t, err)
		assert.Equal(t, k, back)
	}
	_, err := fakes.ParseKind("explode")
	assert.ErrorContains(t, err, `unknown fault kind "explode"`)
}

func TestPresets(t *testing.T) {
	assert.Equal(t, []string{"data-governance", "eris", "iam", "llm-gateway", "policy", "ubi"}, fakes.Presets())
	for _, name := range fakes.Presets() {
		f, err := fakes.Preset(name)
		require.NoError(t, err)
		assert.NoError(t, f.Validate(), name)
		assert.NotEmpty(t, fakes.PresetAbout(name))
	}
	iam, _ := fakes.Preset("iam")
	llm, _ := fakes.Preset("llm-gateway")
	assert.Less(t, iam.Latency.P99, llm.Latency.P50, "IAM is fast, the LLM gateway slow")
	assert.Equal(t, "pareto", llm.Latency.Dist)

	_, err := fakes.Preset("ldap")
	assert.ErrorIs(t, err, fakes.ErrUnknownPreset)
	assert.ErrorContains(t, err, "want one of data-governance, eris, iam, llm-gateway, policy, ubi")
}

func TestKindJSON(t *testing.T) {
	b, err := json.Marshal(map[string]fakes.Kind{"k": fakes.KindSlowBody})
	require.NoError(t, err)
	assert.JSONEq(t, `{"k":"slow_body"}`, string(b))
	var back map[string]fakes.Kind
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, fakes.KindSlowBody, back["k"])
	assert.Error(t, json.Unmarshal([]byte(`{"k":"boom"}`), &back))
	assert.Equal(t, "Kind(99)", fakes.Kind(99).String())
	_, err = fakes.Kind(99).MarshalText()
	assert.Error(t, err)
}
