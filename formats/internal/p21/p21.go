// Package p21 writes ISO 10303-21 ("Part 21", STEP physical file) data: the
// encoding shared by the IFC and STEP formats.
package p21

import (
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// Encoder writes entity instances into a buffer that is flushed to the file
// as it fills, so the output streams. Instances are numbered from 1 in the
// order they are begun; a number may also be reserved ahead (a wall that a
// door refers to before the wall is written) and the instance written later
// under it with BeginAt.
//
// Attributes are appended one by one; each appender puts the comma in front
// of itself unless it opens an instance or a list, so callers never track
// positions. Errors from the writer are kept: see Err.
type Encoder struct {
	w       io.Writer
	buf     []byte
	err     error
	next    int   // the next instance number
	written int64 // bytes handed to w
	// Lengths are written with decimals places: Length rounds metres to
	// them, Fixed takes an integer count of 10^-decimals.
	decimals int
	scale    float64 // 10^decimals
	unit     int64   // 10^decimals
}

// flushAt is the buffer size at which End hands the buffer to the writer.
const flushAt = 256 << 10

// New returns an Encoder writing to w, with lengths to the given decimals (0 to 15).
func New(w io.Writer, decimals int) *Encoder {
	unit := int64(1)
	for range decimals {
		unit *= 10
	}
	return &Encoder{w: w, buf: make([]byte, 0, flushAt+64<<10), next: 1,
		decimals: decimals, scale: math.Pow10(decimals), unit: unit}
}

// Flush hands the buffered bytes to the writer and returns the first error
// the writer reported.
func (e *Encoder) Flush() error {
	if e.err == nil && len(e.buf) > 0 {
		var n int
		n, e.err = e.w.Write(e.buf)
		e.written += int64(n)
	}
	e.buf = e.buf[:0]
	return e.err
}

// Err returns the first error the writer reported.
func (e *Encoder) Err() error { return e.err }

// Written returns the number of bytes handed to the writer.
func (e *Encoder) Written() int64 { return e.written }

// Count returns how many instance numbers have been begun or reserved.
func (e *Encoder) Count() int { return e.next - 1 }

// Scale returns 10^decimals, the number of length steps in a metre.
func (e *Encoder) Scale() float64 { return e.scale }

// Raw appends s as it is, with no separator.
func (e *Encoder) Raw(s string) { e.buf = append(e.buf, s...) }

// RawBytes appends b as it is, with no separator.
func (e *Encoder) RawBytes(b []byte) { e.buf = append(e.buf, b...) }

// Reserve takes an instance number to be written later with BeginAt.
func (e *Encoder) Reserve() int {
	id := e.next
	e.next++
	return id
}

// Begin opens a new instance #n=ENTITY( of the entity (upper-case name) and
// returns n. An empty entity opens a complex instance, whose parts the caller
// writes with Raw.
func (e *Encoder) Begin(entity string) int {
	id := e.Reserve()
	e.BeginAt(id, entity)
	return id
}

// BeginAt opens instance #id=ENTITY( under a number taken with Reserve.
func (e *Encoder) BeginAt(id int, entity string) {
	e.buf = append(e.buf, '#')
	e.buf = strconv.AppendInt(e.buf, int64(id), 10)
	e.buf = append(e.buf, '=')
	e.buf = append(e.buf, entity...)
	e.buf = append(e.buf, '(')
}

// End closes the instance and flushes when the buffer is full.
func (e *Encoder) End() {
	e.buf = append(e.buf, ");\n"...)
	if len(e.buf) >= flushAt {
		e.Flush()
	}
}

// Sep writes the comma before an attribute or list member, unless it is the
// first (the buffer ends with an opening parenthesis).
func (e *Encoder) Sep() {
	if n := len(e.buf); n > 0 && e.buf[n-1] != '(' {
		e.buf = append(e.buf, ',')
	}
}

// Null writes $, an unset attribute.
func (e *Encoder) Null() { e.Sep(); e.buf = append(e.buf, '$') }

// Star writes *, an attribute derived in a subtype.
func (e *Encoder) Star() { e.Sep(); e.buf = append(e.buf, '*') }

// Open starts a list; Close ends it.
func (e *Encoder) Open() { e.Sep(); e.buf = append(e.buf, '(') }

// Close ends a list or typed value.
func (e *Encoder) Close() { e.buf = append(e.buf, ')') }

// Enum writes .NAME.
func (e *Encoder) Enum(name string) {
	e.Sep()
	e.buf = append(e.buf, '.')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '.')
}

// Bool writes .T. or .F.
func (e *Encoder) Bool(b bool) {
	if b {
		e.Enum("T")
	} else {
		e.Enum("F")
	}
}

// Ref writes a reference #id.
func (e *Encoder) Ref(id int) {
	e.Sep()
	e.appendRef(int64(id))
}

func (e *Encoder) appendRef(id int64) {
	e.buf = append(e.buf, '#')
	e.buf = strconv.AppendInt(e.buf, id, 10)
}

// Refs writes a list of references.
func (e *Encoder) Refs(ids ...int) {
	e.Open()
	for i, id := range ids {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.appendRef(int64(id))
	}
	e.Close()
}

