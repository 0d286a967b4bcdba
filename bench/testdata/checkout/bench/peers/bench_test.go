// Package peers stands in for the nested module of the peers.
package peers

import "testing"

func BenchmarkBreaker(b *testing.B) {
	b.Run("path=open-reject/impl=gobreaker/par=serial", func(b *testing.B) {
		for range b.N {
		}
	})
}
