package dxf

import (
	"strconv"
	"strings"
	"unicode/utf16"
)

// MTextForTest is the encoded MTEXT content of s.
func MTextForTest(s string) string { return strings.Join(mtext(s), "") }

// MTextValueForTest is s written as MTEXT groups 3 and 1.
func MTextValueForTest(s string) []byte {
	var e enc
	e.mtextValue(mtext(s))
	return e.b
}

// DecodeMTextForTest undoes mtext, as a reader of the DXF reference would.
func DecodeMTextForTest(s string) string {
	var units []uint16
	var out strings.Builder
	flush := func() {
		out.WriteString(string(utf16.Decode(units)))
		units = units[:0]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && strings.HasPrefix(s[i:], `\U+`) && i+7 <= len(s):
			v, err := strconv.ParseUint(s[i+3:i+7], 16, 16)
			if err == nil {
				units = append(units, uint16(v))
				i += 6
				continue
			}
			flush()
			out.WriteByte(c)
		case c == '\\' && i+1 < len(s):
			flush()
			switch s[i+1] {
			case 'P':
				out.WriteByte('\n')
			default:
				out.WriteByte(s[i+1])
			}
			i++
		case c == '^' && i+1 < len(s):
			flush()
			if s[i+1] == ' ' {
				out.WriteByte('^')
			} else {
				out.WriteByte(s[i+1] - 64)
			}
			i++
		case c == '{' || c == '}':
			flush()
		default:
			flush()
			out.WriteByte(c)
		}
	}
	flush()
	return out.String()
}
