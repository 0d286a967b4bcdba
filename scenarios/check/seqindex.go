package check

// seqIndex maps a seq to an int32 (a call's index). The runner numbers calls
// 1, 2, 3, …, so a slice indexed by seq is the usual case and ten times
// faster than a map for 600 000 calls; sparse numbering falls back to a map.
type seqIndex struct {
	dense  []int32 // value+1; 0 means absent
	sparse map[uint64]int32
}

func newSeqIndex(maxSeq uint64, n int) seqIndex {
	if maxSeq < uint64(2*n+1024) {
		return seqIndex{dense: make([]int32, maxSeq+1)}
	}
	return seqIndex{sparse: make(map[uint64]int32, n)}
}

// get returns the value stored for seq.
func (s *seqIndex) get(seq uint64) (int32, bool) {
	if s.sparse == nil {
		if seq < uint64(len(s.dense)) && s.dense[seq] != 0 {
			return s.dense[seq] - 1, true
		}
		return 0, false
	}
	v, ok := s.sparse[seq]
	return v, ok
}

// add stores v for seq unless seq is already there; it reports whether it
// was. seq must not exceed the maxSeq the index was made with.
func (s *seqIndex) add(seq uint64, v int32) (dup bool) {
	if s.sparse == nil {
		if s.dense[seq] != 0 {
			return true
		}
		s.dense[seq] = v + 1
		return false
	}
	if _, ok := s.sparse[seq]; ok {
		return true
	}
	s.sparse[seq] = v
	return false
}
