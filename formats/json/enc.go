package json

import (
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/arxos/arxport/internal/ftoa"
)

// AppendFloat appends f as a JSON number: the shortest text that reads back as
// the same float64, in plain notation between 1e-6 and 1e21 and exponent
// notation outside (as encoding/json does). -0 is written as 0. The text is also
// a valid xs:double. NaN and infinities, which the model rejects, are written as 0.
func AppendFloat(dst []byte, f float64) []byte {
	if f == 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, '0')
	}
	abs := math.Abs(f)
	if abs < 1e-6 || abs >= 1e21 {
		n := len(dst)
		dst = strconv.AppendFloat(dst, f, 'e', -1, 64)
		// e-07 → e-7, as encoding/json writes it.
		if m := len(dst) - n; m >= 4 && dst[len(dst)-4] == 'e' && dst[len(dst)-3] == '-' && dst[len(dst)-2] == '0' {
			dst[len(dst)-2] = dst[len(dst)-1]
			dst = dst[:len(dst)-1]
		}
		return dst
	}
	return ftoa.AppendFixed(dst, f)
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a quoted JSON string. Invalid UTF-8 becomes U+FFFD;
// control characters, U+2028 and U+2029 are escaped, so the output is also safe
// inside JavaScript.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// Writer writes one JSON value as a stream of tokens, inserting commas, and
// newlines and indentation when asked. Errors are sticky: after the first, every
// call is a no-op and Err returns it.
type Writer struct {
	w      io.Writer
	buf    []byte
	indent bool
	// first[i] is true while container i (innermost last) has no member yet.
	first    []bool
	afterKey bool
	err      error
}

// NewWriter returns a Writer over w; indent pretty-prints with two spaces.
func NewWriter(w io.Writer, indent bool) *Writer {
	return &Writer{w: w, indent: indent, buf: make([]byte, 0, flushAt+4<<10)}
}

// flushAt is how many buffered bytes are handed to the underlying writer at once.
const flushAt = 64 << 10

// Err returns the first write error.
func (w *Writer) Err() error { return w.err }

// Flush writes buffered bytes to the underlying writer.
func (w *Writer) Flush() error {
	if w.err == nil && len(w.buf) > 0 {
		_, w.err = w.w.Write(w.buf)
	}
	w.buf = w.buf[:0]
	return w.err
}

func (w *Writer) newline() {
	if !w.indent {
		return
	}
	w.buf = append(w.buf, '\n')
	for range len(w.first) {
		w.buf = append(w.buf, ' ', ' ')
	}
}

// sep starts a value: a comma and line break inside a container, nothing after a key.
func (w *Writer) sep() {
	if w.afterKey {
		w.afterKey = false
		return
	}
	if n := len(w.first); n > 0 {
		if !w.first[n-1] {
			w.buf = append(w.buf, ',')
		}
		w.first[n-1] = false
		w.newline()
	}
}

// Key starts an object member.
func (w *Writer) Key(k string) {
	w.sep()
	w.buf = AppendString(w.buf, k)
	w.buf = append(w.buf, ':')
	if w.indent {
		w.buf = append(w.buf, ' ')
	}
	w.afterKey = true
	w.maybeFlush()
}

func (w *Writer) maybeFlush() {
	if len(w.buf) >= flushAt {
		w.Flush()
	}
}

func (w *Writer) open(c byte) {
	w.sep()
	w.buf = append(w.buf, c)
	w.first = append(w.first, true)
	w.maybeFlush()
}

func (w *Writer) close(c byte) {
	n := len(w.first)
	empty := w.first[n-1]
	w.first = w.first[:n-1]
	if !empty {
		w.newline()
	}
	w.buf = append(w.buf, c)
	w.maybeFlush()
}

// BeginObject starts an object; EndObject ends it.
func (w *Writer) BeginObject() { w.open('{') }

// EndObject ends the innermost object.
func (w *Writer) EndObject() { w.close('}') }

// BeginArray starts an array; EndArray ends it.
func (w *Writer) BeginArray() { w.open('[') }

// EndArray ends the innermost array.
func (w *Writer) EndArray() { w.close(']') }

// String writes a string value.
func (w *Writer) String(s string) {
	w.sep()
	w.buf = AppendString(w.buf, s)
	w.maybeFlush()
}

// Float writes a number.
func (w *Writer) Float(f float64) {
	w.sep()
	w.buf = AppendFloat(w.buf, f)
	w.maybeFlush()
}

// Int writes an integer.
func (w *Writer) Int(n int64) {
	w.sep()
	w.buf = strconv.AppendInt(w.buf, n, 10)
	w.maybeFlush()
}

// Bool writes true or false.
func (w *Writer) Bool(b bool) {
	w.sep()
	w.buf = strconv.AppendBool(w.buf, b)
	w.maybeFlush()
}

// Floats writes a short array of numbers on one line, even when indenting:
// a coordinate reads better as [1,2,3] than as five lines.
func (w *Writer) Floats(fs ...float64) {
	w.sep()
	w.buf = append(w.buf, '[')
	for i, f := range fs {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = AppendFloat(w.buf, f)
	}
	w.buf = append(w.buf, ']')
	w.maybeFlush()
}

// Ints writes a short array of integers on one line.
func (w *Writer) Ints(ns ...int) {
	w.sep()
	w.buf = append(w.buf, '[')
	for i, n := range ns {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = strconv.AppendInt(w.buf, int64(n), 10)
	}
	w.buf = append(w.buf, ']')
	w.maybeFlush()
}

// Raw writes text as it is, as a value: the caller vouches that it is valid JSON.
func (w *Writer) Raw(b []byte) {
	w.sep()
	w.buf = append(w.buf, b...)
	w.maybeFlush()
}

// End ends the document with a newline and flushes it to the underlying writer.
func (w *Writer) End() error {
	w.buf = append(w.buf, '\n')
	return w.Flush()
}
