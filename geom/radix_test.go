package geom

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSortEvents(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	for _, n := range []int{0, 1, 5, 255, 256, 1000, 5000} {
		ev := make([]sweepEvent, n)
		for i := range ev {
			// Few distinct values so ties on x are common; both signs,
			// both zeros, and some huge and tiny magnitudes.
			vals := []float64{-1e300, -3.5, -1, math.Copysign(0, -1), 0, 1e-300, 2, 3.5, 1e300}
			ev[i] = sweepEvent{Vec2{vals[rng.IntN(len(vals))], rng.NormFloat64()}, int32(i)}
		}
		got := slices.Clone(ev)
		sortEvents(got)
		for i := 1; i < len(got); i++ {
			if got[i].p.Less(got[i-1].p) {
				t.Fatalf("n=%d: %v before %v", n, got[i-1].p, got[i].p)
			}
		}
		seen := make([]bool, n)
		for _, e := range got {
			if seen[e.v] || ev[e.v].p != e.p {
				t.Fatalf("n=%d: event %d lost or changed", n, e.v)
			}
			seen[e.v] = true
		}
	}
}
