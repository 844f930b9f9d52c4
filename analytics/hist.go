package analytics

import (
	"encoding/json"
	"fmt"
	"math"
)

// Bounds are the upper bounds, in milliseconds, of the buckets of every
// histogram the roll-ups keep (durations and queue waits): 2^(i/4) ms for i =
// 0…108, from 1 ms to about 37 h, each bucket about 19 % wider than the one
// before. Bucket 0 holds 0–1 ms, bucket i holds (Bounds[i-1], Bounds[i]], and a
// last bucket holds everything above Bounds[len(Bounds)-1]. The bounds are
// fixed: rows written at any time merge by adding their counts.
var Bounds = func() []float64 {
	b := make([]float64, 109)
	for i := range b {
		b[i] = math.Pow(2, float64(i)/4)
	}
	return b
}()

// Hist counts values in the buckets of Bounds: Hist[i] is bucket i. A Hist may
// be shorter than len(Bounds)+1; the missing buckets are empty.
type Hist []int64

// bucketOf answers the bucket of v (milliseconds).
func bucketOf(v int64) int {
	if v <= 1 {
		return 0
	}
	f := float64(v)
	i := int(math.Ceil(4 * math.Log2(f)))
	i = min(max(i, 1), len(Bounds))
	for i > 0 && f <= Bounds[i-1] {
		i--
	}
	for i < len(Bounds) && f > Bounds[i] {
		i++
	}
	return i
}

// Add counts one value.
func (h *Hist) Add(v int64) {
	i := bucketOf(v)
	if i >= len(*h) {
		*h = append(*h, make([]int64, i+1-len(*h))...)
	}
	(*h)[i]++
}

// Merge adds o's counts to h.
func (h *Hist) Merge(o Hist) {
	if len(o) > len(*h) {
		*h = append(*h, make([]int64, len(o)-len(*h))...)
	}
	for i, c := range o {
		(*h)[i] += c
	}
}

// Count answers the number of values counted.
func (h Hist) Count() int64 {
	var n int64
	for _, c := range h {
		n += c
	}
	return n
}

// Quantile answers the q-quantile (0 ≤ q ≤ 1) of the counted values,
// interpolated within its bucket (geometrically: the bounds are log-spaced) and
// kept within [lo, hi], the smallest and largest values when they are known
// (pass 0 and +Inf otherwise). It answers 0 for an empty histogram.
func (h Hist) Quantile(q float64, lo, hi float64) float64 {
	n := h.Count()
	if n == 0 {
		return 0
	}
	q = min(max(q, 0), 1)
	rank := q * float64(n)
	var cum int64
	for i, c := range h {
		if c == 0 {
			continue
		}
		if float64(cum+c) < rank && i < len(h)-1 {
			cum += c
			continue
		}
		frac := min(max((rank-float64(cum))/float64(c), 0), 1)
		lower, upper := 0.0, 0.0
		switch {
		case i == 0:
			lower, upper = 0, Bounds[0]
		case i < len(Bounds):
			lower, upper = Bounds[i-1], Bounds[i]
		default:
			lower, upper = Bounds[len(Bounds)-1], math.Max(hi, Bounds[len(Bounds)-1])
			if math.IsInf(upper, 1) {
				upper = lower * 2
			}
		}
		lower, upper = math.Max(lower, lo), math.Min(upper, hi)
		if upper <= lower {
			return math.Min(math.Max(lower, lo), hi)
		}
		var v float64
		if lower > 0 {
			v = lower * math.Pow(upper/lower, frac)
		} else {
			v = upper * frac
		}
		return math.Min(math.Max(v, lo), hi)
	}
	return 0
}

// MarshalJSON writes the counts without trailing empty buckets.
func (h Hist) MarshalJSON() ([]byte, error) {
	end := len(h)
	for end > 0 && h[end-1] == 0 {
		end--
	}
	return json.Marshal([]int64(h[:end]))
}

// encode is the histogram as stored.
func (h Hist) encode() string {
	b, _ := h.MarshalJSON()
	if string(b) == "null" {
		return "[]"
	}
	return string(b)
}

// decodeHist reads a stored histogram.
func decodeHist(s string) (Hist, error) {
	var h []int64
	if err := json.Unmarshal([]byte(s), &h); err != nil {
		return nil, fmt.Errorf("analytics: histogram %q: %w", s, err)
	}
	if len(h) > len(Bounds)+1 {
		return nil, fmt.Errorf("analytics: histogram of %d buckets, want at most %d", len(h), len(Bounds)+1)
	}
	return h, nil
}
