package runner_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/breakerlab/breakerlab/breaker"
	"github.com/breakerlab/breakerlab/internal/guarded"
	"github.com/breakerlab/breakerlab/scenarios"
	"github.com/breakerlab/breakerlab/scenarios/record"
	"github.com/breakerlab/breakerlab/scenarios/runner"
)

// externalScenario is a short external scenario: IAM fails from 300 ms to
// 900 ms; the service's breaker (threshold 5, 300 ms open) must open, probe
// and close again.
const externalScenario = `name: ext
mode: external
duration: 2s
target: {url: %s}
dependencies:
  - name: iam
    listen: %s
    target: {url: /call/iam}
    breaker: {failure_threshold: 5, success_threshold: 2, recovery_timeout: 300ms}
    client: {timeout: 200ms}
    faults: {latency: {p50: 2ms, dist: fixed}}
    phases:
      - {at: 300ms, error_rate: 1.0}
      - {at: 900ms, label: recovered}
load: {rate: 100/s}
`

// service is a small service in front of a dependency at depURL, guarded
// by the reference breaker: 200 on success, 503 when the breaker rejects,
// 502 when the dependency fails. It forwards the client's seq.
func service(t *testing.T, depURL string) *guarded.Service {
	t.Helper()
	return serviceWith(t, depURL, 5)
}

// serviceWith is service with a breaker that opens at threshold
// consecutive failures: a threshold other than the scenario's 5 is a
// planted bug.
func serviceWith(t *testing.T, depURL string, threshold int) *guarded.Service {
	t.Helper()
	return serviceForwarding(t, depURL, threshold, true)
}

// serviceForwarding is serviceWith forwarding the caller's seq and, with
// attack, vegeta's attack name.
func serviceForwarding(t *testing.T, depURL string, threshold int, attack bool) *guarded.Service {
	t.Helper()
	svc, err := guarded.Start(guarded.Config{DepURL: depURL, ForwardAttack: attack,
		Breaker: breaker.Config{FailureThreshold: threshold, RecoveryTimeout: 300 * time.Millisecond}})
	require.NoError(t, err)
	t.Cleanup(svc.Close)
	return svc
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

func parseExternal(t *testing.T, target, listen string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.Parse("ext.yaml", fmt.Appendf(nil, externalScenario, target, listen))
	require.NoError(t, err)
	return sc
}

// A service guarded by the reference breaker passes, judged from outside:
// what it answered and what reached its dependency.
func TestExternalJudgesAServiceFromOutside(t *testing.T) {
	listen := freeAddr(t)
	svc := service(t, "http://"+listen)
	res, err := runner.Run(context.Background(), parseExternal(t, svc.URL, listen), runner.Options{Out: t.TempDir()})
	require.NoError(t, err)
	require.NotNil(t, res.Verdict)
	assert.True(t, res.Passed(), "%+v", res.Verdict.Checks)
	assert.Equal(t, scenarios.ModeExternal, res.Mode)
	assert.GreaterOrEqual(t, res.Stats.Transitions, 3, "it opened, half-opened and closed")
	assert.Positive(t, res.Stats.Rejected)
	assert.Equal(t, "ext", res.Label, "the breaker is the service's: no @implementation")
}

// What cannot work is said before (or as soon as) it matters, as bad setup.
func TestExternalSetupErrors(t *testing.T) {
	t.Run("the target does not answer", func(t *testing.T) {
		sc := parseExternal(t, "http://"+freeAddr(t), freeAddr(t))
		_, err := runner.Run(context.Background(), sc, runner.Options{Out: t.TempDir()})
		assert.ErrorIs(t, err, runner.ErrSetup)
		assert.ErrorContains(t, err, "does not answer")
		assert.ErrorContains(t, err, "start the service first")
	})
	t.Run("the listen address is taken", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		svc := service(t, "http://"+ln.Addr().String())
		_, err = runner.Run(context.Background(), parseExternal(t, svc.URL, ln.Addr().String()), runner.Options{Out: t.TempDir()})
		assert.ErrorIs(t, err, runner.ErrSetup)
		assert.ErrorContains(t, err, "serving its fake on "+ln.Addr().String())
		assert.ErrorContains(t, err, "--listen iam=127.0.0.1:PORT")
	})
	t.Run("the service calls something else", func(t *testing.T) {
		elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		defer elsewhere.Close()
		listen := freeAddr(t)
		svc := service(t, elsewhere.URL)
		res, err := runner.Run(context.Background(), parseExternal(t, svc.URL, listen), runner.Options{Out: t.TempDir()})
		assert.ErrorIs(t, err, runner.ErrSetup)
		assert.ErrorContains(t, err, "is the service configured to call http://"+listen)
		require.NotNil(t, res)
		assert.Less(t, res.Elapsed, 1500*time.Millisecond, "the load stopped early")
		assert.Nil(t, res.Verdict, "a setup error is not judged")
		assert.NoFileExists(t, filepath.Join(res.Dir, record.MetaFile), "nor is its record kept")
	})
}
