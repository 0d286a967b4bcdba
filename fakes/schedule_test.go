package fakes_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/breakerlab/breakerlab/fakes"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// outage is the NFR-6 outage of scenarios/library/nfr6-iam-outage.yaml:
// healthy, IAM fails from 30 s, healthy at 2 m.
var outage = fakes.Schedule{Phases: []fakes.Phase{
	{At: 0, Label: "healthy"},
	{At: 30 * time.Second, Faults: fakes.Faults{ErrorRate: 1}},
	{At: 2 * time.Minute, Label: "recovered", Faults: fakes.Faults{ErrorRate: 0}},
}}

func TestScheduleSwitchesAtOffsets(t *testing.T) {
	clk := newClock()
	t0 := clk.Now()
	f := newFake(t, fakes.Config{Name: "iam", Seed: 1, Now: clk.Now, Schedule: &outage})
	timeline := []struct {
		at    time.Duration
		want  fakes.Kind
		phase string
	}{
		{0, fakes.KindNone, "healthy"},
		{30*time.Second - time.Nanosecond, fakes.KindNone, "healthy"},
		{30 * time.Second, fakes.KindError, "error_rate 100%"},
		{90 * time.Second, fakes.KindError, "error_rate 100%"},
		{2*time.Minute - time.Nanosecond, fakes.KindError, "error_rate 100%"},
		{2 * time.Minute, fakes.KindNone, "recovered"},
		{time.Hour, fakes.KindNone, "recovered"},
	}
	for i, step := range timeline {
		clk.Set(step.at, t0)
		d := f.Decide(int64(i))
		assert.Equal(t, step.want, d.Kind, "at %s", step.at)
		assert.Equal(t, step.at, d.Elapsed)
		assert.Equal(t, step.at, f.Elapsed())
		assert.Equal(t, step.phase, f.Phase(), "at %s", step.at)
	}
}

func TestSchedulePhasesLayOverThePreset(t *testing.T) {
	clk := newClock()
	t0 := clk.Now()
	f := newFake(t, fakes.Config{Preset: "iam", Now: clk.Now, Schedule: &outage})
	iam, _ := fakes.Preset("iam")
	assert.Equal(t, iam, f.Active(), "before the outage: the preset")
	clk.Set(time.Minute, t0)
	active := f.Active()
	assert.Equal(t, 1.0, active.ErrorRate)
	assert.Equal(t, iam.Latency, active.Latency, "the outage keeps the preset's latency")
	clk.Set(3*time.Minute, t0)
	assert.Equal(t, iam, f.Active(), "error_rate 0 returns to the preset")
}

func TestFlap(t *testing.T) {
	clk := newClock()
	t0 := clk.Now()
	f := newFake(t, fakes.Config{Now: clk.Now, Schedule: &fakes.Schedule{Flap: &fakes.Flap{
		At: 10 * time.Second, Until: 40 * time.Second, Period: 10 * time.Second, Duty: 0.3,
	}}}) // down for 3 s of every 10 s, from 10 s to 40 s
	for _, step := range []struct {
		at   time.Duration
		want fakes.Kind
	}{
		{0, fakes.KindNone}, {9 * time.Second, fakes.KindNone},
		{10 * time.Second, fakes.KindDown}, {13*time.Second - 1, fakes.KindDown},
		{13 * time.Second, fakes.KindNone}, {19 * time.Second, fakes.KindNone},
		{20 * time.Second, fakes.KindDown}, {35 * time.Second, fakes.KindNone},
		{39 * time.Second, fakes.KindNone}, {40 * time.Second, fakes.KindNone}, {50 * time.Second, fakes.KindNone},
	} {
		clk.Set(step.at, t0)
		assert.Equal(t, step.want, f.Decide(0).Kind, "at %s", step.at)
	}
}

