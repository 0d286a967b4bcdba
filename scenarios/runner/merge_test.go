package runner_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// These tests are the multi-attacker recipe on loopback: breakerlab serves
// the fakes of externalScenario (2 s, 100 calls/s), three in-process vegeta
// attackers measure their clocks against it and attack the service at a
// third of the rate each, one of them on a clock 300 ms ahead (in its
// measurement and in its results), and Merge builds and checks the run.

// clockShift is how far the shifted attacker's clock is ahead.
const clockShift = 300 * time.Millisecond

// attacker is one load machine of a test: its name and its clock's shift.
type attacker struct {
	name  string
	shift time.Duration
}

var threeAttackers = []attacker{{"host-1", 0}, {"host-2", clockShift}, {"host-3", 0}}

// attacked is what a served run and its attackers left.
type attacked struct {
	served string // the served run's directory
	info   runner.ServeInfo
	files  []string // per attacker: its results file, then its clock file
}

// serveAndAttack serves externalScenario at rate calls/s in front of a
// service whose breaker opens at threshold failures, and runs the
// attackers against it, each at its share of the rate.
func serveAndAttack(t *testing.T, threshold, rate int, attackers []attacker) attacked {
	t.Helper()
	return serveAndAttackWith(t, threshold, rate, attackers, attackSetup{stagger: true, forwardAttack: true})
}

// attackSetup varies serveAndAttack.
type attackSetup struct {
	// stagger starts the attacks in their slots ('breakerlab clock --wait
	// --slot i/n'); else all at once, and their calls of one seq are sent
	// together, as when the vegeta processes' start-up swallows the
	// stagger.
	stagger bool
	// forwardAttack has the service forward the attack's name with its seq.
	forwardAttack bool
}

// serveAndAttackWith is serveAndAttack set up by how.
func serveAndAttackWith(t *testing.T, threshold, rate int, attackers []attacker, how attackSetup) attacked {
	t.Helper()
	listen := freeAddr(t)
	svc := serviceForwarding(t, "http://"+listen, threshold, how.forwardAttack)
	yaml := strings.Replace(fmt.Sprintf(externalScenario, svc.URL, listen), "rate: 100/s", fmt.Sprintf("rate: %d/s", rate), 1)
	sc, err := scenarios.Parse("ext.yaml", []byte(yaml))
	require.NoError(t, err)
	ready := make(chan runner.ServeInfo, 1)
	done := make(chan error, 1)
	go func() {
		_, err := runner.Serve(context.Background(), sc, runner.ServeOptions{
			Out: t.TempDir(), StartIn: 300 * time.Millisecond, Ready: func(i runner.ServeInfo) { ready <- i },
		})
		done <- err
	}()
	var info runner.ServeInfo
	select {
	case info = <-ready:
	case err := <-done:
		require.NoError(t, err)
	}
	files := make([]string, 2*len(attackers))
	dir := t.TempDir()
	attacks := make(chan error, len(attackers))
	for i, a := range attackers {
		now := func() time.Time { return time.Now().Add(a.shift) }
		reading, m, err := runner.MeasureClock(context.Background(), info.ClockURL, runner.ClockOptions{Now: now})
		require.NoError(t, err)
		files[2*i+1] = filepath.Join(dir, a.name+runner.ClockFileSuffix)
		_, err = runner.AddMeasurement(files[2*i+1], a.name, info.ClockURL, reading, m)
		require.NoError(t, err)
		files[2*i] = filepath.Join(dir, a.name+".bin")
		// Each attack starts in its slot, on its own clock, as
		// 'breakerlab clock --wait --slot i/n' has it.
		slot := 1
		if how.stagger {
			slot = i + 1
		}
		start := runner.StartAt(reading, m, slot, len(attackers))
		go func() {
			time.Sleep(start.Sub(now()))
			attacks <- attack(files[2*i], info.Fakes[0].Target, a, rate, len(attackers), sc.Duration)
		}()
	}
	for range attackers {
		require.NoError(t, <-attacks)
	}
	require.NoError(t, <-done)
	return attacked{served: info.Dir, info: info, files: files}
}

