package geom

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestWallSolids(t *testing.T) {
	door := Opening{Offset: 2, Width: 1, Sill: 0, Height: 2.1}
	window := Opening{Offset: 5, Width: 1, Sill: 1, Height: 1}
	tests := []struct {
		name       string
		start, end Vec2
		openings   []Opening
		solids     int
		volume     float64 // total, for thickness 0.3 and height 3
		holes      int     // total inner loops over the front faces
	}{
		{"plain", Vec2{0, 0}, Vec2{10, 0}, nil, 1, 9, 0},
		{"door and window", Vec2{0, 0}, Vec2{10, 0}, []Opening{door, window}, 1, 10*0.3*3 - 0.3*(2.1+1), 1},
		{"door and window, diagonal", Vec2{1, 2}, Vec2{1 + 6, 2 + 8}, []Opening{door, window}, 1, 10*0.3*3 - 0.3*(2.1+1), 1},
		{"door and window, running west", Vec2{10, 5}, Vec2{0, 5}, []Opening{window, door}, 1, 10*0.3*3 - 0.3*(2.1+1), 1},
		{"full height opening", Vec2{0, 0}, Vec2{10, 0}, []Opening{{4, 2, 0, 3}}, 2, 0.3 * 3 * 8, 0},
		{"two full height openings", Vec2{0, 0}, Vec2{10, 0}, []Opening{{2, 1, 0, 3}, {6, 1, 0, 3}}, 3, 0.3 * 3 * 8, 0},
		{"opening at the wall end", Vec2{0, 0}, Vec2{10, 0}, []Opening{{9, 1, 0, 3}}, 1, 0.3 * 3 * 9, 0},
		{"door at the wall start", Vec2{0, 0}, Vec2{10, 0}, []Opening{{0, 1, 0, 2}}, 1, 0.3 * (30 - 2), 0},
		{"window at the wall end corner", Vec2{0, 0}, Vec2{10, 0}, []Opening{{9, 1, 2, 1}}, 1, 0.3 * (30 - 1), 0},
		{"top notch", Vec2{0, 0}, Vec2{10, 0}, []Opening{{4, 2, 2.5, 0.5}}, 1, 0.3 * (30 - 1), 0},
		{"adjacent doors", Vec2{0, 0}, Vec2{10, 0}, []Opening{{2, 1, 0, 2}, {3, 1, 0, 2.5}}, 1, 0.3 * (30 - 2 - 2.5), 0},
		{"window on a door", Vec2{0, 0}, Vec2{10, 0}, []Opening{{2, 1, 0, 2}, {2, 1, 2, 0.5}}, 1, 0.3 * (30 - 2.5), 0},
		{"door and top notch meet", Vec2{0, 0}, Vec2{10, 0}, []Opening{{2, 1, 0, 2}, {2, 1, 2, 1}}, 2, 0.3 * 27, 0},
		{"several windows", Vec2{0, 0}, Vec2{10, 0}, []Opening{{1, 1, 1, 1}, {3, 1, 1, 1}, {5, 1, 1, 1}, {7, 1.5, 0.5, 2}}, 1, 0.3 * (30 - 6), 4},
		{"window touching window", Vec2{0, 0}, Vec2{10, 0}, []Opening{{1, 1, 1, 1}, {2, 1, 1, 1}}, 1, 0.3 * 28, 1},
		{"rounding at the end", Vec2{0, 0}, Vec2{0.3, 0}, []Opening{{0.1, 0.2, 0, 3}}, 1, 0.3 * 0.3 * 1, 0},
		{"everything open", Vec2{0, 0}, Vec2{2, 0}, []Opening{{0, 2, 0, 3}}, 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			solids := WallSolids(tc.start, tc.end, 0.3, 1.5, 3, tc.openings)
			if len(solids) != tc.solids {
				t.Fatalf("%d solids, want %d", len(solids), tc.solids)
			}
			var v float64
			holes := 0
			for _, s := range solids {
				checkClosed(t, s)
				checkTriangles(t, s)
				v += s.Volume()
				holes += len(s.Faces[0].Inner)
				lo, hi := s.BBox()
				if !near(lo[2], 1.5) && !near(hi[2], 4.5) {
					t.Errorf("solid spans z %g..%g, wall is 1.5..4.5", lo[2], hi[2])
				}
			}
			if !near(v, tc.volume) {
				t.Errorf("volume %.12g, want %.12g", v, tc.volume)
			}
			if holes != tc.holes {
				t.Errorf("%d holes, want %d", holes, tc.holes)
			}
		})
	}
}

