package runner

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/breakerlab/breakerlab/scenarios"
)

// VegetaFile is a live or external run's vegeta results, in vegeta's gob
// format, for `vegeta report` and `vegeta plot`.
const VegetaFile = "vegeta.bin"

// weighted repeats t for a dependency's share of the load: shares 0.5 and 1
// give 1 and 2 copies.
func weighted(share float64, t vegeta.Target) []vegeta.Target {
	n := max(int(share*2+0.5), 1)
	out := make([]vegeta.Target, n)
	for i := range out {
		out[i] = t
	}
	return out
}

// attackTargets runs one vegeta attack by the scenario's load profile over
// targets, through client (nil: over loopback sockets, the load section's
// connections), writes vegeta.bin, and hands each result to onResult (if
// set) as it comes. stop, if set, is closed to end the attack early (as ctx
// does). It returns what vegeta measured.
func (r *runner) attackTargets(ctx context.Context, targets []vegeta.Target, client *http.Client, onResult func(*vegeta.Result), stop <-chan struct{}) (*LiveStats, error) {
	sc := r.sc
	f, err := os.Create(filepath.Join(r.dir, VegetaFile))
	if err != nil {
		return nil, fmt.Errorf("runner: %w", err)
	}
	defer f.Close()
	enc := vegeta.NewEncoder(f)
	if client == nil {
		transport := &http.Transport{
			DialContext:         (&net.Dialer{Timeout: time.Second}).DialContext,
			MaxIdleConnsPerHost: orInt(sc.Load.Connections, scenarios.DefaultConnections),
			IdleConnTimeout:     30 * time.Second,
		}
		defer transport.CloseIdleConnections()
		client = &http.Client{Transport: transport, Timeout: 30 * time.Second}
	}
	// A fresh attacker per attack; Client last, as it replaces the client
	// the other options configure.
	atk := vegeta.NewAttacker(
		vegeta.Workers(uint64(orInt(sc.Load.Workers, scenarios.DefaultWorkers))),
		vegeta.MaxWorkers(uint64(orInt(sc.Load.MaxWorkers, scenarios.DefaultMaxWorkers))),
		vegeta.KeepAlive(true),
		vegeta.Client(client),
	)
	shape := sc.Load.Shape(sc.Duration)
	results := atk.Attack(vegeta.NewStaticTargeter(targets...), shapePacer{shape}, sc.Duration, "breakerlab")
	var m vegeta.Metrics
	var encErr error
	stopped := false
	for {
		select {
		case <-ctx.Done():
			if !stopped {
				atk.Stop()
				stopped = true
			}
		case <-stop:
			if !stopped {
				atk.Stop()
				stopped = true
			}
			stop = nil
		case res, ok := <-results:
			if !ok {
				m.Close()
				st := &LiveStats{
					TargetRate: shape.Hits(sc.Duration) / sc.Duration.Seconds(), AchievedRate: m.Rate,
					Requests: m.Requests, P50: m.Latencies.P50, P90: m.Latencies.P90,
					P99: m.Latencies.P99, Max: m.Latencies.Max, Success: m.Success,
				}
				if encErr != nil {
					return st, fmt.Errorf("runner: writing %s: %w", VegetaFile, encErr)
				}
				return st, nil
			}
			m.Add(res)
			if onResult != nil {
				onResult(res)
			}
			if err := enc.Encode(res); err != nil && encErr == nil {
				encErr = err
			}
		}
	}
}
