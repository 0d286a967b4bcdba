package main

import (
	"fmt"
	"strings"
)

// Bug is a defect that can be planted in the breaker (--bug NAME). Each is a
// mistake people make when they write a breaker by hand; the breaker code
// marks where each one acts with "BUG(name)".
type Bug uint16

// The plantable bugs; [bugs] says in one sentence what each one breaks.
const (
	BugOffByOne Bug = 1 << iota
	BugNoProbeLimit
	BugSuccessNoReset
	BugTimeoutIgnored
	BugTimerResetOnReject
	BugLateResultCounted
	BugProbeFailureIgnored
	BugStateLies
	BugEarlyProbe
)

// bugs names every bug, in the order of the help text, with the one
// sentence that says what it breaks.
var bugs = []struct {
	bug  Bug
	name string
	doc  string
}{
	{BugOffByOne, "off-by-one", "opens at the 6th consecutive failure (> instead of >=)"},
	{BugNoProbeLimit, "no-probe-limit", "half-open admits every call, not --half-open-max-calls"},
	{BugSuccessNoReset, "success-no-reset", "a success does not reset the failure count: opens after 5 failures in total"},
	{BugTimeoutIgnored, "timeout-ignored", "a client timeout counts as neither success nor failure"},
	{BugTimerResetOnReject, "timer-reset-on-reject", "each rejection restarts the recovery timer: under steady load it never half-opens"},
	{BugLateResultCounted, "late-result-counted", "no generation check: a call admitted before a trip that fails late restarts the recovery timer"},
	{BugProbeFailureIgnored, "probe-failure-ignored", "a failed probe does not reopen the circuit; it just does not count"},
	{BugStateLies, "state-lies", "/state and /metrics report closed while open (the breaker itself is correct)"},
	{BugEarlyProbe, "early-probe", "half-opens after half the recovery timeout"},
}

// Has reports whether b includes bug.
func (b Bug) Has(bug Bug) bool { return b&bug != 0 }

// String returns the bug names in b, comma-separated, or "none".
func (b Bug) String() string {
	var names []string
	for _, e := range bugs {
		if b.Has(e.bug) {
			names = append(names, e.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

// parseBugs adds the comma-separated bug names in s to b.
func parseBugs(b Bug, s string) (Bug, error) {
	for name := range strings.SplitSeq(s, ",") {
		name = strings.TrimSpace(name)
		found := false
		for _, e := range bugs {
			if e.name == name {
				b |= e.bug
				found = true
			}
		}
		if !found {
			return b, fmt.Errorf("unknown bug %q; the bugs are: %s", name, bugNames())
		}
	}
	return b, nil
}

// bugNames lists every bug name, comma-separated.
func bugNames() string {
	names := make([]string, len(bugs))
	for i, e := range bugs {
		names[i] = e.name
	}
	return strings.Join(names, ", ")
}
