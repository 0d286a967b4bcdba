// Package hist counts latencies in log-linear buckets, as an HdrHistogram
// does: a run of any length is summarised in a few kilobytes, quantiles are
// within a known relative error, and merging is exact. The reports build
// their distributions and time series from it; a run recorded at the
// windows level (package record) stores the calls it leaves out as these
// histograms, in JSON.
//
//	h := hist.New(hist.Fine)
//	h.Add(int64(latency))
//	p99 := h.Quantile(0.99) // within 0.4 %
//	all.Merge(h)            // exact
package hist
