package ifc

import (
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// enc writes ISO 10303-21 entity instances into a buffer that is flushed to
// the file as it fills. Instances are numbered from 1 in the order they are
// begun; a number may also be reserved ahead (a wall that a door refers to
// before the wall is written) and the instance written later under it.
//
// Attributes are appended one by one; each appender puts the comma in front
// of itself unless it opens an instance or a list, so callers never track
// positions.
type enc struct {
	w       io.Writer
	buf     []byte
	err     error
	next    int     // the next instance number
	scale   float64 // 10^decimals, for lengths
	decimal int
	written int64 // bytes handed to w
}

const flushAt = 256 << 10

func newEnc(w io.Writer, decimals int) *enc {
	return &enc{w: w, buf: make([]byte, 0, flushAt+64<<10), next: 1,
		scale: math.Pow10(decimals), decimal: decimals}
}

func (e *enc) flush() error {
	if e.err == nil && len(e.buf) > 0 {
		var n int
		n, e.err = e.w.Write(e.buf)
		e.written += int64(n)
	}
	e.buf = e.buf[:0]
	return e.err
}

func (e *enc) raw(s string) { e.buf = append(e.buf, s...) }

// reserve takes an instance number to be written later with beginAt.
func (e *enc) reserve() int {
	id := e.next
	e.next++
	return id
}

// begin starts a new instance of the entity (upper-case name) and returns its number.
func (e *enc) begin(entity string) int {
	id := e.reserve()
	e.beginAt(id, entity)
	return id
}

func (e *enc) beginAt(id int, entity string) {
	e.buf = append(e.buf, '#')
	e.buf = strconv.AppendInt(e.buf, int64(id), 10)
	e.buf = append(e.buf, '=')
	e.buf = append(e.buf, entity...)
	e.buf = append(e.buf, '(')
}

// end closes the instance and flushes when the buffer is full.
func (e *enc) end() {
	e.buf = append(e.buf, ");\n"...)
	if len(e.buf) >= flushAt {
		e.flush()
	}
}

// sep writes the comma before an attribute or list member, unless it is the first.
func (e *enc) sep() {
	if n := len(e.buf); n > 0 && e.buf[n-1] != '(' {
		e.buf = append(e.buf, ',')
	}
}

func (e *enc) null()  { e.sep(); e.buf = append(e.buf, '$') }
func (e *enc) star()  { e.sep(); e.buf = append(e.buf, '*') }
func (e *enc) open()  { e.sep(); e.buf = append(e.buf, '(') }
func (e *enc) close() { e.buf = append(e.buf, ')') }

// enum writes .NAME.
func (e *enc) enum(name string) {
	e.sep()
	e.buf = append(e.buf, '.')
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '.')
}

func (e *enc) bool(b bool) {
	if b {
		e.enum("T")
	} else {
		e.enum("F")
	}
}

func (e *enc) ref(id int) {
	e.sep()
	e.buf = append(e.buf, '#')
	e.buf = strconv.AppendInt(e.buf, int64(id), 10)
}

// refs writes a list of instance numbers.
func (e *enc) refs(ids []int32) {
	e.open()
	for i, id := range ids {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = append(e.buf, '#')
		e.buf = strconv.AppendInt(e.buf, int64(id), 10)
	}
	e.close()
}

func (e *enc) int(n int) {
	e.sep()
	e.buf = strconv.AppendInt(e.buf, int64(n), 10)
}

// str writes a string, or $ when it is empty.
func (e *enc) optStr(s string) {
	if s == "" {
		e.null()
		return
	}
	e.str(s)
}

func (e *enc) str(s string) {
	e.sep()
	e.buf = appendString(e.buf, s)
}

// typed writes a typed value such as IFCLABEL('x'): the caller writes the value
// after it and calls close.
func (e *enc) typed(name string) {
	e.sep()
	e.buf = append(e.buf, name...)
	e.buf = append(e.buf, '(')
}

// length writes a length in metres, rounded to the output's decimals.
func (e *enc) length(v float64) {
	e.sep()
	e.buf = appendFixed(e.buf, v, e.scale, e.decimal)
}

// ratio writes a direction component or other unitless value near 1, to 12 places.
func (e *enc) ratio(v float64) {
	e.sep()
	e.buf = appendFixed(e.buf, v, 1e12, 12)
}

// real writes any real number, in plain or exponent notation.
func (e *enc) real(v float64) {
	e.sep()
	e.buf = appendReal(e.buf, v)
}

// appendFixed writes v rounded to the given decimals as a STEP real: digits,
// a point, the fraction without trailing zeros ("3." for three).
func appendFixed(b []byte, v, scale float64, decimals int) []byte {
	k := math.Round(v * scale)
	if math.IsNaN(k) || math.Abs(k) >= 1<<53 {
		return appendReal(b, v)
	}
	n := int64(k)
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	p := int64(scale)
	b = strconv.AppendInt(b, n/p, 10)
	b = append(b, '.')
	frac := n % p
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

// appendReal writes the shortest text that reads back as v. STEP reals need a
// point in the mantissa; NaN and infinities have no STEP form and become 0.
func appendReal(b []byte, v float64) []byte {
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

// appendString writes s as a STEP string literal: printable ASCII as it is
// (apostrophe and backslash doubled), every other character, control
// characters included, in \X2\...\X0\ runs of UTF-16 code units (characters
// beyond the BMP as surrogate pairs, which both ISO 10303-21 readers and IFC
// tools decode; \X4\ is not read by every tool). Invalid UTF-8 becomes U+FFFD.
func appendString(b []byte, s string) []byte {
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
