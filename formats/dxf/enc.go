package dxf

import (
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// enc appends DXF group code/value pairs to a byte slice: the code right-aligned
// in three columns as AutoCAD writes it, the value on the next line, LF line ends.
// Full slices are set aside in done (see cut), so a large file is never copied
// to grow one slice.
type enc struct {
	b    []byte
	done [][]byte
	next uint64 // the next free handle
}

// chunkSize is the size at which cut sets the current slice aside.
const chunkSize = 1 << 20

// cut sets b aside once it is large; callers call it between entities.
func (e *enc) cut() {
	if len(e.b) >= chunkSize {
		e.done = append(e.done, e.b)
		e.b = make([]byte, 0, chunkSize+chunkSize/4)
	}
}

// chunks returns everything written, in order.
func (e *enc) chunks() [][]byte {
	return append(e.done, e.b)
}

// handle returns a fresh handle.
func (e *enc) handle() uint64 {
	h := e.next
	e.next++
	return h
}

func (e *enc) code(c int) {
	if c == 0 {
		e.cut()
	}
	switch {
	case c < 10:
		e.b = append(e.b, ' ', ' ')
	case c < 100:
		e.b = append(e.b, ' ')
	}
	e.b = strconv.AppendInt(e.b, int64(c), 10)
	e.b = append(e.b, '\n')
}

// str writes a string value as it is: callers pass ASCII names or text
// already encoded by mtext.
func (e *enc) str(c int, s string) {
	e.code(c)
	e.b = append(e.b, s...)
	e.b = append(e.b, '\n')
}

func (e *enc) int(c int, v int64) {
	e.code(c)
	e.b = strconv.AppendInt(e.b, v, 10)
	e.b = append(e.b, '\n')
}

// hex writes a handle.
func (e *enc) hex(c int, h uint64) {
	e.code(c)
	e.b = appendHandle(e.b, h)
	e.b = append(e.b, '\n')
}

func appendHandle(b []byte, h uint64) []byte {
	const digits = "0123456789ABCDEF"
	var tmp [16]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = digits[h&15]
		h >>= 4
		if h == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}

// float writes a real value rounded to the micrometre (lengths are metres; the
// same rounding suits angles in degrees), always with a decimal point and never
// in exponent form, which some DXF readers do not take.
func (e *enc) float(c int, v float64) {
	e.code(c)
	e.b = appendFloat(e.b, v)
	e.b = append(e.b, '\n')
}

func appendFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0
	}
	r := math.Round(v*1e6) / 1e6
	if math.Abs(v) >= 1e9 { // v*1e6 would lose digits: rounding adds nothing there
		r = v
	}
	if r == 0 {
		r = 0 // no "-0"
	}
	start := len(b)
	b = strconv.AppendFloat(b, r, 'f', -1, 64)
	for _, c := range b[start:] {
		if c == '.' {
			return b
		}
	}
	return append(b, '.', '0')
}

// point writes a 2D point as codes c, c+10 and c+20 (z = 0).
func (e *enc) point(c int, x, y float64) {
	e.float(c, x)
	e.float(c+10, y)
	e.float(c+20, 0)
}

// mtextChunk is the most bytes of text in one MTEXT group (3 or 1).
const mtextChunk = 250

// mtext encodes s as MTEXT content, one token per character, so a long text
// can be split into chunks without breaking a token:
//   - a newline becomes \P (a new paragraph);
//   - a backslash \\, braces \{ and \};
//   - a caret "^ " (a caret followed by another character is caret notation
//     for a control character);
//   - a '%' followed by another '%' is followed by an empty group "{}", so
//     "%%d" is not read as the degree sign;
//   - a 'U' or 'u' right after a backslash as \U+0055 (\U+0075), so a
//     literal "\U+0041" in a name is not read as an escape by readers that
//     decode \U+ before MTEXT codes (ezdxf does);
//   - ASCII from space to '~' as it is; any other character, control
//     characters and non-ASCII alike, as \U+XXXX (the file is pure ASCII,
//     $DWGCODEPAGE ANSI_1252); characters beyond U+FFFF as the UTF-16
//     surrogate pair \U+D8xx\U+DCxx. Nothing is dropped.
func mtext(s string) []string {
	toks := make([]string, 0, len(s))
	prev := rune(0)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		after := prev
		prev = r
		switch {
		case (r == 'U' || r == 'u') && after == '\\':
			toks = append(toks, uplus(r))
		case r == '\n':
			toks = append(toks, `\P`)
		case r == '\\':
			toks = append(toks, `\\`)
		case r == '{':
			toks = append(toks, `\{`)
		case r == '}':
			toks = append(toks, `\}`)
		case r == '^':
			toks = append(toks, "^ ")
		case r == '%' && i < len(s) && s[i] == '%':
			toks = append(toks, "%{}")
		case r >= 0x20 && r < 0x7f:
			toks = append(toks, string(r))
		case r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			toks = append(toks, uplus(hi)+uplus(lo))
		default:
			toks = append(toks, uplus(r))
		}
	}
	return toks
}

func uplus(r rune) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{'\\', 'U', '+', digits[r>>12&15], digits[r>>8&15], digits[r>>4&15], digits[r&15]})
}

// mtextValue writes encoded MTEXT tokens as groups 3 (leading chunks) and 1
// (the last), each at most mtextChunk bytes.
func (e *enc) mtextValue(toks []string) {
	var chunks [][]string
	start, n := 0, 0
	for i, t := range toks {
		if n+len(t) > mtextChunk {
			chunks = append(chunks, toks[start:i])
			start, n = i, 0
		}
		n += len(t)
	}
	chunks = append(chunks, toks[start:])
	for i, c := range chunks {
		code := 3
		if i == len(chunks)-1 {
			code = 1
		}
		e.code(code)
		for _, t := range c {
			e.b = append(e.b, t...)
		}
		e.b = append(e.b, '\n')
	}
}

// tableName makes a block name from arbitrary text: ASCII letters, digits, '-'
// and '_' are kept, anything else becomes '_'; at most 64 bytes.
func tableName(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(b) < 64; i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			b = append(b, c)
		default:
			b = append(b, '_')
		}
	}
	return string(b)
}
