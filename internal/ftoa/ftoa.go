// Package ftoa formats floats as strconv does, faster for the values building
// models are full of: lengths and coordinates with a few decimals.
package ftoa

import (
	"math"
	"strconv"
)

// scale is 10^decimals, the finest fraction the fast path writes.
const (
	decimals = 6
	scale    = 1e6
	// Below limit one unit in the last place of a float64 (2^-23 at 1e9) is
	// far less than 1/scale, so two decimals with at most six fraction digits
	// never read back as the same float64: the one found is the shortest.
	limit = 1e9
)

// AppendFixed appends f as strconv.AppendFloat(dst, f, 'f', -1, 64) does: the
// shortest plain decimal that reads back as f. The text is byte for byte the
// same; only the time differs.
//
// A value with at most six fraction digits and a magnitude under 1e9 is
// written from an integer: n = f×10^6 rounded is checked by dividing back
// (one correctly rounded division, as parsing the text n/10^6 would give),
// and the digits of n are written with the point put in.
func AppendFixed(dst []byte, f float64) []byte {
	if f == 0 || !(f > -limit && f < limit) {
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	}
	r := math.Round(f * scale)
	if r/scale != f {
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	}
	n := int64(r)
	if n < 0 {
		dst = append(dst, '-')
		n = -n
	}
	whole, frac := n/scale, n%scale
	dst = strconv.AppendInt(dst, whole, 10)
	if frac == 0 {
		return dst
	}
	var digits [decimals]byte
	for i := decimals - 1; i >= 0; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	end := decimals
	for digits[end-1] == '0' {
		end--
	}
	dst = append(dst, '.')
	return append(dst, digits[:end]...)
}