func TestBrownoutRampsTheErrorRate(t *testing.T) {
	s := fakes.Schedule{Brownout: &fakes.Brownout{At: 10 * time.Second, RampUp: 10 * time.Second, Hold: 5 * time.Second, RampDown: 10 * time.Second, Peak: 0.8}}
	base := fakes.Faults{ErrorRate: 0.1}
	for _, step := range []struct {
		at   time.Duration
		want float64
	}{
		{0, 0.1}, {10 * time.Second, 0.1}, {15 * time.Second, 0.4}, {20 * time.Second, 0.8},
		{25 * time.Second, 0.8 * 1.0}, {30 * time.Second, 0.4}, {33 * time.Second, 0.16}, {35 * time.Second, 0.1},
	} {
		assert.InDelta(t, step.want, s.At(step.at, base).ErrorRate, 1e-9, "at %s", step.at)
	}
	forever := fakes.Schedule{Brownout: &fakes.Brownout{RampUp: 10 * time.Second, Peak: 0.5}}
	assert.InDelta(t, 0.25, forever.At(5*time.Second, fakes.Faults{}).ErrorRate, 1e-9)
	assert.InDelta(t, 0.5, forever.At(time.Hour, fakes.Faults{}).ErrorRate, 1e-9, "no hold, no ramp down: stays at the peak")
	capped := fakes.Schedule{Brownout: &fakes.Brownout{Peak: 1}}
	assert.InDelta(t, 0.7, capped.At(0, fakes.Faults{ResetRate: 0.3}).ErrorRate, 1e-9, "the rates add up to at most 1")

	// The compiled form agrees: about 40% errors 15 s in.
	clk := newClock()
	t0 := clk.Now()
	f := newFake(t, fakes.Config{Seed: 8, Now: clk.Now, Faults: base, Schedule: &s})
	clk.Set(15*time.Second, t0)
	errs := 0
	for seq := range int64(5000) {
		if f.Decide(seq).Kind == fakes.KindError {
			errs++
		}
	}
	assert.InDelta(t, 2000, errs, 150)
}

func TestScheduleValidate(t *testing.T) {
	for _, tt := range []struct {
		s     fakes.Schedule
		field string
	}{
		{fakes.Schedule{Phases: []fakes.Phase{{At: -time.Second}}}, "phases[0].at"},
		{fakes.Schedule{Phases: []fakes.Phase{{At: 0}, {At: time.Second, Faults: fakes.Faults{ErrorRate: 7}}}}, "phases[1].error_rate"},
		{fakes.Schedule{Phases: []fakes.Phase{{At: 0, Faults: fakes.Faults{Latency: fakes.Latency{P50: time.Second, P99: time.Millisecond}}}}}, "phases[0].latency.p99"},
		{fakes.Schedule{Flap: &fakes.Flap{}}, "flap.period"},
		{fakes.Schedule{Flap: &fakes.Flap{Period: time.Second, Duty: 1.5}}, "flap.duty"},
		{fakes.Schedule{Flap: &fakes.Flap{Period: time.Second, At: 5 * time.Second, Until: time.Second}}, "flap.until"},
		{fakes.Schedule{Flap: &fakes.Flap{Period: time.Second, Faults: fakes.Faults{HangRate: -1}}}, "flap.faults.hang_rate"},
		{fakes.Schedule{Brownout: &fakes.Brownout{Peak: 1.2}}, "brownout.peak"},
		{fakes.Schedule{Brownout: &fakes.Brownout{RampUp: -time.Second}}, "brownout.ramp_up"},
	} {
		err := tt.s.Validate()
		var fe *fakes.FieldError
		if assert.True(t, errors.As(err, &fe), "%+v: %v", tt.s, err) {
			assert.Equal(t, tt.field, fe.Field, "%v", err)
		}
	}
	assert.NoError(t, outage.Validate())
}

func TestSetScheduleStartsItsClockNowInSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(t, fakes.Config{Seed: 1})
		time.Sleep(time.Hour) // the fake's own start no longer matters
		require.NoError(t, f.SetSchedule(&outage))
		ctx := context.Background()
		assert.NoError(t, f.Call(ctx))
		time.Sleep(30 * time.Second)
		assert.ErrorIs(t, f.Call(ctx), fakes.ErrInjected)
		time.Sleep(90 * time.Second)
		assert.NoError(t, f.Call(ctx))

		require.NoError(t, f.SetSchedule(nil))
		assert.Nil(t, f.Schedule())
		assert.Equal(t, "base", f.Phase())
	})
}
