package geom

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// checkTriangulation verifies that every triangle is counter-clockwise with
// positive area, indexes real points, and that the areas add up to the
// polygon's. Positive triangles whose areas sum to the polygon area cannot
// overlap without leaving an equal gap, and gaps would also show up as
// vertices of a simple polygon being skipped, so this is a strong check.
func checkTriangulation(t *testing.T, outer Ring, holes []Ring, pts []Vec2, tris [][3]int) {
	t.Helper()
	want := Area(outer)
	n := len(outer)
	for _, h := range holes {
		want -= Area(h)
		n += len(h)
	}
	if len(pts) != n {
		t.Fatalf("got %d points, want %d", len(pts), n)
	}
	var sum float64
	for _, tr := range tris {
		for _, i := range tr {
			if i < 0 || i >= len(pts) {
				t.Fatalf("triangle %v indexes outside %d points", tr, len(pts))
			}
		}
		a := SignedArea(Ring{pts[tr[0]], pts[tr[1]], pts[tr[2]]})
		if a <= 0 {
			t.Fatalf("triangle %v is not counter-clockwise (area %g)", tr, a)
		}
		sum += a
	}
	if tol := 1e-9 * math.Max(1, want); math.Abs(sum-want) > tol {
		t.Fatalf("triangle areas sum to %.12g, polygon area is %.12g", sum, want)
	}
}

func star(n int, rOuter, rInner float64) Ring {
	r := make(Ring, n)
	for i := range r {
		a := 2 * math.Pi * float64(i) / float64(n)
		rad := rOuter
		if i%2 == 1 {
			rad = rInner
		}
		r[i] = Vec2{rad * math.Cos(a), rad * math.Sin(a)}
	}
	return r
}

func rect(x0, y0, x1, y1 float64) Ring {
	return Ring{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}
}

func TestTriangulate(t *testing.T) {
	square := rect(0, 0, 10, 10)
	tests := []struct {
		name  string
		outer Ring
		holes []Ring
		tris  int // expected count, or -1 for don't care
	}{
		{"triangle", Ring{{0, 0}, {1, 0}, {0, 1}}, nil, 1},
		{"square", square, nil, 2},
		{"square clockwise", Reversed(square), nil, 2},
		{"square closed", append(rect(0, 0, 1, 1), Vec2{0, 0}), nil, 2},
		{"L shape", Ring{{0, 0}, {2, 0}, {2, 1}, {1, 1}, {1, 2}, {0, 2}}, nil, 4},
		{"straight vertices kept", Ring{{0, 0}, {1, 0}, {2, 0}, {2, 2}, {1, 2}, {0, 2}}, nil, 4},
		{"square with hole", square, []Ring{rect(2, 2, 4, 4)}, 8},
		{"hole same winding", square, []Ring{Reversed(rect(2, 2, 4, 4))}, 8},
		{"two holes", square, []Ring{rect(1, 1, 3, 3), rect(5, 5, 8, 9)}, 14},
		{"holes in a column", square, []Ring{rect(4, 1, 5, 2), rect(4, 3, 5, 4), rect(4, 5, 5, 6), rect(4, 7, 5, 8)}, -1},
		{"holes in a row", square, []Ring{rect(1, 4, 2, 5), rect(3, 4, 4, 5), rect(5, 4, 6, 5), rect(7, 4, 8, 5)}, -1},
		{"hole level with corner", Ring{{0, 0}, {10, 0}, {10, 10}, {5, 5}, {0, 10}}, []Ring{rect(4, 2, 6, 5-1e-9)}, -1},
		{"degenerate hole ignored", square, []Ring{{{1, 1}, {2, 2}}}, 2},
		{"star 1000", star(1000, 10, 4), nil, 998},
		{"comb", Ring{{0, 0}, {5, 0}, {5, 2}, {4, 2}, {4, 1}, {3, 1}, {3, 2}, {2, 2}, {2, 1}, {1, 1}, {1, 2}, {0, 2}}, nil, 10},
		{"wall with door notch and window", Ring{{0, 0}, {2, 0}, {2, 2.1}, {3, 2.1}, {3, 0}, {10, 0}, {10, 3}, {0, 3}}, []Ring{rect(5, 1, 6, 2)}, -1},
		{"star with holes", star(200, 10, 8), []Ring{circle(Vec2{0, 0}, 3, 40), circle(Vec2{5, 0}, 1, 12), circle(Vec2{-5, 0}, 1, 12)}, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pts, tris, err := Triangulate(tc.outer, tc.holes)
			if err != nil {
				t.Fatal(err)
			}
			holes := tc.holes
			if tc.name == "degenerate hole ignored" {
				holes = nil
				pts = pts[:len(tc.outer)]
			}
			checkTriangulation(t, tc.outer, holes, pts, tris)
			if tc.tris >= 0 && len(tris) != tc.tris {
				t.Errorf("got %d triangles, want %d", len(tris), tc.tris)
			}
		})
	}
}

