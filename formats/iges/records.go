package iges

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// IGES files are fixed 80-column records: columns 1–72 hold data, column 73 the
// section letter and 74–80 the record's sequence number within its section.
const (
	recordLen  = 80
	dataCols   = 72
	pdDataCols = 64 // parameter data: 65 blank, 66–72 the DE back-pointer
	maxSeq     = 9999999
)

// sectionWriter appends records of one section to w, numbering them.
type sectionWriter struct {
	w      io.Writer
	letter byte
	n      int // records written
	buf    []byte
	err    error
}

// record writes one record whose data (at most 72 bytes) is padded with blanks.
func (s *sectionWriter) record(data string) { s.recordBytes([]byte(data)) }

// recordBytes is record for bytes.
func (s *sectionWriter) recordBytes(data []byte) {
	if s.err != nil {
		return
	}
	if s.n >= maxSeq {
		s.err = fmt.Errorf("iges: more than %d records in section %c: the model is too large for one IGES file", maxSeq, s.letter)
		return
	}
	s.n++
	b := append(s.buf[:0], data...)
	for len(b) < dataCols {
		b = append(b, ' ')
	}
	b = append(b, s.letter)
	b = appendSeq(b, s.n)
	b = append(b, '\n')
	s.buf = b
	_, s.err = s.w.Write(b)
}

// appendSeq appends n as seven digits with leading zeros.
func appendSeq(b []byte, n int) []byte {
	var d [7]byte
	for i := 6; i >= 0; i-- {
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, d[:]...)
}

// freeText writes free-format parameters (Global section) or text (Start
// section) over as many records as needed, breaking after a delimiter where it
// can and inside a Hollerith string where it must.
func (s *sectionWriter) freeText(params []string, sep, end byte) {
	line := make([]byte, 0, dataCols)
	for i, p := range params {
		tok := p + string(sep)
		if i == len(params)-1 {
			tok = p + string(end)
		}
		if len(line)+len(tok) > dataCols && len(line) > 0 && len(tok) <= dataCols {
			s.record(string(line))
			line = line[:0]
		}
		for len(line)+len(tok) > dataCols {
			k := dataCols - len(line)
			line = append(line, tok[:k]...)
			tok = tok[k:]
			s.record(string(line))
			line = line[:0]
		}
		line = append(line, tok...)
	}
	if len(line) > 0 {
		s.record(string(line))
	}
}

// params collects one entity's parameter data, "type,p1,p2,...;", and where
// each parameter ends (after its delimiter), so records break between
// parameters and never inside one but a long Hollerith string.
type params struct {
	b    []byte
	ends []int
}

func (p *params) reset(typ int) {
	p.b, p.ends = p.b[:0], p.ends[:0]
	p.b = strconv.AppendInt(p.b, int64(typ), 10)
	p.sep()
}

func (p *params) sep() {
	p.b = append(p.b, ',')
	p.ends = append(p.ends, len(p.b))
}

func (p *params) int(n int) {
	p.b = strconv.AppendInt(p.b, int64(n), 10)
	p.sep()
}

// real appends a real with dec decimals, trailing zeros trimmed but the point kept.
func (p *params) real(v float64, dec int) {
	p.b = appendReal(p.b, v, dec)
	p.sep()
}

func appendReal(b []byte, v float64, dec int) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, v, 'f', dec, 64)
	for len(b)-start > 2 && b[len(b)-1] == '0' && b[len(b)-2] != '.' {
		b = b[:len(b)-1]
	}
	if string(b[start:]) == "-0.0" {
		b = append(b[:start], "0.0"...)
	}
	return b
}

func (p *params) str(s string) {
	p.b = appendHollerith(p.b, s)
	p.sep()
}

// end turns the last delimiter into the record delimiter.
func (p *params) end() { p.b[len(p.b)-1] = ';' }

// appendHollerith appends s as an IGES Hollerith string, nH followed by n bytes,
// after escaping it to printable ASCII (encodeText).
func appendHollerith(b []byte, s string) []byte {
	e := encodeText(s)
	b = strconv.AppendInt(b, int64(len(e)), 10)
	b = append(b, 'H')
	return append(b, e...)
}

func hollerith(s string) string { return string(appendHollerith(nil, s)) }

// encodeText keeps an IGES file pure ASCII: printable ASCII stays as it is,
// a backslash becomes two, and every other character (control characters,
// anything beyond ASCII) is written with the ISO 10303-21 escapes that STEP
// uses too: \X2\hhhh…\X0\ for runs of characters of the Basic Multilingual
// Plane, \X4\hhhhhhhh…\X0\ for runs beyond it (hexadecimal code points,
// upper case). Invalid UTF-8 reads as U+FFFD. DecodeText reverses it.
func encodeText(s string) string {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	var b strings.Builder
	mode := 0 // 0 plain, 2 in \X2\, 4 in \X4\
	for _, r := range s {
		want := 0
		switch {
		case r >= 0x20 && r <= 0x7e:
			want = 0
		case r > 0xffff:
			want = 4
		default:
			want = 2
		}
		if want != mode {
			if mode != 0 {
				b.WriteString(`\X0\`)
			}
			if want != 0 {
				fmt.Fprintf(&b, `\X%d\`, want)
			}
			mode = want
		}
		switch mode {
		case 0:
			if r == '\\' {
				b.WriteString(`\\`)
			} else {
				b.WriteRune(r)
			}
		case 2:
			fmt.Fprintf(&b, "%04X", r)
		case 4:
			fmt.Fprintf(&b, "%08X", r)
		}
	}
	if mode != 0 {
		b.WriteString(`\X0\`)
	}
	return b.String()
}

// DecodeText reverses the escapes of a Hollerith string's text written by this
// package: `\\` is a backslash, \X2\…\X0\ and \X4\…\X0\ carry code points in
// 4 and 8 hexadecimal digits.
func DecodeText(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		switch {
		case strings.HasPrefix(s[i:], `\\`):
			b.WriteByte('\\')
			i += 2
		case strings.HasPrefix(s[i:], `\X2\`), strings.HasPrefix(s[i:], `\X4\`):
			width := 4
			if s[i+2] == '4' {
				width = 8
			}
			i += 4
			for !strings.HasPrefix(s[i:], `\X0\`) {
				if i+width > len(s) {
					return "", fmt.Errorf("unterminated \\X%d\\ escape", width/2)
				}
				n, err := strconv.ParseUint(s[i:i+width], 16, 32)
				if err != nil || !utf8.ValidRune(rune(n)) {
					return "", fmt.Errorf("bad code point %q", s[i:i+width])
				}
				b.WriteRune(rune(n))
				i += width
			}
			i += 4
		default:
			return "", fmt.Errorf("unknown escape at %d", i)
		}
	}
	return b.String(), nil
}

// label makes an 8-column entity label: printable ASCII other than blanks,
// at most 8 characters of s, right-justified.
func label(s string) string {
	var b []byte
	for i := 0; i < len(s) && len(b) < 8; i++ {
		c := s[i]
		if c <= 0x20 || c > 0x7e {
			c = '_'
		}
		b = append(b, c)
	}
	return fmt.Sprintf("%8s", b)
}

// maxAbs is the largest absolute coordinate, at least 1.
func maxAbs(vals ...float64) float64 {
	m := 1.0
	for _, v := range vals {
		if a := math.Abs(v); a > m && !math.IsInf(a, 0) && !math.IsNaN(a) {
			m = a
		}
	}
	return m
}
