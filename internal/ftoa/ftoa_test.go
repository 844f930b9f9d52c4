package ftoa

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

func check(t *testing.T, f float64) {
	t.Helper()
	want := strconv.AppendFloat(nil, f, 'f', -1, 64)
	if got := AppendFixed(nil, f); string(got) != string(want) {
		t.Fatalf("AppendFixed(%v) = %q, strconv gives %q", f, got, want)
	}
}

func TestAppendFixedEdges(t *testing.T) {
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1, 0.1, 0.2, 0.3, 1.5, -2.25, 12.345, 0.000001,
		0.0000015, 0.000001000001, 999999999.999999, 999999999.9999999, 1e9, -1e9, 1e9 - 1, 123456.000001,
		0.1 + 0.2, 1.0 / 3, math.Pi, 4.35, 2.675, 1e-7, 5e-324, math.MaxFloat64, math.Inf(1), math.NaN(),
		math.Nextafter(0.1, 1), math.Nextafter(1e9, 0), 100, 1e6, 1e-6, 1.000001e8} {
		check(t, f)
		check(t, -f)
	}
}

func TestAppendFixedRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300_000 {
		// Decimals of 0..8 digits (the fast path, and past it), at every magnitude.
		n := rng.Int64N(1 << 50)
		d := rng.IntN(9)
		f := float64(n) / math.Pow10(d)
		if rng.IntN(2) == 0 {
			f = -f
		}
		check(t, f)
		check(t, math.Float64frombits(rng.Uint64())) // any bits
		check(t, (rng.Float64()-0.5)*math.Pow10(rng.IntN(20)-6))
	}
}

func FuzzAppendFixed(f *testing.F) {
	f.Add(0.1)
	f.Add(123.456789)
	f.Fuzz(func(t *testing.T, v float64) { check(t, v) })
}

func BenchmarkAppendFixed(b *testing.B) {
	vals := []float64{12.345, 0.25, 3.6, 104.125, -7.5, 1234.5678, 17.98}
	buf := make([]byte, 0, 64)
	b.Run("ftoa", func(b *testing.B) {
		for i := range b.N {
			buf = AppendFixed(buf[:0], vals[i%len(vals)])
		}
	})
	b.Run("strconv", func(b *testing.B) {
		for i := range b.N {
			buf = strconv.AppendFloat(buf[:0], vals[i%len(vals)], 'f', -1, 64)
		}
	})
}