// attack runs one attacker's share (of of them) of rate calls/s at target
// and writes its results to path, their times on its own clock.
func attack(path, target string, a attacker, rate, of int, d time.Duration) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	atk := vegeta.NewAttacker(vegeta.Client(&http.Client{Transport: tr, Timeout: 5 * time.Second}))
	enc := vegeta.NewEncoder(f)
	pace := vegeta.ConstantPacer{Freq: rate, Per: time.Duration(of) * time.Second}
	for res := range atk.Attack(vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: target}), pace, d, a.name) {
		res.Timestamp = res.Timestamp.Add(a.shift)
		if err := enc.Encode(res); err != nil {
			return err
		}
	}
	return nil
}

func TestMergeThreeAttackers(t *testing.T) {
	run := serveAndAttack(t, 5, 100, threeAttackers)
	out := t.TempDir()
	m, err := runner.Merge(run.served, run.files, runner.MergeOptions{Out: out})
	require.NoError(t, err)
	require.Len(t, m.Attackers, 3)

	t.Run("each clock offset is measured within its bound", func(t *testing.T) {
		for i, a := range m.Attackers {
			want := -threeAttackers[i].shift
			assert.Equal(t, threeAttackers[i].name, a.Name)
			assert.Positive(t, a.ErrorNs)
			assert.Less(t, a.ErrorNs, int64(5*time.Millisecond), "a loopback round trip and 2.5 s of drift allowance")
			assert.InDelta(t, int64(want), a.OffsetNs, float64(a.ErrorNs), "%s: offset %s, bound %s", a.Name, time.Duration(a.OffsetNs), time.Duration(a.ErrorNs))
			assert.InDelta(t, 67, a.Calls, 5, "a third of 100/s for 2 s")
			assert.LessOrEqual(t, a.ErrorNs, m.ClockError.Nanoseconds())
		}
	})
	t.Run("the merged calls are sorted and numbered once", func(t *testing.T) {
		rec, err := record.Read(m.Result.Dir)
		require.NoError(t, err)
		require.Len(t, rec.Calls, m.Attackers[0].Calls+m.Attackers[1].Calls+m.Attackers[2].Calls)
		for i, c := range rec.Calls {
			require.Equal(t, uint64(i), c.Seq)
			if i > 0 {
				require.LessOrEqual(t, rec.Calls[i-1].StartNs, c.StartNs, "call %d", i)
			}
			require.GreaterOrEqual(t, c.StartNs, -m.ClockError.Nanoseconds(), "no call before the schedule")
		}
		assert.Equal(t, m.ClockError.Nanoseconds(), rec.Meta.ClockErrorNs, "meta.json carries the bound for the checker")
		calls := map[uint64]record.Call{}
		for _, c := range rec.Calls {
			calls[c.Seq] = c
		}
		linked := 0
		for _, q := range rec.DepRequests {
			if !q.SeqSent {
				continue
			}
			linked++
			c, ok := calls[q.Seq]
			require.True(t, ok, "a linked request's seq is a merged call's")
			assert.NotEqual(t, record.OutcomeRejected, c.Outcome)
			assert.InDelta(t, c.StartNs, q.AtNs, float64(c.EndNs-c.StartNs+2*rec.Meta.ClockErrorNs))
		}
		assert.Equal(t, m.Attackers[0].Matched+m.Attackers[1].Matched+m.Attackers[2].Matched, linked)
	})
	t.Run("the merged load kept to the plan", func(t *testing.T) {
		assert.Empty(t, m.Arrival.Short)
		assert.Empty(t, m.Arrival.Bunched, "staggered attacks")
		assert.Equal(t, m.Requests, m.Matched, "every request at the fake matched to its call")
		assert.InDelta(t, 200, m.Arrival.Planned, 0.5)
		assert.InDelta(t, 200, m.Arrival.Achieved, 20)
	})
	t.Run("a correct breaker passes", func(t *testing.T) {
		require.NotNil(t, m.Result.Verdict)
		assert.True(t, m.Result.Passed(), "%+v", m.Result.Verdict.Checks)
		assert.GreaterOrEqual(t, m.Result.Stats.Transitions, 3, "it opened, half-opened and closed")
		assert.Positive(t, m.Result.Stats.Rejected)
	})
	t.Run("two attackers of three fall short of the plan", func(t *testing.T) {
		m, err := runner.Merge(run.served, run.files[:4], runner.MergeOptions{Out: t.TempDir()})
		require.ErrorIs(t, err, runner.ErrRateShort)
		assert.Regexp(t, `^runner: achieved rate well short of the target: ext: the merged load: \d+ calls of 200 planned \(\d+%\) from 0s to 2s; `+
			`run one attack per load machine at the plan's rate divided by the number of machines`, err.Error())
		assert.Less(t, float64(m.Arrival.Achieved), 0.7*m.Arrival.Planned, "two thirds of the load at most")
		require.NotNil(t, m.Result.Verdict)
		assert.False(t, m.Result.Passed())
		assert.Contains(t, m.Result.Verdict.Incomplete, "the load fell short of the scenario's rate")
	})
	t.Run("a file of two attacks, interleaved as vegeta merges them", func(t *testing.T) {
		both := filepath.Join(t.TempDir(), "both.bin")
		interleave(t, both, run.files[0], run.files[4])
		files := []string{both, run.files[1], run.files[2], run.files[3], run.files[5]}
		bm, err := runner.Merge(run.served, files, runner.MergeOptions{Out: t.TempDir()})
		require.NoError(t, err)
		require.Len(t, bm.Attackers, 3)
		for i, name := range []string{"host-1", "host-3", "host-2"} {
			a := bm.Attackers[i]
			assert.Equal(t, name, a.Name)
			assert.Equal(t, m.Attackers[slices.IndexFunc(m.Attackers, func(o record.Attacker) bool { return o.Name == name })].Calls, a.Calls)
		}
		assert.Equal(t, []string{both}, bm.Attackers[0].Files)
		assert.Equal(t, m.Result.Stats, bm.Result.Stats, "the same run")
		assert.True(t, bm.Result.Passed())
	})
	t.Run("a file cut off mid-result is merged up to the cut", func(t *testing.T) {
		data, err := os.ReadFile(run.files[0])
		require.NoError(t, err)
		cut := filepath.Join(t.TempDir(), "host-1.bin")
		require.NoError(t, os.WriteFile(cut, data[:len(data)-10], 0o644))
		files := append([]string{cut}, run.files[1:]...)
		cm, err := runner.Merge(run.served, files, runner.MergeOptions{Out: t.TempDir()})
		require.NoError(t, err)
		assert.Equal(t, m.Attackers[0].Calls-1, cm.Attackers[0].Calls)
		want := fmt.Sprintf("%s: cut off after %d results; the rest was merged", cut, m.Attackers[0].Calls-1)
		require.NotEmpty(t, cm.Warnings)
		assert.Equal(t, want, cm.Warnings[0])
		if len(cm.Warnings) > 1 { // the cut call's request, if the service sent one
			assert.Regexp(t, `^1 of the \d+ requests that carried a seq fit no call of it that had not been matched already`, cm.Warnings[1])
		}
		assert.Contains(t, cm.Result.Verdict.Warnings, want, "the verdict says so too")
	})
	t.Run("a wrong clock offset is pointed out", func(t *testing.T) {
		// host-2's clock file says it is on time (host-1's measurement),
		// but its results are 300 ms ahead: its requests are not where
		// its calls say.
		host1, err := runner.ReadClockFile(run.files[1])
		require.NoError(t, err)
		wrong := writeClock(t, t.TempDir(), "host-2", host1)
		files := append(append(run.files[:3:3], wrong), run.files[4:]...)
		wm, err := runner.Merge(run.served, files, runner.MergeOptions{Out: t.TempDir()})
		require.NoError(t, err)
		require.Len(t, wm.Warnings, 1)
		assert.Regexp(t, `^host-2 \(.*host-2.bin\): \d+ of its \d+ calls the service admitted have no request of their seq at the fake within their span ±[0-9.]+µs: its clock offset \([0-9.-]+[nµ]s\) looks wrong; measure its clock again$`, wm.Warnings[0])
		assert.Empty(t, m.Warnings, "with the right offsets, no warning")
	})
	t.Run("bad input names the file", func(t *testing.T) { badInputs(t, run, m.Result.Dir) })
}