func TestWallSolidsCornerContact(t *testing.T) {
	// A window whose corner touches the door's corner: the wall is one piece,
	// pinched along a line, with the window merged into the door's notch.
	s := WallSolids(Vec2{0, 0}, Vec2{10, 0}, 0.3, 0, 3, []Opening{{2, 1, 0, 2}, {3, 1, 2, 0.5}})
	if len(s) != 1 {
		t.Fatalf("%d solids", len(s))
	}
	if v := s[0].Volume(); !near(v, 0.3*(30-2.5)) {
		t.Errorf("volume %g", v)
	}
	checkTriangles(t, s[0])
	// Corner contact that separates pieces: a door and a top notch meeting
	// at a point give two solids, each manifold.
	s = WallSolids(Vec2{0, 0}, Vec2{10, 0}, 0.3, 0, 3, []Opening{{0, 2, 0, 2}, {2, 8, 2, 1}})
	if len(s) != 2 {
		t.Fatalf("%d solids", len(s))
	}
	for _, p := range s {
		checkClosed(t, p)
	}
}

func TestWallSolidsGeometry(t *testing.T) {
	// A wall from (0,0) to (0,4) (running north) 0.2 thick: it must straddle
	// x = 0 and span y 0..4.
	s := WallSolids(Vec2{0, 0}, Vec2{0, 4}, 0.2, 0, 3, nil)
	if len(s) != 1 {
		t.Fatalf("%d solids", len(s))
	}
	lo, hi := s[0].BBox()
	want := [2]Vec3{{-0.1, 0, 0}, {0.1, 4, 3}}
	for k := 0; k < 3; k++ {
		if !near(lo[k], want[0][k]) || !near(hi[k], want[1][k]) {
			t.Fatalf("bbox %v %v, want %v", lo, hi, want)
		}
	}
	// The door's jambs are where the opening says: 1 m and 2 m along the wall.
	s = WallSolids(Vec2{0, 0}, Vec2{0, 4}, 0.2, 0, 3, []Opening{{1, 1, 0, 2}})
	var ys []float64
	for _, p := range s[0].Faces[0].Outer {
		if p[2] == 0 {
			ys = append(ys, p[1])
		}
	}
	if len(ys) != 4 {
		t.Fatalf("bottom corners at y %v", ys)
	}
	if s := WallSolids(Vec2{1, 1}, Vec2{1, 1}, 0.2, 0, 3, nil); s != nil {
		t.Error("zero-length wall made solids")
	}
	if s := WallSolids(Vec2{0, 0}, Vec2{1, 1}, 0, 0, 3, nil); s != nil {
		t.Error("zero-thickness wall made solids")
	}
}

