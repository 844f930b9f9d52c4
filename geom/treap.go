package geom

// treap is the balanced search tree behind the sweep-line status: nodes are
// edge ids, stored in parallel slices so a million-edge sweep allocates a
// handful of arrays instead of a million nodes. Ordering is decided by the
// caller during descent (see sweep.insert); the tree only keeps shape, heap
// priorities and in-order neighbours.
type treap struct {
	left, right, parent []int32
	prio                []uint32
	root                int32
}

const nilNode = -1

func newTreap(n int) *treap {
	t := &treap{
		left:   make([]int32, n),
		right:  make([]int32, n),
		parent: make([]int32, n),
		prio:   make([]uint32, n),
		root:   nilNode,
	}
	// A fixed xorshift seed keeps runs reproducible; the priorities only need
	// to be unrelated to the geometry.
	x := uint32(2463534242)
	for i := range t.prio {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		t.prio[i] = x
		t.left[i], t.right[i], t.parent[i] = nilNode, nilNode, nilNode
	}
	return t
}

// attach hangs x below p (nilNode for an empty tree) on the given side and
// restores the heap order.
func (t *treap) attach(x, p int32, right bool) {
	t.left[x], t.right[x], t.parent[x] = nilNode, nilNode, p
	switch {
	case p == nilNode:
		t.root = x
	case right:
		t.right[p] = x
	default:
		t.left[p] = x
	}
	for t.parent[x] != nilNode && t.prio[x] < t.prio[t.parent[x]] {
		t.rotateUp(x)
	}
}

// rotateUp makes x the parent of its parent, preserving in-order sequence.
func (t *treap) rotateUp(x int32) {
	p := t.parent[x]
	g := t.parent[p]
	if t.left[p] == x {
		c := t.right[x]
		t.left[p] = c
		if c != nilNode {
			t.parent[c] = p
		}
		t.right[x] = p
	} else {
		c := t.left[x]
		t.right[p] = c
		if c != nilNode {
			t.parent[c] = p
		}
		t.left[x] = p
	}
	t.parent[p] = x
	t.parent[x] = g
	t.replaceChild(g, p, x)
}

func (t *treap) replaceChild(g, old, nw int32) {
	switch {
	case g == nilNode:
		t.root = nw
	case t.left[g] == old:
		t.left[g] = nw
	default:
		t.right[g] = nw
	}
}

func (t *treap) remove(x int32) {
	for t.left[x] != nilNode && t.right[x] != nilNode {
		l, r := t.left[x], t.right[x]
		if t.prio[l] < t.prio[r] {
			t.rotateUp(l)
		} else {
			t.rotateUp(r)
		}
	}
	c := t.left[x]
	if c == nilNode {
		c = t.right[x]
	}
	p := t.parent[x]
	if c != nilNode {
		t.parent[c] = p
	}
	t.replaceChild(p, x, c)
	t.left[x], t.right[x], t.parent[x] = nilNode, nilNode, nilNode
}

func (t *treap) next(x int32) int32 {
	if r := t.right[x]; r != nilNode {
		for t.left[r] != nilNode {
			r = t.left[r]
		}
		return r
	}
	for p := t.parent[x]; p != nilNode; x, p = p, t.parent[p] {
		if t.left[p] == x {
			return p
		}
	}
	return nilNode
}

func (t *treap) prev(x int32) int32 {
	if l := t.left[x]; l != nilNode {
		for t.right[l] != nilNode {
			l = t.right[l]
		}
		return l
	}
	for p := t.parent[x]; p != nilNode; x, p = p, t.parent[p] {
		if t.right[p] == x {
			return p
		}
	}
	return nilNode
}