// A breaker that opens one failure late fails the merged run on I2. The
// load is 50 calls/s: calls 20 ms apart do not overlap even on a loaded
// machine, and the 6th failure cannot hide behind the 5th.
func TestMergeCatchesAPlantedBug(t *testing.T) {
	run := serveAndAttack(t, 6, 50, threeAttackers[:2])
	m, err := runner.Merge(run.served, run.files, runner.MergeOptions{Out: t.TempDir()})
	require.NoError(t, err)
	require.NotNil(t, m.Result.Verdict)
	assert.Positive(t, m.Requests)
	assert.Equal(t, m.Requests, m.Matched, "every request at the fake matched to its call")
	assert.Empty(t, m.Arrival.Bunched, "staggered attacks")
	assert.False(t, m.Result.Passed())
	c, ok := m.Result.Verdict.Check("I2")
	require.True(t, ok)
	require.False(t, c.Passed, "%+v", m.Result.Verdict.Checks)
	require.NotEmpty(t, c.Violations)
	assert.Equal(t, 1, c.Violations[0].Rule, c.Violations[0].Message)
}

// Two attackers started together send their calls of each seq at once:
// the seq a request at the fake carries names a call of each, and the
// calls come in pairs the plan spaces 10 ms apart, so that the 6th
// failure can hide behind the 5th. With the attack's name forwarded,
// every request is matched to its call; either way the run is
// incomplete, never a pass of the breaker that opens one failure late.
func TestMergeCatchesAPlantedBugUnstaggered(t *testing.T) {
	t.Run("the service forwards the attack's name", func(t *testing.T) {
		run := serveAndAttackWith(t, 6, 50, threeAttackers[:2], attackSetup{forwardAttack: true})
		m, err := runner.Merge(run.served, run.files, runner.MergeOptions{Out: t.TempDir()})
		require.NoError(t, err)
		rec, err := record.Read(m.Result.Dir)
		require.NoError(t, err)
		require.NotEmpty(t, rec.DepRequests)
		assert.Equal(t, len(rec.DepRequests), m.Attackers[0].Matched+m.Attackers[1].Matched, "every request at the fake matched to its call")
		assert.Equal(t, len(rec.DepRequests), m.Matched)
		assert.Equal(t, len(rec.DepRequests), m.Requests)
		assert.Empty(t, m.Unmatched)
		assert.False(t, m.Result.Passed(), "%+v", m.Result.Verdict.Checks)
		assert.Regexp(t, `^the attackers' calls came in bunches: \d+ of \d+ calls began within 3/4 of the planned interval of another attacker's call`, m.Arrival.Bunched)
		assert.Greater(t, m.Arrival.Close, m.Arrival.Achieved/3, "every other call began with another attacker's")
		assert.Equal(t, "the merged run cannot be judged in full: "+m.Arrival.Bunched, m.Result.Verdict.Incomplete)
	})
	t.Run("the service forwards the seq only", func(t *testing.T) {
		run := serveAndAttackWith(t, 6, 50, threeAttackers[:2], attackSetup{})
		m, err := runner.Merge(run.served, run.files, runner.MergeOptions{Out: t.TempDir()})
		require.NoError(t, err)
		require.NotNil(t, m.Result.Verdict)
		assert.False(t, m.Result.Passed(), "requests left unmatched must not let the run pass")
		assert.Less(t, m.Matched, m.Requests/2, "the attackers' calls of a seq are in flight together")
		assert.Regexp(t, `^\d+ of the \d+ requests that carried a seq \(from [0-9.]+m?s to [0-9.]+m?s\) fit more than one call of that seq: `, m.Unmatched)
		assert.Contains(t, m.Result.Verdict.Incomplete, "the merged run cannot be judged in full: "+m.Unmatched)
	})
}

