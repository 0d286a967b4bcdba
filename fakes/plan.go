package fakes

import (
	"math"
	"time"
)

// plan is a compiled [Faults]: rates, the latency model and the errors to
// return, all prepared once so a decision only reads them.
type plan struct {
	faults      Faults
	errorRate   float64 // before a brown-out raises it
	otherRates  float64 // sum of the non-error rates, to cap a brown-out
	errorStatus int
	lat         latencyModel
	bytesPerSec int64
	bodyBytes   int
	maxInFlight int64
	steps       []seqStep
	seqTotal    int64
	errs        [numKinds]error // nil for kinds that succeed
	errStrs     [numKinds]string
}

// seqStep is a compiled [Step]: requests before end (relative to the
// sequence's start) that did not fall in an earlier step get kind.
type seqStep struct {
	end  int64
	kind Kind
}

// compilePlan compiles f, which the caller has validated, for the named fake.
func compilePlan(name string, f Faults) *plan {
	p := &plan{
		faults:      f,
		errorRate:   f.ErrorRate,
		otherRates:  f.HangRate + f.Timeout.Rate + f.ResetRate + f.TruncateRate + f.SlowBody.Rate,
		errorStatus: f.ErrorStatus,
		bytesPerSec: int64(f.SlowBody.BytesPerSec),
		bodyBytes:   f.BodyBytes,
		maxInFlight: int64(f.MaxInFlight),
	}
	if p.errorStatus == 0 {
		p.errorStatus = 500
	}
	p.lat, _ = f.Latency.model() // validated by the caller
	for _, st := range f.Sequence.Steps {
		k, _ := ParseKind(st.Fault)
		p.seqTotal += int64(max(st.Count, 1))
		p.steps = append(p.steps, seqStep{end: p.seqTotal, kind: k})
	}
	for k := Kind(0); k < numKinds; k++ {
		switch k {
		case KindNone, KindLatency, KindSlowBody:
			continue
		case KindError:
			p.errs[k] = &Error{Fake: name, Kind: k, Status: p.errorStatus}
		case KindOverload:
			p.errs[k] = &Error{Fake: name, Kind: k, Status: 503}
		default:
			p.errs[k] = &Error{Fake: name, Kind: k}
		}
		p.errStrs[k] = shortErr(k)
	}
	return p
}

// stepAt returns the sequence's fault for seq, if the sequence covers it.
func (p *plan) stepAt(seq int64) (Kind, bool) {
	if p.seqTotal == 0 {
		return 0, false
	}
	n := seq - p.faults.Sequence.Start
	if n < 0 {
		return 0, false
	}
	if p.faults.Sequence.Repeat {
		n %= p.seqTotal
	} else if n >= p.seqTotal {
		return 0, false
	}
	for _, s := range p.steps {
		if n < s.end {
			return s.kind, true
		}
	}
	return 0, false
}

// pick chooses a fault by rate from u, uniform in (0, 1).
func (p *plan) pick(u, errorRate float64) Kind {
	f := &p.faults
	if u -= f.ResetRate; u < 0 {
		return KindReset
	}
	if u -= f.HangRate; u < 0 {
		return KindHang
	}
	if u -= f.Timeout.Rate; u < 0 {
		return KindTimeout
	}
	if u -= errorRate; u < 0 {
		return KindError
	}
	if u -= f.TruncateRate; u < 0 {
		return KindTruncate
	}
	if u -= f.SlowBody.Rate; u < 0 {
		return KindSlowBody
	}
	return KindNone
}

// schedulePlan is a compiled [Schedule] with the base faults: plans[0] is
// the base (before the first phase), plans[i+1] is phase i; flapPlans has
// the same indexes with the flap's faults laid over.
type schedulePlan struct {
	sched     *Schedule // nil: the base only
	plans     []*plan
	flapPlans []*plan
}

func compileSchedule(name string, base Faults, s *Schedule) *schedulePlan {
	sp := &schedulePlan{sched: s, plans: []*plan{compilePlan(name, base)}}
	if s == nil {
		return sp
	}
	all := []Faults{base}
	for _, ph := range s.Phases {
		all = append(all, ph.Faults.Over(base))
	}
	for i, f := range all {
		if i > 0 {
			sp.plans = append(sp.plans, compilePlan(name, f))
		}
		if s.Flap != nil {
			sp.flapPlans = append(sp.flapPlans, compilePlan(name, s.Flap.faults().Over(f)))
		}
	}
	return sp
}

// at returns the plan in force at elapsed and its error rate.
func (sp *schedulePlan) at(elapsed time.Duration) (*plan, float64) {
	s := sp.sched
	if s == nil {
		return sp.plans[0], sp.plans[0].errorRate
	}
	i := s.phaseIndex(elapsed) + 1
	p := sp.plans[i]
	if s.Flap.on(elapsed) {
		p = sp.flapPlans[i]
	}
	rate := p.errorRate
	if s.Brownout != nil {
		rate = math.Min(s.Brownout.errorRate(elapsed, rate), 1-p.otherRates)
	}
	return p, rate
}