func circle(c Vec2, r float64, n int) Ring {
	out := make(Ring, n)
	for i := range out {
		a := 2 * math.Pi * float64(i) / float64(n)
		out[i] = c.Add(Vec2{r * math.Cos(a), r * math.Sin(a)})
	}
	return out
}

func TestTriangulateUsesEveryVertex(t *testing.T) {
	// Points on straight runs must appear in the triangulation, otherwise
	// faces of a solid would meet at T-junctions.
	outer := Ring{{0, 0}, {1, 0}, {2, 0}, {3, 0}, {3, 1}, {3, 2}, {2, 2}, {1, 2}, {0, 2}, {0, 1}}
	hole := Ring{{1, 0.5}, {1.5, 0.5}, {2, 0.5}, {2, 1.5}, {1, 1.5}}
	pts, tris, err := Triangulate(outer, []Ring{hole})
	if err != nil {
		t.Fatal(err)
	}
	checkTriangulation(t, outer, []Ring{hole}, pts, tris)
	used := make([]bool, len(pts))
	for _, tr := range tris {
		for _, i := range tr {
			used[i] = true
		}
	}
	for i, u := range used {
		if !u {
			t.Errorf("vertex %d %v not used", i, pts[i])
		}
	}
}

func TestTriangulateDegenerate(t *testing.T) {
	for _, r := range []Ring{nil, {{0, 0}}, {{0, 0}, {1, 1}}, {{0, 0}, {1, 0}, {2, 0}}, {{0, 0}, {1, 0}, {0, 0}}} {
		if _, _, err := Triangulate(r, nil); !errors.Is(err, ErrDegenerate) {
			t.Errorf("Triangulate(%v): err = %v, want ErrDegenerate", r, err)
		}
	}
}

func TestTriangulateInvalidTerminates(t *testing.T) {
	// Garbage in must give an error or some triangles, quickly, never a hang
	// or panic.
	rng := rand.New(rand.NewPCG(9, 9))
	for iter := 0; iter < 20000; iter++ {
		outer := randomGridRing(rng, 3+rng.IntN(12), 2+rng.IntN(6))
		var holes []Ring
		for k := rng.IntN(3); k > 0; k-- {
			holes = append(holes, randomGridRing(rng, 3+rng.IntN(5), 6))
		}
		pts, tris, err := Triangulate(outer, holes)
		if err == nil && len(holes) == 0 && !SelfIntersects(outer) {
			checkTriangulation(t, outer, nil, pts, tris)
		}
	}
}

func TestTriangulateRandomSimple(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for iter := 0; iter < 5000; iter++ {
		outer := starRing(rng, 3+rng.IntN(60), 10, iter%2 == 0)
		if SelfIntersects(outer) {
			continue
		}
		// Holes: small squares around random points of the inner disc that
		// do not touch the outer ring or each other.
		var holes []Ring
		for k := rng.IntN(6); k > 0; k-- {
			c := Vec2{rng.Float64()*6 - 3, rng.Float64()*6 - 3}
			s := 0.1 + 0.4*rng.Float64()
			h := rect(c[0]-s, c[1]-s, c[0]+s, c[1]+s)
			if iter%3 == 0 {
				h = Ring{{c[0] - s, c[1]}, {c[0], c[1] - s}, {c[0] + s, c[1]}, {c[0], c[1] + s}}
			}
			ok := !RingsIntersect(outer, h) && PointInRing(c, outer)
			for _, o := range holes {
				ok = ok && !RingsIntersect(o, h) && !PointInRing(o[0], h) && !PointInRing(h[0], o)
			}
			if ok {
				holes = append(holes, h)
			}
		}
		pts, tris, err := Triangulate(outer, holes)
		if err != nil {
			t.Fatalf("Triangulate(%v, %v): %v", outer, holes, err)
		}
		checkTriangulation(t, outer, holes, pts, tris)
	}
}

