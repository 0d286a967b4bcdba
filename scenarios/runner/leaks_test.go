package runner

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
)

// leaky is the reference breaker with a planted goroutine leak: New starts
// a watcher that waits for a channel nobody closes while the run goes.
type leaky struct{ Breaker }

func (l *leaky) watch(stop <-chan struct{}) { <-stop }

// nap sleeps for an hour, on the clock of its bubble when it runs in one.
func (l *leaky) nap() { time.Sleep(time.Hour) }

// leakyImpl returns an implementation whose breakers each leave a watcher
// behind until stop is closed, and call also(), if not nil, when made.
func leakyImpl(stop <-chan struct{}, also func()) Implementation {
	return Implementation{Name: "leaky", Clock: true, New: func(cfg breaker.Config) (Breaker, error) {
		b, err := Reference.New(cfg)
		l := &leaky{b}
		go l.watch(stop)
		if also != nil {
			also()
		}
		return l, err
	}}
}

// TestLeakFailsI11: a goroutine the breaker leaves behind fails I11, named
// by the function on top of its stack and the one that started it.
func TestLeakFailsI11(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	sc, err := scenarios.Parse("leaky.yaml", []byte(stressBase+"stress: {goroutines: 2, iterations: 10}\n"))
	require.NoError(t, err)
	res, err := Run(context.Background(), sc, Options{Out: t.TempDir(), Breaker: leakyImpl(stop, nil)})
	require.NoError(t, err)
	c, ok := res.Verdict.Check("I11")
	require.True(t, ok)
	assert.False(t, c.Passed)
	require.Len(t, c.Violations, 1)
	assert.Regexp(t, `^goroutine \d+ \[chan receive\] outlived the run: github.com/breakerlab/breakerlab/scenarios/runner.\(\*leaky\).watch on top of its stack, created by github.com/breakerlab/breakerlab/scenarios/runner\.(\w+\.)?leakyImpl\.func1$`,
		c.Violations[0].Message)
	assert.Contains(t, c.Violations[0].Context[0], "runner.(*leaky).watch(")
	assert.Equal(t, []string{"I11"}, failedIDs(res))

	run, err := record.Read(res.Dir)
	require.NoError(t, err)
	require.NotNil(t, run.Meta.LeakedGoroutines)
	assert.Equal(t, 1, *run.Meta.LeakedGoroutines)
	require.Len(t, run.Meta.Leaks, 1)
	assert.Equal(t, "github.com/breakerlab/breakerlab/scenarios/runner.(*leaky).watch", run.Meta.Leaks[0].Top)
}

// TestLeaksInABubble: a run inside a synctest bubble counts the goroutines
// of its bubble only, waits for them on the bubble's clock (a goroutine
// that ends a second later is no leak), and names those that stay, a
// sleeping one by the function that sleeps; a goroutine started outside
// the bubble while it ran is not the run's.
func TestLeaksInABubble(t *testing.T) {
	spawn, spawned, release := make(chan struct{}), make(chan struct{}), make(chan struct{})
	defer close(release)
	go func() {
		<-spawn
		go func() { <-release }() // outside the bubble, alive at the end of the run
		close(spawned)
	}()
	sc, err := scenarios.Builtin("nfr6-iam-outage")
	require.NoError(t, err)
	out := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		stop := make(chan struct{})
		defer close(stop)
		also := func() {
			go time.Sleep(time.Second) // ends while the runner waits
			go (&leaky{}).nap()
			close(spawn)
			<-spawned
		}
		res, err := Run(context.Background(), sc, Options{Out: out, Breaker: leakyImpl(stop, also)})
		require.NoError(t, err)
		c, ok := res.Verdict.Check("I11")
		require.True(t, ok)
		require.Len(t, c.Violations, 2, "%+v", c)
		var msgs []string
		for _, v := range c.Violations {
			msgs = append(msgs, v.Message)
		}
		assert.Regexp(t, `\[chan receive \(durable\), synctest bubble \d+\] outlived the run: github.com/breakerlab/breakerlab/scenarios/runner.\(\*leaky\).watch on top of its stack, created by `, strings.Join(msgs, "\n"))
		assert.Regexp(t, `\[sleep \(durable\), synctest bubble \d+\] outlived the run: time.Sleep on top of its stack, in github.com/breakerlab/breakerlab/scenarios/runner.\(\*leaky\).nap, created by `, strings.Join(msgs, "\n"))
		time.Sleep(time.Hour) // the nap ends: a bubble must end empty
	})
}

func TestInStd(t *testing.T) {
	for fn, want := range map[string]bool{
		"time.Sleep":                     true,
		"net/http.(*conn).serve":         true,
		"internal/poll.runtime_pollWait": true,
		"main.main.func1":                false,
		"github.com/x/y.(*T).f":          false,
		"example.com/m.F":                false,
		"nodot":                          false,
	} {
		assert.Equal(t, want, inStd(fn), fn)
	}
}