func TestWallOpeningProblem(t *testing.T) {
	others := []Opening{{Offset: 2, Width: 1, Sill: 0, Height: 2.1}, {Offset: 5, Width: 1, Sill: 1, Height: 1}}
	tests := []struct {
		name string
		o    Opening
		want string // substring of the reason, "" for fits
	}{
		{"fits", Opening{7, 1, 1, 1}, ""},
		{"flush with the end", Opening{9, 1, 0, 3}, ""},
		{"flush after rounding", Opening{0.1 + 0.2, 9.7, 2.5, 0.5}, ""},
		{"touches a door", Opening{3, 1, 0, 2}, ""},
		{"above a door", Opening{2, 1, 2.1, 0.5}, ""},
		{"zero width", Opening{7, 0, 1, 1}, "width"},
		{"negative height", Opening{7, 1, 1, -1}, "height"},
		{"before the start", Opening{-0.1, 1, 1, 1}, "before"},
		{"past the end", Opening{9.5, 1, 1, 1}, "past the wall end"},
		{"below the base", Opening{7, 1, -0.5, 1}, "below"},
		{"above the top", Opening{7, 1, 2.5, 1}, "above the wall top"},
		{"overlaps the door", Opening{2.5, 1, 1, 1}, "overlaps opening 0"},
		{"overlaps the window", Opening{5.5, 1, 1.5, 1}, "overlaps opening 1"},
		{"NaN", Opening{math.NaN(), 1, 1, 1}, "finite"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := WallOpeningProblem(10, 3, tc.o, others)
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func BenchmarkWallSolids(b *testing.B) {
	openings := []Opening{
		{0.5, 1, 0, 2.1}, {2, 1.2, 0.9, 1.2}, {4, 1.2, 0.9, 1.2}, {6, 1, 0, 2.1},
		{7.5, 1.2, 0.9, 1.2}, {9, 0.6, 2.4, 0.6},
	}
	b.ReportAllocs()
	for b.Loop() {
		if s := WallSolids(Vec2{0, 0}, Vec2{8, 6}, 0.3, 0, 3, openings); len(s) != 1 {
			b.Fatal(len(s))
		}
	}
}

// TestElevationRegionsRandom cuts random grid-aligned openings, which touch,
// stack and meet at corners all the time, and checks the regions against
// independent computations: areas add up, rings agree with the brute-force
// contact tests, and every region triangulates.
func TestElevationRegionsRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for iter := 0; iter < 3000; iter++ {
		const length, height = 8.0, 6.0
		var ops []Opening
		occupied := map[[2]int]bool{}
		for k := rng.IntN(12); k > 0; k-- {
			x, z := rng.IntN(8), rng.IntN(6)
			w, h := 1+rng.IntN(3), 1+rng.IntN(3)
			if x+w > 8 || z+h > 6 {
				continue
			}
			free := true
			for i := x; i < x+w; i++ {
				for j := z; j < z+h; j++ {
					free = free && !occupied[[2]int{i, j}]
				}
			}
			if !free {
				continue
			}
			for i := x; i < x+w; i++ {
				for j := z; j < z+h; j++ {
					occupied[[2]int{i, j}] = true
				}
			}
			ops = append(ops, Opening{float64(x), float64(w), float64(z), float64(h)})
		}
		regions := elevationRegions(length, height, ops)
		var area float64
		for _, r := range regions {
			a := Area(r.outer)
			for _, h := range r.holes {
				a -= Area(h)
			}
			area += a
			for _, ring := range append([]Ring{r.outer}, r.holes...) {
				if got, want := SelfIntersects(ring), bruteSelfIntersects(ring); got != want {
					t.Fatalf("openings %v: SelfIntersects(%v) = %v, brute force %v", ops, ring, got, want)
				}
				bad := slices.Clone(ring)
				bad[rng.IntN(len(bad))] = Vec2{float64(rng.IntN(9)), float64(rng.IntN(7))}
				if got, want := SelfIntersects(bad), bruteSelfIntersects(bad); got != want {
					t.Fatalf("SelfIntersects(%v) = %v, brute force %v", bad, got, want)
				}
			}
			for i, h := range r.holes {
				if got, want := RingsIntersect(r.outer, h), bruteCross(r.outer, h); got != want {
					t.Fatalf("RingsIntersect(%v, %v) = %v, brute force %v", r.outer, h, got, want)
				}
				for _, g := range r.holes[i+1:] {
					if got, want := RingsIntersect(g, h), bruteCross(g, h); got != want {
						t.Fatalf("RingsIntersect(%v, %v) = %v, brute force %v", g, h, got, want)
					}
				}
			}
			pts, tris, err := Triangulate(r.outer, r.holes)
			if err != nil {
				t.Fatalf("openings %v: region %v: %v", ops, r, err)
			}
			checkTriangulation(t, r.outer, r.holes, pts, tris)
		}
		if want := length*height - float64(len(occupied)); math.Abs(area-want) > 1e-9 {
			t.Fatalf("openings %v: regions cover %g, want %g", ops, area, want)
		}
	}
}
