package geom

import (
	"errors"
	"math"
	"testing"
)

// cubeMesh is the unit cube [0,1]³ with outward-wound triangles.
func cubeMesh() Mesh {
	v := []Vec3{{0, 0, 0}, {1, 0, 0}, {1, 1, 0}, {0, 1, 0}, {0, 0, 1}, {1, 0, 1}, {1, 1, 1}, {0, 1, 1}}
	quads := [][4]int{
		{0, 3, 2, 1}, // bottom, seen from below
		{4, 5, 6, 7}, // top
		{0, 1, 5, 4}, // south
		{1, 2, 6, 5}, // east
		{2, 3, 7, 6}, // north
		{3, 0, 4, 7}, // west
	}
	m := Mesh{Vertices: v}
	for _, q := range quads {
		m.Triangles = append(m.Triangles, [3]int{q[0], q[1], q[2]}, [3]int{q[0], q[2], q[3]})
	}
	return m
}

func TestMesh(t *testing.T) {
	cube := cubeMesh()
	inverted := cube.Oriented()
	for i, tr := range inverted.Triangles {
		inverted.Triangles[i] = [3]int{tr[0], tr[2], tr[1]}
	}
	open := Mesh{Vertices: cube.Vertices, Triangles: cube.Triangles[:10]}
	mixed := cube.Oriented()
	mixed.Triangles[0] = [3]int{mixed.Triangles[0][0], mixed.Triangles[0][2], mixed.Triangles[0][1]}
	tetra := Mesh{
		Vertices:  []Vec3{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}},
		Triangles: [][3]int{{0, 2, 1}, {0, 1, 3}, {0, 3, 2}, {1, 2, 3}},
	}
	tests := []struct {
		name   string
		m      Mesh
		closed bool
		volume float64
		area   float64
	}{
		{"cube", cube, true, 1, 6},
		{"inverted cube", inverted, true, -1, 6},
		{"open cube", open, false, math.NaN(), 5},
		{"one triangle flipped", mixed, false, math.NaN(), 6},
		{"tetrahedron", tetra, true, 1.0 / 6, 1.5 + math.Sqrt(3)/2},
		{"empty", Mesh{}, false, 0, 0},
		{"bad index", Mesh{Vertices: tetra.Vertices, Triangles: [][3]int{{0, 1, 7}}}, false, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.m.Closed(); got != tc.closed {
				t.Errorf("Closed = %v, want %v", got, tc.closed)
			}
			if v := tc.m.Volume(); !math.IsNaN(tc.volume) && !near(v, tc.volume) {
				t.Errorf("Volume = %g, want %g", v, tc.volume)
			}
			if a := tc.m.Area(); !near(a, tc.area) {
				t.Errorf("Area = %g, want %g", a, tc.area)
			}
			o := tc.m.Oriented()
			if o.Volume() < 0 {
				t.Errorf("Oriented volume %g", o.Volume())
			}
			s, err := tc.m.Solid()
			if !tc.closed {
				if !errors.Is(err, ErrMeshNotClosed) {
					t.Errorf("Solid of an open mesh: err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !near(s.Volume(), tc.volume) {
				t.Errorf("solid volume %g, want %g", s.Volume(), tc.volume)
			}
			if tc.volume > 0 {
				checkClosed(t, s)
				checkTriangles(t, s)
			}
		})
	}
}

func TestMeshBBoxAndOrientedCopy(t *testing.T) {
	m := cubeMesh()
	lo, hi := m.BBox()
	if lo != (Vec3{}) || hi != (Vec3{1, 1, 1}) {
		t.Errorf("bbox %v %v", lo, hi)
	}
	inv := m.Oriented()
	for i, tr := range inv.Triangles {
		inv.Triangles[i] = [3]int{tr[0], tr[2], tr[1]}
	}
	before := inv.Triangles[0]
	fixed := inv.Oriented()
	if inv.Triangles[0] != before {
		t.Error("Oriented modified its receiver")
	}
	if !near(fixed.Volume(), 1) {
		t.Errorf("oriented volume %g", fixed.Volume())
	}
}

func TestMeshSolidDropsDegenerate(t *testing.T) {
	// A tetrahedron whose face 1-2-3 is split at the midpoint m of edge 1-2,
	// plus a sliver triangle 1-m-2 closing a zero-area pocket: closed by
	// index, but the sliver has no area and must be dropped.
	v := []Vec3{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0.5, 0.5, 0}}
	m := Mesh{Vertices: v, Triangles: [][3]int{
		{0, 2, 4}, {0, 4, 1}, // bottom, split at m
		{0, 1, 3}, {0, 3, 2},
		{1, 4, 3}, {4, 2, 3}, // slanted face split at m
	}}
	if !m.Closed() {
		t.Fatal("mesh should be closed")
	}
	m.Triangles = append(m.Triangles, [3]int{1, 2, 4}, [3]int{1, 4, 2})
	if m.Closed() {
		t.Fatal("edge 1-2 used twice in both directions: not closed")
	}
	m2 := Mesh{Vertices: v, Triangles: [][3]int{
		{0, 2, 1}, {0, 1, 3}, {0, 3, 2},
		{1, 4, 3}, {4, 2, 3}, {1, 2, 4}, // sliver closes the T-junction
	}}
	if !m2.Closed() {
		t.Fatal("mesh with sliver should be closed")
	}
	s, err := m2.Solid()
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Faces) != 5 {
		t.Errorf("%d faces, want 5 (sliver dropped)", len(s.Faces))
	}
	if !near(s.Volume(), 1.0/6) {
		t.Errorf("volume %g", s.Volume())
	}
}
