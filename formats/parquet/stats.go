package parquet

import (
	"bytes"
	"encoding/binary"
	"math"

	"github.com/parquet-go/parquet-go/format"

	"github.com/arxos/arxport/converters/tables"
)

// bounds are the least and greatest values of a page or chunk, by the order
// parquet defines for the column's type: signed for int64, numeric for
// doubles, false before true, unsigned bytes for text. Booleans are held as 0
// and 1 in the ints.
type bounds struct {
	set    bool
	i0, i1 int64
	f0, f1 float64
	s0, s1 []byte
}

func (b *bounds) addInt(v int64)     { widen(&b.set, &b.i0, &b.i1, v) }
func (b *bounds) addFloat(v float64) { widen(&b.set, &b.f0, &b.f1, v) }

// widen moves lo or hi out to v, or sets both to v when set is false.
func widen[T int64 | float64](set *bool, lo, hi *T, v T) {
	if !*set {
		*set, *lo, *hi = true, v, v
	} else if v < *lo {
		*lo = v
	} else if v > *hi {
		*hi = v
	}
}

func (b *bounds) addText(v []byte) {
	if !b.set {
		b.set = true
		b.s0 = append(b.s0[:0], v...)
		b.s1 = append(b.s1[:0], v...)
	} else if bytes.Compare(v, b.s0) < 0 {
		b.s0 = append(b.s0[:0], v...)
	} else if bytes.Compare(v, b.s1) > 0 {
		b.s1 = append(b.s1[:0], v...)
	}
}

func (b *bounds) merge(o *bounds, k tables.Kind) {
	switch k {
	case tables.Float:
		b.addFloat(o.f0)
		b.addFloat(o.f1)
	case tables.String:
		b.addText(o.s0)
		b.addText(o.s1)
	default:
		b.addInt(o.i0)
		b.addInt(o.i1)
	}
}

// cmp compares the bounds of two pages: their minimums, or their maximums
// when max is set.
func (b *bounds) cmp(o *bounds, k tables.Kind, max bool) int {
	switch k {
	case tables.Float:
		x, y := b.f0, o.f0
		if max {
			x, y = b.f1, o.f1
		}
		return cmpOrdered(x, y)
	case tables.String:
		if max {
			return bytes.Compare(b.s1, o.s1)
		}
		return bytes.Compare(b.s0, o.s0)
	}
	x, y := b.i0, o.i0
	if max {
		x, y = b.i1, o.i1
	}
	return cmpOrdered(x, y)
}

func cmpOrdered[T int64 | float64](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func (b *bounds) min(k tables.Kind) []byte { return bound(k, b.i0, b.f0, b.s0) }
func (b *bounds) max(k tables.Kind) []byte { return bound(k, b.i1, b.f1, b.s1) }

// bound is a statistics value: PLAIN, without the length prefix of byte
// arrays. It is never nil, since the empty string is a value too and
// parquet-go's Thrift encoder leaves out nil fields.
func bound(k tables.Kind, i int64, f float64, s []byte) []byte {
	dst := make([]byte, 0, max(8, len(s)))
	switch k {
	case tables.Int:
		return binary.LittleEndian.AppendUint64(dst, uint64(i))
	case tables.Float:
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f))
	case tables.Bool:
		return append(dst, byte(i))
	}
	return append(dst, s...)
}

// boundaryOrder finds whether the non-null pages of a chunk come in
// ascending or descending order of their bounds, for the column index.
type boundaryOrder struct {
	prev        bounds
	pages       int
	rises, fall bool // some page's bounds rise above, or fall below, the previous one's
}

func (o *boundaryOrder) add(b *bounds, k tables.Kind) {
	if o.pages > 0 {
		lo, hi := b.cmp(&o.prev, k, false), b.cmp(&o.prev, k, true)
		if lo < 0 || hi < 0 {
			o.fall = true
		}
		if lo > 0 || hi > 0 {
			o.rises = true
		}
	}
	o.pages++
	o.prev.set = true
	o.prev.i0, o.prev.i1, o.prev.f0, o.prev.f1 = b.i0, b.i1, b.f0, b.f1
	o.prev.s0 = append(o.prev.s0[:0], b.s0...)
	o.prev.s1 = append(o.prev.s1[:0], b.s1...)
}

func (o *boundaryOrder) result() format.BoundaryOrder {
	switch {
	case o.pages < 2 || o.rises && o.fall:
		return format.Unordered
	case o.fall:
		return format.Descending
	}
	return format.Ascending
}
