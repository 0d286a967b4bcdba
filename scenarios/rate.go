package scenarios

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// Rate is calls per second. In files it is written "200/s", "1200/m",
// "5/ms" or a bare number of calls per second.
type Rate float64

// UnmarshalYAML decodes a rate from its scalar node, keeping the node's
// position in the error.
func (r *Rate) UnmarshalYAML(node ast.Node) error {
	v, err := ParseRate(scalarText(node))
	if err != nil {
		return nodeError(node, err.Error())
	}
	*r = v
	return nil
}

// ParseRate parses "N/UNIT" (UNIT one of ms, s, m, h) or a bare N per second.
func ParseRate(s string) (Rate, error) {
	s = strings.TrimSpace(s)
	num, unit, hasUnit := strings.Cut(s, "/")
	per := 1.0
	if hasUnit {
		switch strings.TrimSpace(unit) {
		case "ms":
			per = 1e-3
		case "s", "1s":
			per = 1
		case "m", "1m":
			per = 60
		case "h", "1h":
			per = 3600
		default:
			return 0, fmt.Errorf("rate %q: unknown unit %q, want ms, s, m or h (e.g. 200/s)", s, unit)
		}
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil {
		return 0, fmt.Errorf("rate %q: want a number of calls per unit, e.g. 200/s", s)
	}
	if n < 0 {
		return 0, fmt.Errorf("rate %q: want >= 0", s)
	}
	return Rate(n / per), nil
}

// String formats the rate as calls per second.
func (r Rate) String() string {
	return strconv.FormatFloat(float64(r), 'g', -1, 64) + "/s"
}

// scalarText returns the text of a scalar node; other nodes format as YAML.
func scalarText(node ast.Node) string {
	switch n := node.(type) {
	case *ast.StringNode:
		return n.Value
	case nil:
		return ""
	}
	return node.String()
}
