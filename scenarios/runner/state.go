package runner

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/breakerlab/breakerlab/scenarios/record"
)

// scrapeState reads the service's state endpoint (scenario's state:) every
// interval until stop closes, recording each dependency's reported state as
// a snapshot that carries how long the read took. It returns a function
// that waits for the reader to end. Without state: it does nothing.
func (r *runner) scrapeState(deps []*extDep, stop <-chan struct{}) (wait func()) {
	st := r.sc.State
	if st == nil {
		return func() {}
	}
	rep := record.Reports{State: true}
	r.reports = &rep
	client := &http.Client{Timeout: time.Second}
	var wg sync.WaitGroup
	wg.Go(func() {
		defer client.CloseIdleConnections()
		t := time.NewTicker(cmp.Or(st.Every, defaultStateEvery))
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				r.readState(client, deps)
			}
		}
	})
	return wg.Wait
}

// readState reads the state endpoint once and records what it says.
func (r *runner) readState(client *http.Client, deps []*extDep) {
	st := r.sc.State
	u, err := r.sc.StateURL()
	if err != nil {
		return // validated: not reached
	}
	at := time.Since(r.t0)
	resp, err := client.Get(u)
	if err != nil {
		return // not an answer: nothing to compare
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	span := time.Since(r.t0) - at
	if err != nil || resp.StatusCode != http.StatusOK {
		return
	}
	for _, d := range deps {
		s, ok := stateOf(body, st.Field, st.Metric, d.name)
		if ok {
			d.reported.set(s)
			r.w.WriteSnapshot(record.Snapshot{Dep: d.name, AtNs: int64(at), SpanNs: int64(span), State: s})
		}
	}
}

// stateOf finds dep's state in a state endpoint's answer: by metric in
// Prometheus text, else by field (default "{dep}") in JSON.
func stateOf(body []byte, field, metric, dep string) (record.State, bool) {
	if metric != "" {
		return stateFromMetric(body, metric, dep)
	}
	if field == "" {
		field = "{dep}"
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return 0, false
	}
	for _, key := range strings.Split(strings.ReplaceAll(field, "{dep}", dep), ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return 0, false
		}
		v = m[key]
	}
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	return parseStateName(s)
}

// stateFromMetric reads a gauge metric{breaker="dep",state="open"} 1.
func stateFromMetric(body []byte, metric, dep string) (record.State, bool) {
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, metric+"{") {
			continue
		}
		labels, value, ok := strings.Cut(line[len(metric)+1:], "}")
		if !ok || strings.TrimSpace(value) != "1" || !strings.Contains(labels, `breaker="`+dep+`"`) {
			continue
		}
		_, rest, ok := strings.Cut(labels, `state="`)
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rest, `"`)
		return parseStateName(name)
	}
	return 0, false
}

// parseStateName reads a state as services spell it: closed, open,
// half-open, half_open, HALF_OPEN, halfopen.
func parseStateName(s string) (record.State, bool) {
	switch strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(s)) {
	case "closed":
		return record.StateClosed, true
	case "open":
		return record.StateOpen, true
	case "halfopen":
		return record.StateHalfOpen, true
	}
	return 0, false
}
