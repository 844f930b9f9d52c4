package geom

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTreap drives the tree with an integer order and compares in-order
// neighbours with a sorted slice after every operation.
func TestTreap(t *testing.T) {
	const n = 500
	rng := rand.New(rand.NewPCG(3, 3))
	key := rng.Perm(n)
	tr := newTreap(n)
	var in []int32
	insert := func(x int32) {
		p, right := int32(nilNode), false
		for c := tr.root; c != nilNode; {
			p, right = c, key[x] > key[c]
			if right {
				c = tr.right[c]
			} else {
				c = tr.left[c]
			}
		}
		tr.attach(x, p, right)
		in = append(in, x)
		slices.SortFunc(in, func(a, b int32) int { return key[a] - key[b] })
	}
	check := func() {
		for i, x := range in {
			wantPrev, wantNext := int32(nilNode), int32(nilNode)
			if i > 0 {
				wantPrev = in[i-1]
			}
			if i+1 < len(in) {
				wantNext = in[i+1]
			}
			if tr.prev(x) != wantPrev || tr.next(x) != wantNext {
				t.Fatalf("neighbours of %d: %d %d, want %d %d", x, tr.prev(x), tr.next(x), wantPrev, wantNext)
			}
			if p := tr.parent[x]; p != nilNode && tr.prio[p] > tr.prio[x] {
				t.Fatal("heap order broken")
			}
		}
	}
	free := rng.Perm(n)
	for step := 0; step < 5000; step++ {
		if len(free) > 0 && (len(in) == 0 || rng.IntN(2) == 0) {
			x := int32(free[len(free)-1])
			free = free[:len(free)-1]
			insert(x)
		} else {
			k := rng.IntN(len(in))
			x := in[k]
			tr.remove(x)
			in = slices.Delete(in, k, k+1)
			free = append(free, int(x))
		}
		check()
	}
}
