package geom

import (
	"math"
	"testing"
)

// checkClosed asserts that s is a valid closed B-rep: every directed edge of
// every loop appears exactly once and its reverse exactly once, face normals
// are unit and agree with the outer loops' winding, holes wind against it,
// and the enclosed volume is positive.
func checkClosed(t *testing.T, s Solid) {
	t.Helper()
	if len(s.Faces) == 0 {
		t.Fatal("solid has no faces")
	}
	type dirEdge [2]Vec3
	count := map[dirEdge]int{}
	for fi, f := range s.Faces {
		if math.Abs(f.Normal.Len()-1) > 1e-9 {
			t.Fatalf("face %d: normal %v is not unit", fi, f.Normal)
		}
		if va := loopVectorArea(f.Outer); va.Norm().Dot(f.Normal) < 1-1e-9 {
			t.Fatalf("face %d: outer loop winds against normal %v (vector area %v)", fi, f.Normal, va)
		}
		for hi, h := range f.Inner {
			if va := loopVectorArea(h); va.Norm().Dot(f.Normal) > -1+1e-9 {
				t.Fatalf("face %d hole %d: winds with the normal", fi, hi)
			}
		}
		for _, l := range append([][]Vec3{f.Outer}, f.Inner...) {
			for i, p := range l {
				count[dirEdge{p, l[(i+1)%len(l)]}]++
			}
		}
	}
	for e, n := range count {
		if n != 1 {
			t.Fatalf("directed edge %v used %d times", e, n)
		}
		if r := count[dirEdge{e[1], e[0]}]; r != 1 {
			t.Fatalf("edge %v: reverse used %d times", e, r)
		}
	}
	if v := s.Volume(); v <= 0 {
		t.Fatalf("volume %g is not positive", v)
	}
}

