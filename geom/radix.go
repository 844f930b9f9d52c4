package geom

import "math"

// sortKey maps a float64 to a uint64 with the same order, so that sorting
// can work on bytes. Both zeros map to one key because they are equal points.
func sortKey(f float64) uint64 {
	if f == 0 {
		f = 0
	}
	b := math.Float64bits(f)
	if b>>63 != 0 {
		return ^b
	}
	return b | 1<<63
}

// sortEvents orders sweep events by x, then y, with an LSD radix sort: the
// sweep spends most of its time ordering vertices otherwise, and coordinate
// bytes that are the same for every point (sign, exponent) cost nothing
// because their passes are skipped.
func sortEvents(ev []sweepEvent) {
	n := len(ev)
	if n < 256 {
		insertionSortEvents(ev)
		return
	}
	buf := make([]sweepEvent, n)
	src, dst := ev, buf
	var count [256]int
	for _, axis := range [2]int{1, 0} { // least significant key first
		for shift := uint(0); shift < 64; shift += 8 {
			clear(count[:])
			for i := range src {
				count[byte(sortKey(src[i].p[axis])>>shift)]++
			}
			if count[byte(sortKey(src[0].p[axis])>>shift)] == n {
				continue // every key has this byte: the pass would not move anything
			}
			sum := 0
			for i, c := range count {
				count[i] = sum
				sum += c
			}
			for i := range src {
				b := byte(sortKey(src[i].p[axis]) >> shift)
				dst[count[b]] = src[i]
				count[b]++
			}
			src, dst = dst, src
		}
	}
	if &src[0] != &ev[0] {
		copy(ev, src)
	}
}

func insertionSortEvents(ev []sweepEvent) {
	for i := 1; i < len(ev); i++ {
		for j := i; j > 0 && ev[j].p.Less(ev[j-1].p); j-- {
			ev[j], ev[j-1] = ev[j-1], ev[j]
		}
	}
}
