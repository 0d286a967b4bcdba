package fakes

// A fake's randomness is a pure function of (seed, name, sequence number):
// each decision seeds a SplitMix64 stream from them and draws from it. So
// the decision for request 17 is the same whichever goroutine asks, in
// whatever order, and costs a few multiplications with no lock and no
// allocation.

// splitmix is one SplitMix64 stream (Steele, Lea, Flood 2014).
type splitmix struct{ s uint64 }

func (r *splitmix) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	return mix64(r.s)
}

// float returns a uniform float64 in the open interval (0, 1), so inverse
// CDFs never see 0 or 1.
func (r *splitmix) float() float64 {
	return (float64(r.next()>>11) + 0.5) / (1 << 53)
}

// mix64 is SplitMix64's finaliser: a bijective avalanche of x.
func mix64(x uint64) uint64 {
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// streamKey mixes the seed and the fake's name, so two fakes with one seed
// fail independently.
func streamKey(seed int64, name string) uint64 {
	h := uint64(14695981039346656037) // FNV-1a
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return mix64(uint64(seed) ^ mix64(h))
}

// streamFor returns the stream for one request.
func streamFor(key uint64, seq int64) splitmix {
	return splitmix{s: key ^ mix64(uint64(seq)*0x9e3779b97f4a7c15+0x632be59bd9b4e019)}
}
