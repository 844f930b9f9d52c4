package geom

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// bruteSelfIntersects is the O(n²) definition SelfIntersects must agree with.
func bruteSelfIntersects(r Ring) bool {
	c := CleanRing(r)
	n := len(c)
	switch {
	case n <= 1:
		return false
	case n == 2:
		return true
	}
	for i := 0; i < n; i++ {
		a, b := c[i], c[(i+1)%n]
		for j := i + 1; j < n; j++ {
			p, q := c[j], c[(j+1)%n]
			switch {
			case j == i+1:
				if overlapBeyondShared(a, b, q) {
					return true
				}
			case i == 0 && j == n-1:
				if overlapBeyondShared(p, a, b) {
					return true
				}
			default:
				if segmentsTouch(a, b, p, q) {
					return true
				}
			}
		}
	}
	return false
}

func bruteCross(a, b Ring) bool {
	a, b = CleanRing(a), CleanRing(b)
	for i := range a {
		for j := range b {
			if segmentsTouch(a[i], a[(i+1)%len(a)], b[j], b[(j+1)%len(b)]) {
				return true
			}
		}
	}
	return false
}

func TestSelfIntersectsTable(t *testing.T) {
	tests := []struct {
		name string
		r    Ring
		want bool
	}{
		{"square", Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}}, false},
		{"square clockwise", Ring{{0, 0}, {0, 1}, {1, 1}, {1, 0}}, false},
		{"square closed", Ring{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}, false},
		{"duplicate points", Ring{{0, 0}, {1, 0}, {1, 0}, {1, 1}, {0, 1}}, false},
		{"triangle", Ring{{0, 0}, {1, 0}, {0, 1}}, false},
		{"straight vertex", Ring{{0, 0}, {1, 0}, {2, 0}, {2, 1}, {0, 1}}, false},
		{"L shape", Ring{{0, 0}, {2, 0}, {2, 1}, {1, 1}, {1, 2}, {0, 2}}, false},
		{"bowtie", Ring{{0, 0}, {1, 1}, {1, 0}, {0, 1}}, true},
		{"bowtie vertical sides", Ring{{0, 0}, {2, 2}, {2, 0}, {0, 2}}, true},
		{"collinear backtrack", Ring{{0, 0}, {2, 0}, {1, 0}, {1, 1}}, true},
		{"backtrack at closing vertex", Ring{{2, 0}, {2, 1}, {0, 1}, {0, 0}, {3, 0}}, true},
		{"straight through closing vertex", Ring{{0, 0}, {2, 0}, {3, 0}, {1, 1}, {-1, 0}}, false},
		{"spike", Ring{{0, 0}, {2, 0}, {2, 1}, {3, 1}, {2, 1}, {0, 1}}, true},
		{"collinear triangle", Ring{{0, 0}, {1, 0}, {2, 0}}, true},
		{"two points", Ring{{0, 0}, {1, 0}}, true},
		{"one point", Ring{{0, 0}}, false},
		{"empty", Ring{}, false},
		{"figure eight vertex", Ring{{0, 0}, {1, 1}, {2, 0}, {2, 2}, {1, 1}, {0, 2}}, true},
		{"vertex on edge", Ring{{0, 0}, {4, 0}, {4, 2}, {2, 0}, {0, 2}}, true},
		{"vertex on vertical edge", Ring{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 3}, {2, 2}, {0, 1}}, false},
		{"touching vertical edge", Ring{{0, 0}, {4, 0}, {4, 4}, {0, 4}, {0, 3}, {4, 2}, {0, 1}}, true},
		{"overlapping edges", Ring{{0, 0}, {4, 0}, {4, 1}, {3, 1}, {3, 0}, {1, 0}, {1, -1}, {0, -1}}, true},
		{"comb", Ring{{0, 0}, {5, 0}, {5, 2}, {4, 2}, {4, 1}, {3, 1}, {3, 2}, {2, 2}, {2, 1}, {1, 1}, {1, 2}, {0, 2}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := SelfIntersects(tc.r); got != tc.want {
				t.Errorf("SelfIntersects = %v, want %v", got, tc.want)
			}
			if got := bruteSelfIntersects(tc.r); got != tc.want {
				t.Errorf("brute force = %v, want %v (test table wrong?)", got, tc.want)
			}
			if got := SelfIntersects(Reversed(tc.r)); got != tc.want {
				t.Errorf("reversed: SelfIntersects = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRingsIntersectTable(t *testing.T) {
	outer := Ring{{0, 0}, {10, 0}, {10, 10}, {0, 10}}
	tests := []struct {
		name string
		a, b Ring
		want bool
	}{
		{"hole inside", outer, Ring{{2, 2}, {4, 2}, {4, 4}, {2, 4}}, false},
		{"hole touching edge", outer, Ring{{0, 2}, {4, 2}, {4, 4}, {0, 4}}, true},
		{"hole vertex on edge", outer, Ring{{0, 5}, {4, 2}, {4, 8}}, true},
		{"hole sharing corner", outer, Ring{{0, 0}, {4, 2}, {4, 4}}, true},
		{"hole crossing", outer, Ring{{8, 8}, {12, 8}, {12, 12}, {8, 12}}, true},
		{"disjoint", outer, Ring{{20, 20}, {21, 20}, {21, 21}}, false},
		{"containing", Ring{{-1, -1}, {11, -1}, {11, 11}, {-1, 11}}, outer, false},
		{"neighbouring holes touching", Ring{{1, 1}, {2, 1}, {2, 2}, {1, 2}}, Ring{{2, 1}, {3, 1}, {3, 2}, {2, 2}}, true},
		{"neighbouring holes apart", Ring{{1, 1}, {2, 1}, {2, 2}, {1, 2}}, Ring{{2.5, 1}, {3, 1}, {3, 2}, {2.5, 2}}, false},
		{"non-simple ring, no contact", Ring{{0, 0}, {1, 1}, {1, 0}, {0, 1}}, Ring{{5, 5}, {6, 5}, {6, 6}}, false},
		{"non-simple ring, contact", Ring{{0, 0}, {1, 1}, {1, 0}, {0, 1}}, Ring{{1, 1}, {6, 5}, {6, 6}}, true},
		{"degenerate point on edge", outer, Ring{{5, 0}}, true},
		{"degenerate segment inside", outer, Ring{{5, 5}, {6, 6}}, false},
		{"empty", outer, Ring{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := RingsIntersect(tc.a, tc.b); got != tc.want {
				t.Errorf("RingsIntersect = %v, want %v", got, tc.want)
			}
			if got := RingsIntersect(tc.b, Reversed(tc.a)); got != tc.want {
				t.Errorf("swapped: RingsIntersect = %v, want %v", got, tc.want)
			}
		})
	}
}

// randomGridRing makes small rings on a coarse integer grid, where collinear
// points, shared vertices and overlapping edges are the rule, not the
// exception: exactly the cases a sweep gets wrong.
func randomGridRing(rng *rand.Rand, n, grid int) Ring {
	r := make(Ring, n)
	for i := range r {
		r[i] = Vec2{float64(rng.IntN(grid)), float64(rng.IntN(grid))}
	}
	return r
}

func TestSelfIntersectsMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	simple := 0
	for iter := 0; iter < 200000; iter++ {
		r := randomGridRing(rng, 3+rng.IntN(8), 2+rng.IntN(5))
		want := bruteSelfIntersects(r)
		if got := SelfIntersects(r); got != want {
			t.Fatalf("SelfIntersects(%v) = %v, brute force says %v", r, got, want)
		}
		if !want {
			simple++
		}
	}
	if simple < 1000 {
		t.Fatalf("only %d simple rings generated; the test is not exercising the no-contact path", simple)
	}
}

func TestSelfIntersectsSimplePolygonsMatchBruteForce(t *testing.T) {
	// Random simple polygons with a perturbed vertex, so the answer is
	// often "barely not touching" or "just touching".
	rng := rand.New(rand.NewPCG(3, 4))
	for iter := 0; iter < 20000; iter++ {
		n := 4 + rng.IntN(20)
		r := starRing(rng, n, 4, true)
		k := rng.IntN(n)
		r[k] = r[rng.IntN(n)].Add(Vec2{float64(rng.IntN(3) - 1), float64(rng.IntN(3) - 1)})
		want := bruteSelfIntersects(r)
		if got := SelfIntersects(r); got != want {
			t.Fatalf("SelfIntersects(%v) = %v, brute force says %v", r, got, want)
		}
	}
}

func TestRingsIntersectMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for iter := 0; iter < 100000; iter++ {
		g := 2 + rng.IntN(5)
		a := randomGridRing(rng, 3+rng.IntN(5), g)
		b := randomGridRing(rng, 3+rng.IntN(5), g)
		want := bruteCross(a, b)
		if got := RingsIntersect(a, b); got != want {
			t.Fatalf("RingsIntersect(%v, %v) = %v, brute force says %v", a, b, got, want)
		}
	}
}

// starRing is a simple star-shaped polygon: n vertices at increasing angles
// with random radii. With grid it is snapped to integers (scaled up) so that
// degenerate contacts are likely.
func starRing(rng *rand.Rand, n int, scale float64, grid bool) Ring {
	r := make(Ring, 0, n)
	for i := 0; i < n; i++ {
		a := 2 * math.Pi * float64(i) / float64(n)
		rad := scale * (0.5 + rng.Float64())
		p := Vec2{rad * math.Cos(a), rad * math.Sin(a)}
		if grid {
			p = Vec2{math.Round(p[0]), math.Round(p[1])}
		}
		r = append(r, p)
	}
	return r
}

// noisyCircle is a large simple polygon: a circle whose radius wobbles, the
// shape of a digitised curved wall or a site boundary.
func noisyCircle(n int, seed uint64) Ring {
	rng := rand.New(rand.NewPCG(seed, 7))
	r := make(Ring, n)
	for i := range r {
		a := 2 * math.Pi * float64(i) / float64(n)
		rad := 100 * (1 + 0.05*rng.Float64())
		r[i] = Vec2{rad * math.Cos(a), rad * math.Sin(a)}
	}
	return r
}

// spikyStar has spikes reaching almost to the centre: every vertical line
// cuts a large share of its edges, the worst case for the sweep's status.
func spikyStar(n int) Ring {
	r := make(Ring, n)
	for i := range r {
		a := 2 * math.Pi * float64(i) / float64(n)
		rad := 100.0
		if i%2 == 1 {
			rad = 0.001
		}
		r[i] = Vec2{rad * math.Cos(a), rad * math.Sin(a)}
	}
	return r
}

func TestSelfIntersectsLarge(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Ring
	}{
		{"noisy circle 100k", noisyCircle(100_000, 1)},
		{"spiky star 100k", spikyStar(100_000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			if SelfIntersects(tc.r) {
				t.Fatal("simple polygon reported as self-intersecting")
			}
			t.Logf("simple: %v", time.Since(start))
			// Pull one vertex across the polygon: now it crosses.
			bad := append(Ring(nil), tc.r...)
			bad[len(bad)/3] = bad[2*len(bad)/3].Scale(1.01)
			start = time.Now()
			if !SelfIntersects(bad) {
				t.Fatal("crossing not found")
			}
			t.Logf("crossing: %v", time.Since(start))
		})
	}
}

