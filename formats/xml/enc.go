package xml

import (
	"io"
	"strconv"
	"unicode/utf8"

	exjson "github.com/arxos/arxport/formats/json"
)

// flushAt is how many buffered bytes are handed to the underlying writer at once.
const flushAt = 64 << 10

// writer builds XML text into a buffer and hands it on in large writes. It keeps
// no tree: start tags, attributes and end tags go out as they are made. Errors
// are sticky: after the first, writes are dropped and err holds it.
type writer struct {
	w   io.Writer
	buf []byte
	err error
	// replaced lists the fields of the current item in which characters XML 1.0
	// forbids were replaced, so the item is warned about once.
	replaced []string
}

func newWriter(w io.Writer) *writer {
	return &writer{w: w, buf: make([]byte, 0, flushAt+4<<10)}
}

func (w *writer) flush() error {
	if w.err == nil && len(w.buf) > 0 {
		_, w.err = w.w.Write(w.buf)
	}
	w.buf = w.buf[:0]
	return w.err
}

func (w *writer) maybeFlush() {
	if len(w.buf) >= flushAt {
		w.flush()
	}
}

func (w *writer) raw(s string) {
	w.buf = append(w.buf, s...)
	w.maybeFlush()
}

// start opens a start tag: <name. Attributes follow; then end (>) or empty (/>).
func (w *writer) start(name string) {
	w.buf = append(w.buf, '<')
	w.buf = append(w.buf, name...)
}

func (w *writer) end()   { w.buf = append(w.buf, '>') }
func (w *writer) empty() { w.buf = append(w.buf, '/', '>'); w.maybeFlush() }

// close writes an end tag.
func (w *writer) close(name string) {
	w.buf = append(w.buf, '<', '/')
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, '>')
	w.maybeFlush()
}

func (w *writer) attrName(name string) {
	w.buf = append(w.buf, ' ')
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, '=', '"')
}

// attr writes a string attribute.
func (w *writer) attr(name, value string) { w.attrAs(name, name, value) }

// attrAs writes a string attribute; field names it in warnings.
func (w *writer) attrAs(name, field, value string) {
	w.attrName(name)
	var bad bool
	w.buf, bad = appendEscaped(w.buf, value, true)
	if bad {
		w.replaced = append(w.replaced, field)
	}
	w.buf = append(w.buf, '"')
}

// optAttr writes a string attribute unless it is empty.
func (w *writer) optAttr(name, value string) {
	if value != "" {
		w.attr(name, value)
	}
}

func (w *writer) attrFloat(name string, f float64) {
	w.attrName(name)
	w.buf = exjson.AppendFloat(w.buf, f)
	w.buf = append(w.buf, '"')
}

func (w *writer) attrInt(name string, n int64) {
	w.attrName(name)
	w.buf = strconv.AppendInt(w.buf, n, 10)
	w.buf = append(w.buf, '"')
}

func (w *writer) attrBool(name string, b bool) {
	w.attrName(name)
	w.buf = strconv.AppendBool(w.buf, b)
	w.buf = append(w.buf, '"')
}

// attrFloats writes a list of numbers separated by spaces (an xs:list of xs:double).
func (w *writer) attrFloats(name string, fs ...float64) {
	w.attrName(name)
	for i, f := range fs {
		if i > 0 {
			w.buf = append(w.buf, ' ')
		}
		w.buf = exjson.AppendFloat(w.buf, f)
	}
	w.buf = append(w.buf, '"')
}

// text writes escaped character data; field names it in warnings.
func (w *writer) text(field, s string) {
	var bad bool
	w.buf, bad = appendEscaped(w.buf, s, false)
	if bad {
		w.replaced = append(w.replaced, field)
	}
	w.maybeFlush()
}

// item ends one top-level item and returns the fields that had characters
// replaced, resetting the list for the next item.
func (w *writer) item() []string {
	w.buf = append(w.buf, '\n')
	w.maybeFlush()
	r := w.replaced
	w.replaced = w.replaced[:0]
	return r
}

// appendEscaped appends s as XML character data, or as an attribute value when
// attr is set. The five markup characters are escaped as needed; in attribute
// values tab, line feed and carriage return are written as character references
// so that attribute-value normalisation keeps them, and in text carriage return
// is, so that line-end normalisation keeps it.
//
// Characters XML 1.0 does not allow at all (C0 controls other than tab, line
// feed and carriage return; U+FFFE and U+FFFF; surrogates; bytes that are not
// UTF-8) cannot be written even as references: each is replaced by U+FFFD, the
// replacement character, and bad reports that it happened.
func appendEscaped(dst []byte, s string, attr bool) (out []byte, bad bool) {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			var esc string
			switch {
			case c == '&':
				esc = "&amp;"
			case c == '<':
				esc = "&lt;"
			case c == '>':
				esc = "&gt;"
			case c == '"' && attr:
				esc = "&quot;"
			case c == '\t' && attr:
				esc = "&#9;"
			case c == '\n' && attr:
				esc = "&#10;"
			case c == '\r':
				esc = "&#13;"
			case c < 0x20 && c != '\t' && c != '\n':
				esc, bad = "\uFFFD", true
			default:
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, esc...)
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			bad = true
			i += size
			start = i
			continue
		}
		i += size
	}
	return append(dst, s[start:]...), bad
}

// Clean returns s as the document carries it: every character XML 1.0 does
// not allow replaced by U+FFFD, as appendEscaped does.
func Clean(s string) string {
	var b []byte
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == 0xFFFE || r == 0xFFFF || (r < 0x20 && r != '\t' && r != '\n' && r != '\r') {
			r = utf8.RuneError
		}
		b = utf8.AppendRune(b, r)
		i += size
	}
	return string(b)
}
