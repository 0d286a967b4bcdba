package doclinks

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRepoLinks checks every relative link of the repository's Markdown
// files (make lint runs it).
func TestRepoLinks(t *testing.T) {
	root := filepath.Join("..", "..")
	_, err := os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err, "the repository's root is two folders up")
	res, err := Check(root)
	require.NoError(t, err)
	// Nothing passes on nothing: the README and docs/ hold many links.
	require.GreaterOrEqual(t, res.Files, 5, "Markdown files read")
	require.GreaterOrEqual(t, res.Links, 20, "relative links checked")
	for _, b := range res.Broken {
		t.Errorf("broken link: %s", b)
	}
}