// badInputs merges broken sets of the run's files: each error names the
// file and what is wrong with it.
func badInputs(t *testing.T, run attacked, merged string) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
		return p
	}
	clock, err := runner.ReadClockFile(run.files[1])
	require.NoError(t, err)
	otherRun := clock
	otherRun.T0 = otherRun.T0.Add(-time.Hour)
	for _, tt := range []struct {
		name  string
		files []string
		is    error
		want  []string
	}{
		{"a file that does not exist", []string{filepath.Join(dir, "host-9.bin"), run.files[1]}, runner.ErrAttackFile, []string{"host-9.bin", "no such file"}},
		{"not vegeta results", []string{write("notes.bin", "hello\n"), run.files[1]}, runner.ErrAttackFile, []string{"notes.bin", "not vegeta results"}},
		{"results without a clock", run.files[:1], runner.ErrClock, []string{"host-1.bin", `attack "host-1" has no clock file`, "breakerlab clock --name host-1"}},
		{"a clock of no attacker", append(run.files[:2:2], writeClock(t, dir, "host-9", clock)), runner.ErrClock, []string{"attacker host-9 has no results files", "host-1 (" + run.files[0] + ")"}},
		{"a clock of another run", []string{run.files[0], writeClock(t, dir, "host-1", otherRun)}, runner.ErrClock, []string{"host-1" + runner.ClockFileSuffix, "a clock file of another run"}},
		{"not a clock file", []string{run.files[0], write("bogus"+runner.ClockFileSuffix, `{"nom": 1}`)}, runner.ErrClock, []string{"bogus" + runner.ClockFileSuffix, "not a clock file"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runner.Merge(run.served, tt.files, runner.MergeOptions{Out: t.TempDir()})
			require.ErrorIs(t, err, tt.is)
			for _, w := range tt.want {
				assert.ErrorContains(t, err, w)
			}
		})
	}
	t.Run("results of another scenario", func(t *testing.T) {
		p := filepath.Join(dir, "host-1.bin")
		f, err := os.Create(p)
		require.NoError(t, err)
		require.NoError(t, vegeta.NewEncoder(f).Encode(&vegeta.Result{Attack: "host-1", Code: 200, Timestamp: run.info.T0, URL: "http://127.0.0.1:1/call/llm"}))
		require.NoError(t, f.Close())
		_, err = runner.Merge(run.served, []string{p, run.files[1]}, runner.MergeOptions{Out: t.TempDir()})
		require.ErrorIs(t, err, runner.ErrAttackFile)
		assert.ErrorContains(t, err, p+": result 1 hit http://127.0.0.1:1/call/llm, which is no target of the served run ext")
	})
	t.Run("results from before the run", func(t *testing.T) {
		p := filepath.Join(dir, "early.bin")
		f, err := os.Create(p)
		require.NoError(t, err)
		require.NoError(t, vegeta.NewEncoder(f).Encode(&vegeta.Result{Attack: "host-1", Code: 200, Timestamp: run.info.T0.Add(-time.Second), URL: run.info.Fakes[0].Target}))
		require.NoError(t, f.Close())
		_, err = runner.Merge(run.served, []string{p, run.files[1]}, runner.MergeOptions{Out: t.TempDir()})
		require.ErrorIs(t, err, runner.ErrAttackFile)
		assert.ErrorContains(t, err, "early.bin: result 1 (attack host-1, seq 0) began at -1s on the fakes' clock, outside the served run's 0s to ")
		assert.ErrorContains(t, err, "the attack began before the scenario's schedule started")
	})
	t.Run("a directory serve did not record", func(t *testing.T) {
		_, err := runner.Merge(merged, run.files, runner.MergeOptions{Out: t.TempDir()})
		require.ErrorIs(t, err, runner.ErrNotServed)
		assert.ErrorContains(t, err, merged+" already holds")
	})
	t.Run("over the served records", func(t *testing.T) {
		_, err := runner.Merge(run.served, run.files, runner.MergeOptions{Out: filepath.Dir(run.served)})
		require.ErrorIs(t, err, runner.ErrNotServed)
		assert.ErrorContains(t, err, "would overwrite the served records")
	})
}

