package bench

import "slices"

// Curve is one implementation's ns/op on one path at one GOMAXPROCS, against
// the number of goroutines: what the contention plot draws as one line.
type Curve struct {
	Path, Impl string
	CPU        int
	Points     []Point // by goroutines, ascending
}

// Point is the median ns/op at a number of goroutines.
type Point struct {
	Goroutines int
	NsPerOp    float64
}

// Curves groups the parallel results (serial loops are left out) into one
// curve per path, GOMAXPROCS and implementation, repeated runs folded into
// medians, in order of first appearance.
func Curves(results []Result) []Curve {
	type key struct {
		path, impl string
		cpu        int
	}
	var order []key
	byKey := map[key]*Curve{}
	for _, r := range Median(results) {
		if r.Par == 0 {
			continue
		}
		k := key{r.Path, r.Impl, r.CPU}
		c, ok := byKey[k]
		if !ok {
			c = &Curve{Path: r.Path, Impl: r.Impl, CPU: r.CPU}
			byKey[k] = c
			order = append(order, k)
		}
		c.Points = append(c.Points, Point{Goroutines: r.Goroutines(), NsPerOp: r.NsPerOp})
	}
	slices.SortStableFunc(order, func(a, b key) int { return a.cpu - b.cpu })
	curves := make([]Curve, 0, len(order))
	for _, k := range order {
		c := byKey[k]
		slices.SortFunc(c.Points, func(a, b Point) int { return a.Goroutines - b.Goroutines })
		curves = append(curves, *c)
	}
	return curves
}
