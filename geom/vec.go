package geom

import "math"

// Vec2 is a point or vector in the plane.
type Vec2 [2]float64

// Vec3 is a point or vector in space.
type Vec3 [3]float64

// The one-line methods below are the usual component-wise operations; they
// take and return values so that expressions chain without allocation.

func (a Vec2) Add(b Vec2) Vec2      { return Vec2{a[0] + b[0], a[1] + b[1]} }
func (a Vec2) Sub(b Vec2) Vec2      { return Vec2{a[0] - b[0], a[1] - b[1]} }
func (a Vec2) Scale(s float64) Vec2 { return Vec2{a[0] * s, a[1] * s} }
func (a Vec2) Dot(b Vec2) float64   { return a[0]*b[0] + a[1]*b[1] }
func (a Vec2) Len() float64         { return math.Hypot(a[0], a[1]) }
func (a Vec2) Vec3(z float64) Vec3  { return Vec3{a[0], a[1], z} }
func (a Vec2) Less(b Vec2) bool     { return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]) }
func (a Vec2) Cross(b Vec2) float64 { return a[0]*b[1] - a[1]*b[0] }
func (a Vec3) Add(b Vec3) Vec3      { return Vec3{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }
func (a Vec3) Sub(b Vec3) Vec3      { return Vec3{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }
func (a Vec3) Scale(s float64) Vec3 { return Vec3{a[0] * s, a[1] * s, a[2] * s} }
func (a Vec3) Dot(b Vec3) float64   { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
func (a Vec3) XY() Vec2             { return Vec2{a[0], a[1]} }

// Cross is the right-handed cross product a × b.
func (a Vec3) Cross(b Vec3) Vec3 {
	return Vec3{
		a[1]*b[2] - a[2]*b[1],
		a[2]*b[0] - a[0]*b[2],
		a[0]*b[1] - a[1]*b[0],
	}
}

// Len is the Euclidean length. Like math.Hypot it rescales extreme
// magnitudes so that squaring neither underflows nor overflows.
func (a Vec3) Len() float64 {
	d := a.Dot(a)
	if d > 1e-290 && d < 1e290 {
		return math.Sqrt(d)
	}
	m := math.Max(math.Abs(a[0]), math.Max(math.Abs(a[1]), math.Abs(a[2])))
	if m == 0 || math.IsInf(m, 0) || math.IsNaN(m) {
		return m
	}
	b := a.Scale(1 / m)
	return m * math.Sqrt(b.Dot(b))
}

// Norm returns a unit vector in the direction of a. The zero vector stays
// zero rather than becoming NaN so that degenerate faces do not poison sums.
func (a Vec3) Norm() Vec3 {
	l := a.Len()
	if l == 0 {
		return Vec3{}
	}
	return Vec3{a[0] / l, a[1] / l, a[2] / l}
}

// Norm returns a unit vector in the direction of a (zero stays zero).
func (a Vec2) Norm() Vec2 {
	l := a.Len()
	if l == 0 {
		return Vec2{}
	}
	return Vec2{a[0] / l, a[1] / l}
}

func minVec3(a, b Vec3) Vec3 {
	return Vec3{math.Min(a[0], b[0]), math.Min(a[1], b[1]), math.Min(a[2], b[2])}
}

func maxVec3(a, b Vec3) Vec3 {
	return Vec3{math.Max(a[0], b[0]), math.Max(a[1], b[1]), math.Max(a[2], b[2])}
}
