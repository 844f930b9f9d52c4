package tables

import (
	"math"
	"strconv"

	"github.com/arxos/arxport/internal/ftoa"
)

// Value is one cell: a string, int64, float64 or bool, or null. It is a plain
// struct rather than an interface so that building a row allocates nothing.
type Value struct {
	Str   string
	Int   int64
	Float float64
	// Kind is the type held; the zero Kind is null.
	Kind Kind
	Bool bool
	// The small fields last: 40 bytes a value rather than 48.
}

// Null is the null value.
func Null() Value { return Value{} }

// Text is a string value.
func Text(s string) Value { return Value{Kind: String, Str: s} }

// OptText is a string value, or null when s is empty.
func OptText(s string) Value {
	if s == "" {
		return Value{}
	}
	return Value{Kind: String, Str: s}
}

// Int64 is an integer value.
func Int64(i int64) Value { return Value{Kind: Int, Int: i} }

// Float64 is a floating-point value; NaN and infinities, which no table format
// holds portably, become null, and -0 becomes 0.
func Float64(f float64) Value {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Value{}
	}
	if f == 0 {
		f = 0
	}
	return Value{Kind: Float, Float: f}
}

// Boolean is a boolean value.
func Boolean(b bool) Value { return Value{Kind: Bool, Bool: b} }

// IsNull reports whether v is null.
func (v Value) IsNull() bool { return v.Kind == 0 }

// Append appends v as text: nothing for null, the string itself, an integer in
// decimal, a float in its shortest round-trip form, true or false.
func (v Value) Append(b []byte) []byte {
	switch v.Kind {
	case String:
		return append(b, v.Str...)
	case Int:
		return strconv.AppendInt(b, v.Int, 10)
	case Float:
		return AppendFloat(b, v.Float)
	case Bool:
		return strconv.AppendBool(b, v.Bool)
	}
	return b
}

// String returns v as text, as Append writes it.
func (v Value) String() string {
	if v.Kind == String {
		return v.Str
	}
	return string(v.Append(nil))
}

// AppendFloat writes f in the shortest form that reads back to the same double,
// as JSON and JavaScript do: plain decimals from 1e-6 to 1e21, exponent form
// outside (so a tiny or huge value never becomes hundreds of digits).
func AppendFloat(b []byte, f float64) []byte {
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.AppendFloat(b, f, 'e', -1, 64)
	}
	return ftoa.AppendFixed(b, f)
}

// SafeText guards text against formula injection (OWASP "CSV injection"): a
// spreadsheet that opens a file runs a cell beginning with =, +, -, @, tab or
// carriage return as a formula. Such text gets a leading single quote, which
// spreadsheets show and never evaluate. Text that is a plain number ("-12.5",
// "+3") is left alone: a spreadsheet reads it as that number, which runs
// nothing.
//
// csv applies it to every string cell. xlsx applies it too, although its string
// cells are typed and never formulas: a user who edits such a cell (F2, Enter)
// would turn it into one, and tools that convert the sheet back to text would
// carry the formula on.
func SafeText(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if isDecimal(s) {
			return s
		}
		return "'" + s
	}
	return s
}

// isDecimal reports whether s is a plain decimal number: [+-]digits[.digits][e[+-]digits].
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}