// checkTriangles asserts that Solid.Triangles covers the surface (same
// total area), winds outward (same volume), and carries the face normals.
func checkTriangles(t *testing.T, s Solid) {
	t.Helper()
	pos, nrm, idx, err := s.Triangles()
	if err != nil {
		t.Fatal(err)
	}
	if len(pos) != len(nrm) || len(idx)%3 != 0 {
		t.Fatalf("%d positions, %d normals, %d indices", len(pos), len(nrm), len(idx))
	}
	m := Mesh{Vertices: pos}
	for k := 0; k < len(idx); k += 3 {
		tr := [3]int{int(idx[k]), int(idx[k+1]), int(idx[k+2])}
		m.Triangles = append(m.Triangles, tr)
		n := m.triangleNormal(tr)
		if n.Norm().Dot(nrm[tr[0]]) < 1-1e-9 {
			t.Fatalf("triangle %v winds against its normal %v", tr, nrm[tr[0]])
		}
	}
	if a, want := m.Area(), s.Area(); math.Abs(a-want) > 1e-9*want {
		t.Fatalf("triangle area %g, solid area %g", a, want)
	}
	if v, want := m.Volume(), s.Volume(); math.Abs(v-want) > 1e-9*want {
		t.Fatalf("triangle volume %g, solid volume %g", v, want)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestBox(t *testing.T) {
	tests := []struct {
		name       string
		base, size Vec3
		rot        float64
		min, max   Vec3
	}{
		{"unit", Vec3{}, Vec3{1, 1, 1}, 0, Vec3{-0.5, -0.5, 0}, Vec3{0.5, 0.5, 1}},
		{"offset", Vec3{10, 20, 3}, Vec3{2, 4, 1}, 0, Vec3{9, 18, 3}, Vec3{11, 22, 4}},
		{"quarter turn", Vec3{0, 0, 0}, Vec3{2, 4, 1}, 90, Vec3{-2, -1, 0}, Vec3{2, 1, 1}},
		{"minus quarter turn", Vec3{0, 0, 0}, Vec3{2, 4, 1}, -270, Vec3{-2, -1, 0}, Vec3{2, 1, 1}},
		{"half turn", Vec3{0, 0, 0}, Vec3{2, 4, 1}, 180, Vec3{-1, -2, 0}, Vec3{1, 2, 1}},
		{"45 degrees", Vec3{0, 0, 0}, Vec3{2, 2, 1}, 45, Vec3{-math.Sqrt2, -math.Sqrt2, 0}, Vec3{math.Sqrt2, math.Sqrt2, 1}},
		{"30 degrees far away", Vec3{500000, 4000000, 100}, Vec3{3, 1, 2}, 30, Vec3{}, Vec3{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Box(tc.base, tc.size, tc.rot)
			checkClosed(t, s)
			checkTriangles(t, s)
			if len(s.Faces) != 6 {
				t.Errorf("%d faces, want 6", len(s.Faces))
			}
			wantV := tc.size[0] * tc.size[1] * tc.size[2]
			wantA := 2 * (tc.size[0]*tc.size[1] + tc.size[1]*tc.size[2] + tc.size[0]*tc.size[2])
			if v := s.Volume(); math.Abs(v-wantV) > 1e-6 {
				t.Errorf("volume %g, want %g", v, wantV)
			}
			if a := s.Area(); math.Abs(a-wantA) > 1e-6 {
				t.Errorf("area %g, want %g", a, wantA)
			}
			if tc.min != tc.max {
				lo, hi := s.BBox()
				for k := 0; k < 3; k++ {
					if !near(lo[k], tc.min[k]) || !near(hi[k], tc.max[k]) {
						t.Errorf("bbox %v %v, want %v %v", lo, hi, tc.min, tc.max)
						break
					}
				}
			}
		})
	}
}

func TestBoxRotationSense(t *testing.T) {
	// A box long in x turned +90° must be long in y: counter-clockwise.
	s := Box(Vec3{}, Vec3{4, 1, 1}, 90)
	lo, hi := s.BBox()
	if hi[1]-lo[1] != 4 || hi[0]-lo[0] != 1 {
		t.Fatalf("bbox %v %v", lo, hi)
	}
	// And the corner that started at (+2, +0.5) ends at (-0.5, +2).
	s = Box(Vec3{}, Vec3{4, 1, 1}, 30)
	want := Vec3{2*math.Cos(math.Pi/6) - 0.5*math.Sin(math.Pi/6), 2*math.Sin(math.Pi/6) + 0.5*math.Cos(math.Pi/6), 0}
	found := false
	for _, f := range s.Faces {
		for _, p := range f.Outer {
			found = found || p.Sub(want).Len() < 1e-12
		}
	}
	if !found {
		t.Fatalf("rotated corner %v not found", want)
	}
}

func TestExtrude(t *testing.T) {
	lShape := Ring{{0, 0}, {2, 0}, {2, 1}, {1, 1}, {1, 2}, {0, 2}}
	square := rect(0, 0, 10, 10)
	holes := []Ring{rect(1, 1, 3, 3), Reversed(rect(5, 5, 8, 9))}
	tilted := Frame{
		Origin: Vec3{5, -3, 2},
		U:      Vec3{math.Cos(0.3), math.Sin(0.3), 0},
		V:      Vec3{-math.Sin(0.3) * math.Cos(1.1), math.Cos(0.3) * math.Cos(1.1), math.Sin(1.1)},
	}
	flat := Frame{U: Vec3{1, 0, 0}, V: Vec3{0, 1, 0}}
	tests := []struct {
		name    string
		f       Frame
		profile Ring
		holes   []Ring
		depth   float64
		volume  float64
		area    float64
	}{
		{"L shape", flat, lShape, nil, 2, 6, 2*3 + 2*8},
		{"L shape clockwise", flat, Reversed(lShape), nil, 2, 6, 2*3 + 2*8},
		{"L shape negative depth", flat, lShape, nil, -2, 6, 2*3 + 2*8},
		{"L shape tilted", tilted, lShape, nil, 0.5, 1.5, 2*3 + 0.5*8},
		{"square with holes", flat, square, holes, 0.2, 0.2 * (100 - 4 - 12), 2*(100-4-12) + 0.2*(40+8+14)},
		{"square with holes tilted", tilted, Reversed(square), holes, 3, 3 * (100 - 4 - 12), 2*(100-4-12) + 3*(40+8+14)},
		{"closing point repeated", flat, append(rect(0, 0, 1, 1), Vec2{0, 0}), nil, 1, 1, 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Extrude(tc.f, tc.profile, tc.holes, tc.depth)
			checkClosed(t, s)
			checkTriangles(t, s)
			if v := s.Volume(); !near(v, tc.volume) {
				t.Errorf("volume %g, want %g", v, tc.volume)
			}
			if a := s.Area(); !near(a, tc.area) {
				t.Errorf("area %g, want %g", a, tc.area)
			}
		})
	}
	if s := Extrude(flat, lShape, nil, 0); len(s.Faces) != 0 {
		t.Error("zero depth should give an empty solid")
	}
	if s := Extrude(flat, Ring{{0, 0}, {1, 1}, {2, 2}}, nil, 1); len(s.Faces) != 0 {
		t.Error("flat profile should give an empty solid")
	}
}

func TestPrism(t *testing.T) {
	slab := Prism(rect(0, 0, 6, 4), []Ring{rect(1, 1, 2, 3)}, 3, 2.8)
	checkClosed(t, slab)
	checkTriangles(t, slab)
	if v := slab.Volume(); !near(v, 0.2*(24-2)) {
		t.Errorf("volume %g", v)
	}
	lo, hi := slab.BBox()
	if lo != (Vec3{0, 0, 2.8}) || hi != (Vec3{6, 4, 3}) {
		t.Errorf("bbox %v %v", lo, hi)
	}
	// Top face points up, bottom face down.
	if slab.Faces[0].Normal != (Vec3{0, 0, 1}) || slab.Faces[1].Normal != (Vec3{0, 0, -1}) {
		t.Errorf("normals %v %v", slab.Faces[0].Normal, slab.Faces[1].Normal)
	}
	star := Prism(star(1000, 10, 4), nil, 0, 1)
	checkClosed(t, star)
	checkTriangles(t, star)
}

func TestSolidEmpty(t *testing.T) {
	var s Solid
	if s.Volume() != 0 || s.Area() != 0 {
		t.Error("empty solid has volume or area")
	}
	if lo, hi := s.BBox(); lo != (Vec3{}) || hi != (Vec3{}) {
		t.Error("empty solid has a box")
	}
	if pos, _, idx, err := s.Triangles(); len(pos) != 0 || len(idx) != 0 || err != nil {
		t.Error("empty solid has triangles")
	}
}

func TestFaceBasis(t *testing.T) {
	for _, n := range []Vec3{{0, 0, 1}, {0, 0, -1}, {1, 0, 0}, {0, -1, 0}, Vec3{1, 2, 3}.Norm(), Vec3{-3, 0.1, 0.2}.Norm()} {
		u, v := faceBasis(n)
		if !near(u.Len(), 1) || !near(v.Len(), 1) || math.Abs(u.Dot(v)) > 1e-12 || u.Cross(v).Sub(n).Len() > 1e-12 {
			t.Errorf("basis for %v: u %v v %v", n, u, v)
		}
	}
}
