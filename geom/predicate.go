package geom

import "math"

// orient returns +1 when c lies to the left of the directed line a→b, -1 when
// it lies to the right and 0 when the three points are collinear. The sign is
// exact for finite input: a fast floating-point filter settles almost every
// call, and only near-collinear triples pay for the exact expansion below.
// Exactness matters because validation asks "do these edges touch?", and
// building outlines are full of collinear and axis-aligned points where a
// rounded determinant would answer at random.
func orient(a, b, c Vec2) int {
	detl := (a[0] - c[0]) * (b[1] - c[1])
	detr := (a[1] - c[1]) * (b[0] - c[0])
	det := detl - detr
	// Error bound of the filter (Shewchuk, "Adaptive Precision Floating-Point
	// Arithmetic and Fast Robust Geometric Predicates", ccwerrboundA).
	const eps = 1.0 / (1 << 53)
	const bound = (3 + 16*eps) * eps
	if err := bound * (math.Abs(detl) + math.Abs(detr)); det > err {
		return 1
	} else if -det > err {
		return -1
	}
	return orientExact(a, b, c)
}

// orientExact evaluates the orientation determinant as a sum of floats whose
// total is exactly the real-number value. Each coordinate difference is split
// into a rounded value and its rounding error, each product into a product and
// its FMA residue, and the sixteen resulting terms are accumulated into a
// non-overlapping expansion whose largest non-zero component carries the
// sign. Products of tiny differences could underflow; coordinates in metres
// never come near that range.
func orientExact(a, b, c Vec2) int {
	acx, acxt := twoDiff(a[0], c[0])
	acy, acyt := twoDiff(a[1], c[1])
	bcx, bcxt := twoDiff(b[0], c[0])
	bcy, bcyt := twoDiff(b[1], c[1])
	var e expansion
	if acxt == 0 && acyt == 0 && bcxt == 0 && bcyt == 0 {
		// The usual case (differences of nearby or round coordinates are
		// exact): two exact products, four terms.
		h1, l1 := twoProd(acx, bcy)
		h2, l2 := twoProd(acy, bcx)
		e.add(l1)
		e.add(-l2)
		e.add(h1)
		e.add(-h2)
		return e.sign()
	}
	addProduct(&e, acx, acxt, bcy, bcyt, 1)
	addProduct(&e, acy, acyt, bcx, bcxt, -1)
	return e.sign()
}

// expansion is a fixed-capacity non-overlapping expansion (components in
// increasing magnitude, zeros kept) large enough for orientExact.
type expansion struct {
	c [16]float64
	n int
}

// add grows the expansion by one float (Shewchuk's GROW-EXPANSION).
func (e *expansion) add(b float64) {
	q := b
	for i := 0; i < e.n; i++ {
		q, e.c[i] = twoSum(q, e.c[i])
	}
	e.c[e.n] = q
	e.n++
}

func (e *expansion) sign() int {
	for i := e.n - 1; i >= 0; i-- {
		switch {
		case e.c[i] > 0:
			return 1
		case e.c[i] < 0:
			return -1
		}
	}
	return 0
}

// addProduct adds sgn·(x+xt)·(y+yt) exactly.
func addProduct(e *expansion, x, xt, y, yt, sgn float64) {
	for _, p := range [4][2]float64{{x, y}, {x, yt}, {xt, y}, {xt, yt}} {
		h, l := twoProd(p[0], p[1])
		e.add(sgn * h)
		e.add(sgn * l)
	}
}

func twoSum(a, b float64) (s, err float64) {
	s = a + b
	bv := s - a
	av := s - bv
	return s, (a - av) + (b - bv)
}

func twoDiff(a, b float64) (d, err float64) {
	d = a - b
	bv := a - d
	av := d + bv
	return d, (a - av) + (bv - b)
}

func twoProd(a, b float64) (p, err float64) {
	p = a * b
	return p, math.FMA(a, b, -p)
}

// onSegment reports whether p, already known to be collinear with a and b,
// lies on the closed segment ab. Comparisons only, so it is exact.
func onSegment(a, b, p Vec2) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// segmentsTouch reports whether the closed segments ab and cd share a point.
func segmentsTouch(a, b, c, d Vec2) bool {
	// Bounding boxes first: cheap, exact, and rejects almost every pair.
	if math.Max(a[0], b[0]) < math.Min(c[0], d[0]) || math.Max(c[0], d[0]) < math.Min(a[0], b[0]) ||
		math.Max(a[1], b[1]) < math.Min(c[1], d[1]) || math.Max(c[1], d[1]) < math.Min(a[1], b[1]) {
		return false
	}
	o1, o2 := orient(a, b, c), orient(a, b, d)
	if o1 != 0 && o1 == o2 {
		return false
	}
	o3, o4 := orient(c, d, a), orient(c, d, b)
	if o3 != 0 && o3 == o4 {
		return false
	}
	if o1 != 0 || o2 != 0 || o3 != 0 || o4 != 0 {
		return true // proper crossing or an endpoint on the other segment
	}
	// All four collinear: the bounding boxes overlap, and on a common line
	// that means the segments overlap.
	return true
}

// overlapBeyondShared reports whether two edges sharing the vertex q, with
// far ends a and b, overlap in more than q: a collinear backtrack.
func overlapBeyondShared(a, q, b Vec2) bool {
	if orient(a, q, b) != 0 {
		return false
	}
	// The vectors are exactly parallel, so the sign of the rounded dot
	// product is the sign of the exact one.
	return a.Sub(q).Dot(b.Sub(q)) > 0
}
