package geom

import (
	"math"
	"slices"
	"testing"
)

func TestRingMeasures(t *testing.T) {
	lShape := Ring{{0, 0}, {2, 0}, {2, 1}, {1, 1}, {1, 2}, {0, 2}}
	tests := []struct {
		name      string
		r         Ring
		signed    float64
		perimeter float64
	}{
		{"square", rect(0, 0, 2, 2), 4, 8},
		{"square clockwise", Reversed(rect(0, 0, 2, 2)), -4, 8},
		{"square closed", append(rect(0, 0, 2, 2), Vec2{0, 0}), 4, 8},
		{"L shape", lShape, 3, 8},
		{"triangle", Ring{{0, 0}, {4, 0}, {0, 3}}, 6, 12},
		{"far from origin", Ring{{500000, 4000000}, {500000.1, 4000000}, {500000.1, 4000000.1}, {500000, 4000000.1}}, 0.01, 0.4},
		{"degenerate", Ring{{0, 0}, {1, 1}}, 0, 2 * math.Sqrt2},
		{"empty", nil, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if a := SignedArea(tc.r); math.Abs(a-tc.signed) > 1e-9 {
				t.Errorf("SignedArea = %.15g, want %g", a, tc.signed)
			}
			if a := Area(tc.r); math.Abs(a-math.Abs(tc.signed)) > 1e-9 {
				t.Errorf("Area = %g", a)
			}
			if p := Perimeter(tc.r); math.Abs(p-tc.perimeter) > 1e-9 {
				t.Errorf("Perimeter = %.15g, want %g", p, tc.perimeter)
			}
			if IsCCW(tc.r) != (tc.signed > 0) {
				t.Errorf("IsCCW = %v", IsCCW(tc.r))
			}
		})
	}
	// Polygon with a hole: outer minus hole, whatever the hole's winding.
	outer, hole := rect(0, 0, 10, 10), rect(2, 2, 4, 5)
	if got := Area(outer) - Area(Reversed(hole)); got != 94 {
		t.Errorf("area with hole %g", got)
	}
}

func TestCleanRing(t *testing.T) {
	tests := []struct {
		in, want Ring
	}{
		{Ring{{0, 0}, {1, 0}, {1, 1}}, Ring{{0, 0}, {1, 0}, {1, 1}}},
		{Ring{{0, 0}, {1, 0}, {1, 1}, {0, 0}}, Ring{{0, 0}, {1, 0}, {1, 1}}},
		{Ring{{0, 0}, {0, 0}, {1, 0}, {1, 0}, {1, 1}, {0, 0}, {0, 0}}, Ring{{0, 0}, {1, 0}, {1, 1}}},
		{Ring{{0, 0}, {0, 0}}, Ring{{0, 0}}},
		{nil, Ring{}},
	}
	for _, tc := range tests {
		got := CleanRing(tc.in)
		if !slices.Equal(got, tc.want) {
			t.Errorf("CleanRing(%v) = %v, want %v", tc.in, got, tc.want)
		}
		if v := cleanView(tc.in); !slices.Equal(v, tc.want) && len(tc.in) > 0 {
			t.Errorf("cleanView(%v) = %v, want %v", tc.in, v, tc.want)
		}
	}
	in := Ring{{0, 0}, {1, 0}, {1, 1}}
	out := CleanRing(in)
	out[0] = Vec2{9, 9}
	if in[0] != (Vec2{0, 0}) {
		t.Error("CleanRing shares storage with its input")
	}
}

func TestReversedAndDistinct(t *testing.T) {
	r := Ring{{0, 0}, {1, 0}, {1, 1}, {0, 0}}
	rev := Reversed(r)
	if !slices.Equal(rev, Ring{{0, 0}, {1, 1}, {1, 0}, {0, 0}}) {
		t.Errorf("Reversed = %v", rev)
	}
	if r[1] != (Vec2{1, 0}) {
		t.Error("Reversed modified its input")
	}
	tests := []struct {
		r    Ring
		want int
	}{
		{r, 3},
		{Ring{{0, 0}, {0, 0}, {0, 0}}, 1},
		{Ring{{0, 0}, {1, 0}, {0, 0}, {1, 0}}, 2},
		{Ring{{0, 0}, {math.Copysign(0, -1), 0}}, 1},
		{nil, 0},
	}
	for _, tc := range tests {
		if got := DistinctPoints(tc.r); got != tc.want {
			t.Errorf("DistinctPoints(%v) = %d, want %d", tc.r, got, tc.want)
		}
	}
}

func TestPointInRing(t *testing.T) {
	lShape := Ring{{0, 0}, {2, 0}, {2, 1}, {1, 1}, {1, 2}, {0, 2}}
	tests := []struct {
		name string
		p    Vec2
		want bool
	}{
		{"inside", Vec2{0.5, 0.5}, true},
		{"inside arm", Vec2{0.5, 1.5}, true},
		{"in the notch", Vec2{1.5, 1.5}, false},
		{"outside", Vec2{3, 0.5}, false},
		{"level with a vertex", Vec2{0.5, 1}, true},
		{"level with a vertex outside", Vec2{-1, 1}, false},
		{"on an edge", Vec2{1, 0}, true},
		{"on a vertical edge", Vec2{2, 0.5}, true},
		{"on a vertex", Vec2{1, 1}, true},
		{"on the closing edge", Vec2{0, 1}, true},
		{"below", Vec2{1, -1}, false},
	}
	for _, tc := range tests {
		for _, r := range []Ring{lShape, Reversed(lShape)} {
			if got := PointInRing(tc.p, r); got != tc.want {
				t.Errorf("%s: PointInRing(%v) = %v, want %v", tc.name, tc.p, got, tc.want)
			}
		}
	}
	if PointInRing(Vec2{}, nil) {
		t.Error("point in empty ring")
	}
}

func TestBBox2(t *testing.T) {
	lo, hi := BBox2(Ring{{1, 5}, {-2, 3}, {4, -1}})
	if lo != (Vec2{-2, -1}) || hi != (Vec2{4, 5}) {
		t.Errorf("BBox2 = %v %v", lo, hi)
	}
	if lo, hi := BBox2(nil); lo != (Vec2{}) || hi != (Vec2{}) {
		t.Error("empty ring has a box")
	}
}
