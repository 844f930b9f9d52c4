package geom

import (
	"math"
	"slices"
)

// Ring is a closed polygon ring. The first point is not repeated at the end;
// CleanRing tolerates and removes such a closing point.
type Ring []Vec2

// CleanRing returns a copy of r without a repeated closing point and without
// consecutive duplicate points (wrapping around), which is the form every
// other function here expects.
func CleanRing(r Ring) Ring {
	out := make(Ring, 0, len(r))
	for _, p := range r {
		if len(out) == 0 || out[len(out)-1] != p {
			out = append(out, p)
		}
	}
	for len(out) > 1 && out[len(out)-1] == out[0] {
		out = out[:len(out)-1]
	}
	return out
}

// cleanView is CleanRing without the copy when r is already clean, for the
// hot paths that only read.
func cleanView(r Ring) Ring {
	n := len(r)
	if n < 2 {
		return r
	}
	if r[n-1] != r[0] {
		i := 1
		for i < n && r[i] != r[i-1] {
			i++
		}
		if i == n {
			return r
		}
	}
	return CleanRing(r)
}

// SignedArea is the shoelace area: positive when r is counter-clockwise.
func SignedArea(r Ring) float64 {
	if len(r) < 3 {
		return 0
	}
	// Summing relative to the first point keeps the products small, so that
	// a small room far from the project origin keeps its precision.
	o := r[0]
	var s float64
	prev := Vec2{}
	for _, p := range r[1:] {
		q := p.Sub(o)
		s += prev.Cross(q)
		prev = q
	}
	return s / 2
}

// Area is the unsigned area of r.
func Area(r Ring) float64 { return math.Abs(SignedArea(r)) }

// Perimeter is the length of r including its closing edge.
func Perimeter(r Ring) float64 {
	if len(r) < 2 {
		return 0
	}
	var s float64
	prev := r[len(r)-1]
	for _, p := range r {
		s += p.Sub(prev).Len()
		prev = p
	}
	return s
}

// IsCCW reports whether r winds counter-clockwise (positive area).
func IsCCW(r Ring) bool { return SignedArea(r) > 0 }

// Reversed returns a new ring with the points of r in the opposite order.
func Reversed(r Ring) Ring {
	out := make(Ring, len(r))
	for i, p := range r {
		out[len(r)-1-i] = p
	}
	return out
}

// DistinctPoints counts the distinct points of r, so a repeated closing point
// or a doubled vertex is not mistaken for a real corner.
func DistinctPoints(r Ring) int {
	s := slices.Clone(r)
	slices.SortFunc(s, cmpVec2)
	return len(slices.Compact(s))
}

func cmpVec2(a, b Vec2) int {
	switch {
	case a.Less(b):
		return -1
	case b.Less(a):
		return 1
	}
	return 0
}

// PointInRing reports whether p lies inside r or on its boundary. Crossings
// are counted with exact predicates (even-odd rule), so a point on an edge or
// exactly level with a vertex gets a definite answer.
func PointInRing(p Vec2, r Ring) bool {
	n := len(r)
	if n == 0 {
		return false
	}
	inside := false
	a := r[n-1]
	for _, b := range r {
		if (a[1] > p[1]) != (b[1] > p[1]) {
			o := orient(a, b, p)
			if o == 0 {
				return true // on the edge: it straddles p's level and p is on its line
			}
			// The edge crosses p's level; it is to the right of p when p is
			// on its left for an upward edge, or on its right for a downward one.
			if (o > 0) == (b[1] > a[1]) {
				inside = !inside
			}
		} else if (a[1] == p[1] || b[1] == p[1]) && orient(a, b, p) == 0 && onSegment(a, b, p) {
			return true
		}
		a = b
	}
	return inside
}

// BBox2 returns the axis-aligned bounding box of r (zero for an empty ring).
func BBox2(r Ring) (min, max Vec2) {
	if len(r) == 0 {
		return
	}
	min, max = r[0], r[0]
	for _, p := range r[1:] {
		min = Vec2{math.Min(min[0], p[0]), math.Min(min[1], p[1])}
		max = Vec2{math.Max(max[0], p[0]), math.Max(max[1], p[1])}
	}
	return
}
