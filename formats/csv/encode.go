package csv

import (
	"io"
	"strings"

	"github.com/arxos/arxport/converters/tables"
)

// encoder writes RFC 4180 records. It is encoding/csv's Writer with UseCRLF,
// specialised for typed values: numbers and booleans are appended without
// going through strings, text gets the formula-injection guard, and an empty
// string is written "" so that readers can tell it from null (an empty field).
type encoder struct {
	w   io.Writer
	buf []byte
	err error
}

// flushAt is how much text the encoder gathers before writing it.
const flushAt = 32 << 10

func newEncoder(w io.Writer) *encoder { return &encoder{w: w, buf: make([]byte, 0, flushAt+4096)} }

func (e *encoder) header(t *tables.Table) {
	for i, c := range t.Columns {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = appendText(e.buf, c.Name)
	}
	e.buf = append(e.buf, '\r', '\n')
}

func (e *encoder) row(row []tables.Value) error {
	for i := range row {
		v := &row[i]
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if v.Kind == tables.String {
			if plainText(v.Str) {
				e.buf = append(e.buf, v.Str...)
			} else {
				e.buf = appendText(e.buf, tables.SafeText(v.Str))
			}
		} else {
			e.buf = v.Append(e.buf)
		}
	}
	e.buf = append(e.buf, '\r', '\n')
	if len(e.buf) >= flushAt {
		return e.flush()
	}
	return nil
}

func (e *encoder) flush() error {
	if e.err != nil {
		return e.err
	}
	if len(e.buf) > 0 {
		_, e.err = e.w.Write(e.buf)
		e.buf = e.buf[:0]
	}
	return e.err
}

// appendText appends a field, quoted when it holds a comma, quote or line
// break, begins or ends with a space (which some readers trim), or is empty.
func appendText(b []byte, s string) []byte {
	if !needsQuotes(s) {
		return append(b, s...)
	}
	b = append(b, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}

// plainText reports whether s goes into a file as it is: neither the
// formula guard nor quotes would change it. It is the common case, checked
// in one pass; the rest takes the long way.
func plainText(s string) bool {
	if s == "" || !plainEnds[s[0]] || !plainEnds[s[len(s)-1]] {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if special[s[i]] {
			return false
		}
	}
	return true
}

var special, plainEnds [256]bool

func init() {
	for _, c := range ",\"\r\n" {
		special[c] = true
	}
	for c := range plainEnds {
		plainEnds[c] = !special[c]
	}
	// A space or tab at either end is quoted; =, +, -, @, tab and carriage
	// return in front may need the formula guard.
	for _, c := range " \t=+-@" {
		plainEnds[c] = false
	}
}

func needsQuotes(s string) bool {
	if s == "" || s[0] == ' ' || s[len(s)-1] == ' ' || s[0] == '\t' || s[len(s)-1] == '\t' {
		return true
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	return false
}