// Refs32 writes a list of references kept as int32 (4 bytes per member for
// lists held until the end of the file).
func (e *Encoder) Refs32(ids []int32) {
	e.Open()
	for i, id := range ids {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.appendRef(int64(id))
	}
	e.Close()
}

// Int writes an integer.
func (e *Encoder) Int(n int) {
	e.Sep()
	e.buf = strconv.AppendInt(e.buf, int64(n), 10)
}

// Str writes a string literal (see AppendString).
func (e *Encoder) Str(s string) {
	e.Sep()
	e.buf = AppendString(e.buf, s)
}

// OptStr writes a string, or $ when it is empty.
func (e *Encoder) OptStr(s string) {
	if s == "" {
		e.Null()
		return
	}
	e.Str(s)
}

// Typed opens a typed value such as IFCLABEL('x'): the caller writes the
// value after it and calls Close.
func (e *Encoder) Typed(name string) {
	e.Sep()
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '(')
}

// Length writes a length in metres, rounded to the encoder's decimals.
func (e *Encoder) Length(v float64) {
	e.Sep()
	e.buf = appendRounded(e.buf, v, e.scale, e.unit, e.decimals)
}

// Fixed writes k·10^-decimals, k an integer count of the smallest length
// step, so equal coordinates are equal digits.
func (e *Encoder) Fixed(k int64) {
	e.Sep()
	e.buf = appendFixed(e.buf, k, e.unit, e.decimals)
}

// Ratio writes a direction component or other unitless value near 1, to 12 places.
func (e *Encoder) Ratio(v float64) {
	e.Sep()
	e.buf = appendRounded(e.buf, v, 1e12, 1e12, 12)
}

// Real writes any real number, shortest round-trip, in plain or exponent
// notation (see AppendReal).
func (e *Encoder) Real(v float64) {
	e.Sep()
	e.buf = AppendReal(e.buf, v)
}

// appendRounded writes v rounded to the given decimals (scale and unit both
// 10^decimals); values too large for that precision go as AppendReal.
func appendRounded(b []byte, v, scale float64, unit int64, decimals int) []byte {
	k := math.Round(v * scale)
	if math.IsNaN(k) || math.Abs(k) >= 1<<53 {
		return AppendReal(b, v)
	}
	return appendFixed(b, int64(k), unit, decimals)
}

// appendFixed writes k/unit, unit = 10^decimals, as a STEP real: digits, a
// point, the fraction without trailing zeros ("3." for three).
func appendFixed(b []byte, k, unit int64, decimals int) []byte {
	if k < 0 {
		b = append(b, '-')
		k = -k
	}
	b = strconv.AppendInt(b, k/unit, 10)
	b = append(b, '.')
	frac := k % unit
	if frac == 0 {
		return b
	}
	var digits [20]byte
	for i := decimals - 1; i >= 0; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	d := digits[:decimals]
	for len(d) > 0 && d[len(d)-1] == '0' {
		d = d[:len(d)-1]
	}
	return append(b, d...)
}

// AppendReal appends v as an ISO 10303-21 real: the shortest digits that
// read back as v, always with a point in the mantissa ("1.", "1.5E-07").
// NaN and infinities have no STEP form and are written as 0.
func AppendReal(b []byte, v float64) []byte {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return append(b, "0."...)
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		b = strconv.AppendInt(b, int64(v), 10)
		return append(b, '.')
	case math.Abs(v) >= 1e-4 && math.Abs(v) < 1e15:
		return strconv.AppendFloat(b, v, 'f', -1, 64)
	}
	start := len(b)
	b = strconv.AppendFloat(b, v, 'E', -1, 64)
	for i := start; i < len(b); i++ {
		if b[i] == '.' {
			return b
		}
		if b[i] == 'E' {
			b = append(b, 0)
			copy(b[i+1:], b[i:])
			b[i] = '.'
			return b
		}
	}
	return b
}

const hexDigits = "0123456789ABCDEF"

// AppendString appends s as an ISO 10303-21 string literal. Printable ASCII
// goes as it is, with ' and \ doubled; every other character, control
// characters included, goes in \X2\...\X0\ runs of UTF-16 code units
// (characters beyond the BMP as surrogate pairs, which both ISO 10303-21
// readers and IFC tools decode; \X4\ is not read by every tool). Invalid
// UTF-8 becomes U+FFFD.
func AppendString(b []byte, s string) []byte {
	b = append(b, '\'')
	inX2 := false
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			if inX2 {
				b = append(b, `\X0\`...)
				inX2 = false
			}
			switch c {
			case '\'':
				b = append(b, '\'', '\'')
			case '\\':
				b = append(b, '\\', '\\')
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if !inX2 {
			b = append(b, `\X2\`...)
			inX2 = true
		}
		if r >= 0x10000 {
			r -= 0x10000
			b = appendHex4(b, 0xD800+(r>>10))
			r = 0xDC00 + r&0x3FF
		}
		b = appendHex4(b, r)
	}
	if inX2 {
		b = append(b, `\X0\`...)
	}
	return append(b, '\'')
}

func appendHex4(b []byte, r rune) []byte {
	return append(b, hexDigits[r>>12&15], hexDigits[r>>8&15], hexDigits[r>>4&15], hexDigits[r&15])
}