func TestTriangulateGridHoles(t *testing.T) {
	// Holes on an integer grid: rays from hole vertices hit outer vertices
	// and earlier bridges exactly, so several bridges share an end point.
	rng := rand.New(rand.NewPCG(13, 14))
	for iter := 0; iter < 3000; iter++ {
		n := 3 + rng.IntN(6)
		outer := rect(0, 0, float64(2*n+1), float64(2*n+1))
		var holes []Ring
		for x := 0; x < n; x++ {
			for y := 0; y < n; y++ {
				if rng.IntN(3) == 0 {
					fx, fy := float64(2*x+1), float64(2*y+1)
					h := rect(fx, fy, fx+1, fy+1)
					if rng.IntN(2) == 0 {
						h = Ring{{fx, fy}, {fx + 1, fy}, {fx + 1, fy + 1}}
					}
					holes = append(holes, h)
				}
			}
		}
		pts, tris, err := Triangulate(outer, holes)
		if err != nil {
			t.Fatalf("holes %v: %v", holes, err)
		}
		checkTriangulation(t, outer, holes, pts, tris)
	}
}

func spiral(n int) Ring {
	// Thick spiral band: outer arm out, inner arm back.
	var a, b Ring
	for i := 0; i < n/2; i++ {
		th := float64(i) * 0.05
		r := 1 + th
		a = append(a, Vec2{r * math.Cos(th), r * math.Sin(th)})
		b = append(b, Vec2{(r + 0.15) * math.Cos(th), (r + 0.15) * math.Sin(th)})
	}
	return append(Reversed(b), a...)
}

func comb(teeth int) Ring {
	r := Ring{{0, 0}}
	for i := 0; i < teeth; i++ {
		x := float64(i)
		r = append(r, Vec2{x + 0.5, 0}, Vec2{x + 0.5, 10}, Vec2{x + 1, 10}, Vec2{x + 1, 0})
	}
	r = append(r, Vec2{float64(teeth), -1}, Vec2{0, -1})
	return r
}

// TestTriangulateHardShapes covers shapes where ears are scarce: a thin
// spiral (ears only at its ends) and a comb (its base strip ends up with
// hundreds of collinear vertices).
func TestTriangulateHardShapes(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Ring
	}{
		{"spiral", spiral(3000)},
		{"comb", comb(300)},
		{"circle", circle(Vec2{}, 10, 20000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pts, tris, err := Triangulate(tc.r, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkTriangulation(t, tc.r, nil, pts, tris)
		})
	}
}

func FuzzTriangulate(f *testing.F) {
	f.Add([]byte{0, 0, 10, 0, 10, 10, 0, 10}, uint8(0))
	f.Add([]byte{0, 0, 20, 0, 20, 20, 0, 20, 5, 5, 10, 5, 10, 10}, uint8(4))
	f.Add([]byte{0, 0, 10, 10, 10, 0, 0, 10}, uint8(0))
	f.Add([]byte{0, 0, 4, 0, 4, 4, 2, 0, 0, 4}, uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		if len(data) > 400 {
			return
		}
		var pts Ring
		for i := 0; i+1 < len(data); i += 2 {
			pts = append(pts, Vec2{float64(data[i]), float64(data[i+1])})
		}
		// The first split points (if fewer than all) form the outer ring,
		// the rest one hole.
		k := int(split)
		if k < 3 || k >= len(pts) {
			k = len(pts)
		}
		outer := pts[:k]
		var holes []Ring
		if rest := pts[k:]; len(rest) > 0 {
			holes = []Ring{rest}
		}
		got, tris, err := Triangulate(outer, holes)
		for _, tr := range tris {
			for _, i := range tr {
				if i < 0 || i >= len(got) {
					t.Fatalf("index %d out of range", i)
				}
			}
		}
		valid := !SelfIntersects(outer) && Area(outer) > 0
		if len(holes) > 0 {
			h := holes[0]
			valid = valid && !SelfIntersects(h) && Area(h) > 0 && !RingsIntersect(outer, h) && PointInRing(h[0], outer)
		}
		if !valid {
			return
		}
		if err != nil {
			t.Fatalf("valid polygon %v holes %v: %v", outer, holes, err)
		}
		checkTriangulation(t, outer, holes, got, tris)
	})
}

func BenchmarkTriangulate(b *testing.B) {
	// A slab outline of a few thousand points with a dozen openings.
	outer := star(2000, 50, 45)
	var holes []Ring
	for k := 0; k < 12; k++ {
		a := 2 * math.Pi * float64(k) / 12
		holes = append(holes, circle(Vec2{25 * math.Cos(a), 25 * math.Sin(a)}, 3, 32))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Triangulate(outer, holes); err != nil {
			b.Fatal(err)
		}
	}
}