// interleave writes the results of files a and b to path one of each in
// turn, as 'vegeta encode a b' and 'vegeta report a b' read them.
func interleave(t *testing.T, path, a, b string) {
	t.Helper()
	out, err := os.Create(path)
	require.NoError(t, err)
	defer out.Close()
	var decs []vegeta.Decoder
	for _, p := range []string{a, b} {
		f, err := os.Open(p)
		require.NoError(t, err)
		defer f.Close()
		decs = append(decs, vegeta.NewDecoder(f))
	}
	dec, enc := vegeta.NewRoundRobinDecoder(decs...), vegeta.NewEncoder(out)
	for {
		var res vegeta.Result
		if err := dec.Decode(&res); err != nil {
			require.ErrorIs(t, err, io.EOF)
			return
		}
		require.NoError(t, enc.Encode(&res))
	}
}

// writeClock writes cf as attacker name's clock file in dir.
func writeClock(t *testing.T, dir, name string, cf runner.ClockFile) string {
	t.Helper()
	p := filepath.Join(dir, name+runner.ClockFileSuffix)
	reading := runner.ClockReading{Scenario: cf.Scenario, T0: cf.T0, DurationNs: cf.DurationNs}
	os.Remove(p) // a new file, not a measurement added to an old one
	_, err := runner.AddMeasurement(p, name, cf.URL, reading, cf.Measurements[0])
	require.NoError(t, err)
	return p
}
