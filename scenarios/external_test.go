package scenarios

import (
	"fmt"

	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const externalBase = "name: x\nmode: external\nduration: 2s\n%sdependencies:\n  - name: iam\n    listen: 127.0.0.1:9001\n    target: {url: %s}\nload: {rate: 10/s}\nstate: {url: %s}\n"

// TestExternalURLsResolveAgainstTheTarget: a dependency's target and the
// state endpoint may be paths on the scenario's target, so that --target
// (which replaces it) moves them all.
func TestExternalURLsResolveAgainstTheTarget(t *testing.T) {
	sc, err := Parse("x.yaml", []byte(fmt.Sprintf(externalBase, "target: {url: http://127.0.0.1:8080}\n", "/call/iam", "/state")))
	require.NoError(t, err)
	tg, err := sc.TargetURL(0)
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8080/call/iam", tg.URL)
	st, err := sc.StateURL()
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8080/state", st)

	sc.Target.URL = "http://127.0.0.1:18181" // what --target does
	st, err = sc.StateURL()
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:18181/state", st)

	sc, err = Parse("x.yaml", []byte(fmt.Sprintf(externalBase, "", "http://127.0.0.1:8080/call/iam", "http://127.0.0.1:8081/state")))
	require.NoError(t, err)
	st, err = sc.StateURL()
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:8081/state", st, "a full URL stays")

	_, err = Parse("x.yaml", []byte(fmt.Sprintf(externalBase, "", "http://127.0.0.1:8080/call/iam", "/state")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `x.yaml:9:9: state.url: "/state" is a path, but the scenario has no target to take it from: give a full URL`)
}
