package fakes

import "time"

// Decision is what a fake does with one request.
type Decision struct {
	Seq  int64 // the request's sequence number
	Kind Kind  // the fault
	// Latency is how long the request takes: the delay before the answer
	// (for slow_body including the body's transfer time), the wait before
	// closing for a timeout, [Forever] for a hang, 0 for reset, down and
	// overload.
	Latency time.Duration
	// Status is the HTTP status answered: 200, ErrorStatus, or 503 for
	// overload; 0 when there is no answer.
	Status int
	// Err is the error an in-process call returns (an [*Error]); nil for
	// none, latency and slow_body.
	Err error
	// At is when the fake decided, by its clock; Elapsed is At minus the
	// schedule's start.
	At      time.Time
	Elapsed time.Duration

	errStr    string // the record's err text
	bodyBytes int    // 0: the default JSON body
	bps       int64  // slow_body bandwidth
	seqSent   bool   // the client sent Seq (else it is the fake's count)
	attack    string // the load generator the client named with Seq; "" when none
}

// Decide returns the decision for request seq at the fake's current time,
// without serving, recording or counting it. It is a pure function of the
// seed, the fake's name, seq and the faults in force, so asking twice gives
// the same answer. It ignores MaxInFlight: overload depends on the requests
// actually in flight.
func (f *Fake) Decide(seq int64) Decision { return f.decide(seq, 0) }

// decide decides for request seq with inFlight requests in flight
// (including this one; 0 when not counted).
func (f *Fake) decide(seq, inFlight int64) Decision {
	st := f.state.Load()
	now := f.now()
	elapsed := now.Sub(st.start)
	p, errorRate := st.plan.at(elapsed)
	d := Decision{Seq: seq, At: now, Elapsed: elapsed, bodyBytes: p.bodyBytes}

	// Draw the same three numbers for every request whatever the faults,
	// so a request's latency does not change when an error rate does.
	r := streamFor(f.key, seq)
	u, v, w := r.float(), r.float(), r.float()

	switch k, ok := p.stepAt(seq); {
	case p.faults.Down:
		d.Kind = KindDown
	case p.maxInFlight > 0 && inFlight > p.maxInFlight:
		d.Kind = KindOverload
	case ok:
		d.Kind = k
	default:
		d.Kind = p.pick(u, errorRate)
	}
	d.Err, d.errStr = p.errs[d.Kind], p.errStrs[d.Kind]
	switch d.Kind {
	case KindHang:
		d.Latency = Forever
	case KindTimeout:
		d.Latency = p.faults.Timeout.After
	case KindOverload:
		d.Status = 503
	case KindNone, KindError, KindSlowBody, KindTruncate:
		d.Latency = p.lat.sample(v, w)
		d.Status = 200
		if d.Kind == KindError {
			d.Status = p.errorStatus
		}
		if d.Kind == KindSlowBody {
			d.bps = max(p.bytesPerSec, 1)
			d.Latency += transferTime(bodySize(p.bodyBytes), d.bps)
		}
		if d.Kind == KindNone && d.Latency > 0 {
			d.Kind = KindLatency
		}
	}
	return d
}

// transferTime is how long n bytes take at bps bytes per second.
func transferTime(n int, bps int64) time.Duration {
	return time.Duration(int64(n) * int64(time.Second) / bps)
}

// bodySize is the size of a response body given BodyBytes.
func bodySize(bodyBytes int) int {
	if bodyBytes > 0 {
		return bodyBytes
	}
	return defaultBodySize
}

// record counts d and logs it: in the ring, then to OnRecord.
func (f *Fake) record(d *Decision) { f.log(d, d.Latency, false) }

// log counts d and logs it, served in took (hungUp: the client went away
// first).
func (f *Fake) log(d *Decision, took time.Duration, hungUp bool) {
	f.counts[d.Kind].Add(1)
	for { // lastSeq = max(lastSeq, d.Seq)
		last := f.lastSeq.Load()
		if d.Seq <= last || f.lastSeq.CompareAndSwap(last, d.Seq) {
			break
		}
	}
	rec := Record{
		Fake: f.name, Seq: d.Seq, At: d.At, Elapsed: d.Elapsed, Fault: kindNames[d.Kind],
		Latency: took, Status: d.Status, Err: d.errStr, HungUp: hungUp, SeqSent: d.seqSent,
		Attack: d.attack,
	}
	if took == Forever {
		rec.Latency = 0 // unknown: the client decides
	}
	f.mu.Lock()
	f.ring[f.total%uint64(len(f.ring))] = rec
	f.total++
	f.mu.Unlock()
	if f.onRecord != nil {
		f.onRecord(rec)
	}
}
