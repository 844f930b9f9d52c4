package p21

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
)

// From formats/ifc (TestReals): AppendReal and the rounding of lengths.
func TestReals(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{{3, "3."}, {-0.5, "-0.5"}, {1e20, "1.E+20"}, {1.5e-7, "1.5E-07"}, {math.NaN(), "0."}, {0.1, "0.1"}} {
		if got := string(AppendReal(nil, c.v)); got != c.want {
			t.Errorf("AppendReal(%v) = %q, want %q", c.v, got, c.want)
		}
	}
	for _, c := range []struct {
		v    float64
		want string
	}{{5000000.1234567, "5000000.123457"}, {-0.0000004, "-0."}, {2, "2."}, {-1.25, "-1.25"}} {
		if got := string(appendRounded(nil, c.v, 1e6, 1e6, 6)); got != c.want && !(c.want == "-0." && got == "0.") {
			t.Errorf("appendRounded(%v) = %q, want %q", c.v, got, c.want)
		}
	}
}

// From formats/step (TestStrings, reals part).
func TestRealsShortest(t *testing.T) {
	for v, want := range map[float64]string{0: "0.", 1: "1.", -2.5: "-2.5", 1e-7: "1.E-07", 1.5e20: "1.5E+20", math.NaN(): "0."} {
		if got := string(AppendReal(nil, v)); got != want {
			t.Errorf("AppendReal(%v) = %s, want %s", v, got, want)
		}
	}
}

// From formats/ifc (TestStrings).
func TestStrings(t *testing.T) {
	for in, want := range map[string]string{
		"plain":    "'plain'",
		"it's":     "'it''s'",
		`a\b`:      `'a\\b'`,
		"é":        `'\X2\00E9\X0\'`,
		"🏢x":       `'\X2\D83CDFE2\X0\x'`,
		"a\tb\n":   `'a\X2\0009\X0\b\X2\000A\X0\'`,
		"\xff":     `'\X2\FFFD\X0\'`,
		"東京 tower": `'\X2\67714EAC\X0\ tower'`,
	} {
		if got := string(AppendString(nil, in)); got != want {
			t.Errorf("AppendString(%q) = %s, want %s", in, got, want)
		}
	}
}

// From formats/step (TestStrings, strings part): literals decode back.
func TestStringsRoundTrip(t *testing.T) {
	for _, s := range []string{"", "plain", "it's", `back\slash`, "é東京🏢", "\x00\x01\t\n\x7f end", "\xff bad"} {
		b := AppendString(nil, s)
		got, n, err := decodeString(string(b))
		want := strings.ToValidUTF8(s, "\uFFFD")
		if err != nil || got != want || n != len(b) {
			t.Errorf("%q → %s → %q, %v", s, b, got, err)
		}
	}
}

// decodeString reads the literal at the start of s: doubled apostrophes, \\ escapes and
// \X2\hhhh...\X0\ runs; raw characters outside printable ASCII are an error.
// It returns the text and the literal's length. (From formats/step's test parser.)
func decodeString(s string) (string, int, error) {
	if s == "" || s[0] != '\'' {
		return "", 0, errors.New("no opening quote")
	}
	var b strings.Builder
	for i := 1; i < len(s); {
		c := s[i]
		switch {
		case c < 0x20 || c >= 0x7f:
			return "", i, errors.New("raw byte in a string")
		case c == '\'':
			if i+1 < len(s) && s[i+1] == '\'' {
				b.WriteByte('\'')
				i += 2
				continue
			}
			return b.String(), i + 1, nil
		case c == '\\':
			rest := s[i:]
			switch {
			case strings.HasPrefix(rest, `\\`):
				b.WriteByte('\\')
				i += 2
			case strings.HasPrefix(rest, `\X2\`):
				end := strings.Index(rest, `\X0\`)
				if end < 0 || (end-4)%4 != 0 {
					return "", i, errors.New(`bad \X2\ run`)
				}
				var units []uint16
				for k := 4; k < end; k += 4 {
					u, err := strconv.ParseUint(rest[k:k+4], 16, 16)
					if err != nil {
						return "", i, errors.New(`bad hex in \X2\`)
					}
					units = append(units, uint16(u))
				}
				b.WriteString(string(utf16.Decode(units)))
				i += end + 4
			default:
				return "", i, errors.New("lone backslash in a string")
			}
		default:
			b.WriteByte(c)
			i++
		}
	}
	return "", len(s), errors.New("unterminated string")
}

// Instance numbering, reserved numbers, separators and the attribute writers.
func TestEncoder(t *testing.T) {
	var out bytes.Buffer
	e := New(&out, 3)
	e.Raw("DATA;\n")
	wall := e.Reserve()
	a := e.Begin("A")
	e.Ref(wall)
	e.Null()
	e.Star()
	e.Bool(true)
	e.Enum("X")
	e.Int(-7)
	e.OptStr("")
	e.OptStr("s")
	e.Refs(1, 2)
	e.Refs32([]int32{3})
	e.Refs()
	e.End()
	e.BeginAt(wall, "WALL")
	e.Length(1.23456)
	e.Fixed(-1500)
	e.Ratio(1.0 / 3)
	e.Real(1e-7)
	e.Typed("IFCLABEL")
	e.Str("x")
	e.Close()
	e.Open()
	e.Length(2)
	e.Length(math.Inf(1))
	e.Close()
	e.End()
	if c := e.Begin(""); c != 3 {
		t.Errorf("complex instance numbered %d", c)
	}
	e.Raw("P()Q(")
	e.Sep()
	e.RawBytes([]byte("'g'"))
	e.Raw(")")
	e.End()
	if e.Count() != 3 || e.Scale() != 1e3 || a != 2 || wall != 1 {
		t.Errorf("count %d, scale %v, a %d, wall %d", e.Count(), e.Scale(), a, wall)
	}
	if out.Len() != 0 {
		t.Error("wrote before Flush")
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "DATA;\n" +
		"#2=A(#1,$,*,.T.,.X.,-7,$,'s',(#1,#2),(#3),());\n" +
		"#1=WALL(1.235,-1.5,0.333333333333,1.E-07,IFCLABEL('x'),(2.,0.));\n" +
		"#3=(P()Q('g'));\n"
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if e.Written() != int64(len(want)) || e.Err() != nil {
		t.Errorf("written %d, err %v", e.Written(), e.Err())
	}
}

type failWriter struct{}

func (failWriter) Write(p []byte) (int, error) { return 0, errors.New("disk full") }

// End flushes by itself once the buffer is full, and the first error sticks.
func TestFlushAndError(t *testing.T) {
	var out bytes.Buffer
	e := New(&out, 6)
	for out.Len() == 0 {
		e.Begin("X")
		e.Str(strings.Repeat("a", 1000))
		e.End()
	}
	if out.Len() < flushAt {
		t.Errorf("flushed %d bytes", out.Len())
	}
	f := New(failWriter{}, 6)
	f.Begin("X")
	f.End()
	if f.Flush() == nil || f.Err() == nil || f.Flush() == nil {
		t.Error("write error not kept")
	}
}
