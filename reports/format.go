package reports

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// fmtNs formats a time since the run's start as seconds with millisecond
// precision ("31.000s"), the form violations and logs use.
func fmtNs(ns int64) string {
	return strconv.FormatFloat(float64(ns)/1e9, 'f', 3, 64) + "s"
}

// fmtDur formats a duration with three significant digits in the largest
// unit that keeps it at least 1: "850ns", "2.1µs", "15.2ms", "1.5s",
// "1m30s" for durations of a minute or more.
func fmtDur(ns int64) string {
	d := time.Duration(ns)
	switch {
	case ns == 0:
		return "0s"
	case ns < 0:
		return "-" + fmtDur(-ns)
	case d >= time.Minute:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return sig3(float64(ns)/1e9) + "s"
	case d >= time.Millisecond:
		return sig3(float64(ns)/1e6) + "ms"
	case d >= time.Microsecond:
		return sig3(float64(ns)/1e3) + "µs"
	}
	return strconv.FormatInt(ns, 10) + "ns"
}

// sig3 formats v ≥ 1 with at most three significant digits, dropping
// trailing zeros: 2 → "2", 30.7 → "30.7", 1.5 → "1.5".
func sig3(v float64) string {
	prec := 2
	switch {
	case v >= 100:
		prec = 0
	case v >= 10:
		prec = 1
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// fmtCount formats n with thin thousands separators: 600 000 → "600,000".
func fmtCount[N int | int64 | uint64](n N) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// fmtCountAny is fmtCount for report.html.tmpl, whose counts are int64
// (aggregates) or uint64 (outcome totals).
func fmtCountAny(n any) (string, error) {
	switch n := n.(type) {
	case int64:
		return fmtCount(n), nil
	case uint64:
		return fmtCount(n), nil
	case int:
		return fmtCount(n), nil
	}
	return "", fmt.Errorf("count: %T is not an integer", n)
}