func TestSelfIntersectsMillion(t *testing.T) {
	if testing.Short() {
		t.Skip("large input")
	}
	r := noisyCircle(1_000_000, 2)
	start := time.Now()
	if SelfIntersects(r) {
		t.Fatal("simple polygon reported as self-intersecting")
	}
	t.Logf("1,000,000 points: %v", time.Since(start))
}

func TestRingsIntersectLarge(t *testing.T) {
	outer := noisyCircle(100_000, 3)
	hole := Reversed(noisyCircle(100_000, 4))
	for i := range hole {
		hole[i] = hole[i].Scale(0.5)
	}
	if RingsIntersect(outer, hole) {
		t.Fatal("nested rings reported as touching")
	}
	hole[10] = outer[len(outer)/2]
	if !RingsIntersect(outer, hole) {
		t.Fatal("shared vertex not found")
	}
}

func BenchmarkSelfIntersects100k(b *testing.B) {
	r := noisyCircle(100_000, 1)
	for b.Loop() {
		if SelfIntersects(r) {
			b.Fatal("unexpected intersection")
		}
	}
}

func BenchmarkSelfIntersects100kSpiky(b *testing.B) {
	r := spikyStar(100_000)
	for b.Loop() {
		if SelfIntersects(r) {
			b.Fatal("unexpected intersection")
		}
	}
}

// FuzzSelfIntersects compares the sweep with the brute-force definition on
// rings of small integer coordinates, where contacts are frequent.
func FuzzSelfIntersects(f *testing.F) {
	f.Add([]byte{0, 0, 4, 0, 4, 4, 0, 4})
	f.Add([]byte{0, 0, 4, 4, 4, 0, 0, 4})
	f.Add([]byte{0, 0, 4, 0, 2, 0, 2, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 200 {
			return
		}
		var r Ring
		for i := 0; i+1 < len(data); i += 2 {
			r = append(r, Vec2{float64(data[i] % 16), float64(data[i+1] % 16)})
		}
		if got, want := SelfIntersects(r), bruteSelfIntersects(r); got != want {
			t.Fatalf("SelfIntersects(%v) = %v, brute force %v", r, got, want)
		}
		if len(r) > 3 {
			a, b := r[:len(r)/2], r[len(r)/2:]
			if got, want := RingsIntersect(a, b), bruteCross(a, b); got != want {
				t.Fatalf("RingsIntersect(%v, %v) = %v, brute force %v", a, b, got, want)
			}
		}
	})
}
