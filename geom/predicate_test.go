package geom

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// orientBig is the orientation sign in exact rational arithmetic.
func orientBig(a, b, c Vec2) int {
	r := func(f float64) *big.Rat { return new(big.Rat).SetFloat64(f) }
	acx := new(big.Rat).Sub(r(a[0]), r(c[0]))
	acy := new(big.Rat).Sub(r(a[1]), r(c[1]))
	bcx := new(big.Rat).Sub(r(b[0]), r(c[0]))
	bcy := new(big.Rat).Sub(r(b[1]), r(c[1]))
	return new(big.Rat).Sub(new(big.Rat).Mul(acx, bcy), new(big.Rat).Mul(acy, bcx)).Sign()
}

func TestOrientExact(t *testing.T) {
	tests := []struct {
		a, b, c Vec2
		want    int
	}{
		{Vec2{0, 0}, Vec2{1, 0}, Vec2{0, 1}, 1},
		{Vec2{0, 0}, Vec2{1, 0}, Vec2{0, -1}, -1},
		{Vec2{0, 0}, Vec2{1, 1}, Vec2{2, 2}, 0},
		// Collinear in reals but rounding makes the naive determinant non-zero.
		{Vec2{0.1, 0.1}, Vec2{0.3, 0.3}, Vec2{0.7, 0.7}, 0},
	}
	for _, tc := range tests {
		if got := orient(tc.a, tc.b, tc.c); got != tc.want {
			t.Errorf("orient(%v, %v, %v) = %d, want %d", tc.a, tc.b, tc.c, got, tc.want)
		}
	}
	// Points a few ulps off a line far from the origin: the filter cannot
	// decide these, the exact stage must.
	rng := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < 100000; i++ {
		a := Vec2{rng.Float64()*1e6 + 5e5, rng.Float64() * 1e6}
		b := Vec2{rng.Float64()*1e6 + 5e5, rng.Float64() * 1e6}
		s := rng.Float64()
		c := Vec2{a[0] + s*(b[0]-a[0]), a[1] + s*(b[1]-a[1])}
		for k := rng.IntN(3); k > 0; k-- {
			c[rng.IntN(2)] = math.Nextafter(c[0], math.Inf(rng.IntN(2)*2-1))
		}
		if got, want := orient(a, b, c), orientBig(a, b, c); got != want {
			t.Fatalf("orient(%v, %v, %v) = %d, exact %d", a, b, c, got, want)
		}
	}
}

func TestSegmentsTouch(t *testing.T) {
	tests := []struct {
		name       string
		a, b, c, d Vec2
		want       bool
	}{
		{"cross", Vec2{0, 0}, Vec2{2, 2}, Vec2{0, 2}, Vec2{2, 0}, true},
		{"apart", Vec2{0, 0}, Vec2{1, 0}, Vec2{0, 1}, Vec2{1, 1}, false},
		{"T", Vec2{0, 0}, Vec2{2, 0}, Vec2{1, 0}, Vec2{1, 1}, true},
		{"shared end", Vec2{0, 0}, Vec2{1, 0}, Vec2{1, 0}, Vec2{1, 1}, true},
		{"collinear overlap", Vec2{0, 0}, Vec2{2, 0}, Vec2{1, 0}, Vec2{3, 0}, true},
		{"collinear apart", Vec2{0, 0}, Vec2{1, 0}, Vec2{2, 0}, Vec2{3, 0}, false},
		{"collinear end to end", Vec2{0, 0}, Vec2{1, 1}, Vec2{1, 1}, Vec2{3, 3}, true},
		{"near miss", Vec2{0, 0}, Vec2{2, 0}, Vec2{1, 1e-300}, Vec2{1, 1}, false},
		{"point on segment", Vec2{0, 0}, Vec2{2, 2}, Vec2{1, 1}, Vec2{1, 1}, true},
		{"point off segment", Vec2{0, 0}, Vec2{2, 2}, Vec2{3, 3}, Vec2{3, 3}, false},
	}
	for _, tc := range tests {
		if got := segmentsTouch(tc.a, tc.b, tc.c, tc.d); got != tc.want {
			t.Errorf("%s: got %v", tc.name, got)
		}
		if got := segmentsTouch(tc.d, tc.c, tc.b, tc.a); got != tc.want {
			t.Errorf("%s swapped: got %v", tc.name, got)
		}
	}
}
