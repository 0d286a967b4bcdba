// Package timeheap is a min-heap of values by time, ties in the order they
// were pushed: the sim's calls in flight by when they complete, and a live
// run's calls put back in the order they ended before the windows-level
// recorder reads them.
//
//	var h timeheap.Heap[call]
//	h.Push(end, c)
//	for h.Len() > 0 && h.Min() <= now {
//		complete(h.Pop())
//	}
package timeheap

type item[T any] struct {
	at int64
	n  uint64 // push order, for ties
	v  T
}

// Heap is a min-heap of values by time; values at one time come out in the
// order they were pushed. The zero value is empty.
type Heap[T any] struct {
	items  []item[T]
	pushed uint64
}

// Len returns the number of values in h.
func (h *Heap[T]) Len() int { return len(h.items) }

// Min returns the earliest time in h, which must not be empty.
func (h *Heap[T]) Min() int64 { return h.items[0].at }

func (h *Heap[T]) less(i, j int) bool {
	a, b := &h.items[i], &h.items[j]
	return a.at < b.at || a.at == b.at && a.n < b.n
}

// Push adds v at time at.
func (h *Heap[T]) Push(at int64, v T) {
	h.items = append(h.items, item[T]{at, h.pushed, v})
	h.pushed++
	for i := len(h.items) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h.items[i], h.items[p] = h.items[p], h.items[i]
		i = p
	}
}

// Pop removes and returns the value with the earliest time (the first
// pushed among equals). h must not be empty.
func (h *Heap[T]) Pop() T {
	s := h.items
	top := s[0].v
	last := len(s) - 1
	s[0] = s[last]
	s[last] = item[T]{} // let the value go
	h.items = s[:last]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < len(h.items) && h.less(l, m) {
			m = l
		}
		if l+1 < len(h.items) && h.less(l+1, m) {
			m = l + 1
		}
		if m == i {
			break
		}
		h.items[i], h.items[m] = h.items[m], h.items[i]
		i = m
	}
	return top
}
