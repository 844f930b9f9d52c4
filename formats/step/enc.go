package step

import (
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// enc writes ISO 10303-21 instances into a buffer that goes to the file
// whenever it fills, so the output streams. Instances are numbered from 1 in
// the order they are begun.
type enc struct {
	w       io.Writer
	buf     []byte
	err     error
	next    int
	written int64
	// lengths are written as integers of 10^-decimals metres, so equal
	// coordinates are equal digits and numbers stay short.
	decimals int
	scale    float64
}

const flushSize = 128 << 10

func newEnc(w io.Writer, decimals int) *enc {
	return &enc{w: w, buf: make([]byte, 0, flushSize+16<<10), next: 1,
		decimals: decimals, scale: math.Pow10(decimals)}
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

// begin opens instance #n=ENTITY( and returns n. An empty entity opens a
// complex instance, whose parts the caller writes with raw.
func (e *enc) begin(entity string) int {
	n := e.next
	e.next++
	e.buf = append(e.buf, '#')
	e.buf = strconv.AppendInt(e.buf, int64(n), 10)
	e.buf = append(e.buf, '=')
	e.buf = append(e.buf, entity...)
	e.buf = append(e.buf, '(')
	return n
}

func (e *enc) end() {
	e.buf = append(e.buf, ");\n"...)
	if len(e.buf) >= flushSize {
		e.flush()
	}
}

// sep puts the comma before an attribute unless it opens an instance or list.
func (e *enc) sep() {
	if n := len(e.buf); n > 0 && e.buf[n-1] != '(' {
		e.buf = append(e.buf, ',')
	}
}

func (e *enc) null()  { e.sep(); e.buf = append(e.buf, '$') }
func (e *enc) star()  { e.sep(); e.buf = append(e.buf, '*') }
func (e *enc) open()  { e.sep(); e.buf = append(e.buf, '(') }
func (e *enc) close() { e.buf = append(e.buf, ')') }

func (e *enc) bool(b bool) {
	e.sep()
	if b {
		e.buf = append(e.buf, ".T."...)
	} else {
		e.buf = append(e.buf, ".F."...)
	}
}

func (e *enc) ref(n int) {
	e.sep()
	e.buf = append(e.buf, '#')
	e.buf = strconv.AppendInt(e.buf, int64(n), 10)
}

func (e *enc) refs(ns ...int) {
	e.open()
	for _, n := range ns {
		e.ref(n)
	}
	e.close()
}

func (e *enc) int(n int) {
	e.sep()
	e.buf = strconv.AppendInt(e.buf, int64(n), 10)
}

func (e *enc) str(s string) {
	e.sep()
	e.buf = AppendString(e.buf, s)
}

// fixed writes k·10^-decimals, k an integer count of the smallest length step.
func (e *enc) fixed(k int64) {
	e.sep()
	e.buf = appendFixed(e.buf, k, e.decimals)
}

// real writes any real, such as a direction's component, shortest round-trip.
func (e *enc) real(v float64) {
	e.sep()
	e.buf = AppendReal(e.buf, v)
}

// appendFixed writes k/10^d with a decimal point and no trailing zeros.
func appendFixed(b []byte, k int64, d int) []byte {
	if k < 0 {
		b = append(b, '-')
		k = -k
	}
	p := int64(1)
	for range d {
		p *= 10
	}
	b = strconv.AppendInt(b, k/p, 10)
	b = append(b, '.')
	frac := k % p
	if frac == 0 {
		return b
	}
	var digits [20]byte
	for i := d - 1; i >= 0; i-- {
		digits[i] = byte('0' + frac%10)
		frac /= 10
	}
	last := d
	for last > 0 && digits[last-1] == '0' {
		last--
	}
	return append(b, digits[:last]...)
}

// AppendReal appends v as an ISO 10303-21 real: the shortest digits that
// read back as v, always with a point in the mantissa ("1.", "1.5E-07").
// NaN and infinities have no STEP form and are written as 0.
func AppendReal(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "0."...)
	}
	if v == 0 {
		return append(b, "0."...)
	}
	a := math.Abs(v)
	if a >= 1e-4 && a < 1e15 {
		start := len(b)
		b = strconv.AppendFloat(b, v, 'f', -1, 64)
		for _, c := range b[start:] {
			if c == '.' {
				return b
			}
		}
		return append(b, '.')
	}
	start := len(b)
	b = strconv.AppendFloat(b, v, 'E', -1, 64)
	for i := start; i < len(b); i++ {
		switch b[i] {
		case '.':
			return b
		case 'E':
			b = append(b, 0)
			copy(b[i+1:], b[i:])
			b[i] = '.'
			return b
		}
	}
	return b
}

// AppendString appends s as an ISO 10303-21 string literal. Printable ASCII
// goes as it is, with ' and \ doubled; anything else, control characters
// included, goes in \X2\...\X0\ runs of UTF-16 code units (surrogate pairs
// beyond the BMP). Invalid UTF-8 becomes U+FFFD.
func AppendString(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	b = append(b, '\'')
	wide := false
	unit := func(r rune) {
		b = append(b, hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			if wide {
				b = append(b, `\X0\`...)
				wide = false
			}
			if c == '\'' || c == '\\' {
				b = append(b, c)
			}
			b = append(b, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if !wide {
			b = append(b, `\X2\`...)
			wide = true
		}
		if r >= 0x10000 {
			r -= 0x10000
			unit(0xD800 + r>>10)
			r = 0xDC00 + r&0x3FF
		}
		unit(r)
	}
	if wide {
		b = append(b, `\X0\`...)
	}
	return append(b, '\'')
}
