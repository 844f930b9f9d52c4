package step_test

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
)

// A minimal ISO 10303-21 reader for the tests: enough to check that every
// instance parses, every #reference is defined, and strings decode back.

type ref int

type instance struct {
	Name  string // entity name; for a complex instance the parts joined by "+"
	Attrs []any  // string, float64, int64, ref, []any, nil ($), "*" as star{}, enums as enum
}

type enum string
type star struct{}

type stepFile struct {
	Header    string
	Instances map[int]*instance
	Order     []int
}

func parseStep(text string) (*stepFile, error) {
	const head = "ISO-10303-21;"
	if !strings.HasPrefix(text, head) {
		return nil, fmt.Errorf("no %s", head)
	}
	if !strings.HasSuffix(text, "END-ISO-10303-21;\n") {
		return nil, fmt.Errorf("no END-ISO-10303-21")
	}
	i := strings.Index(text, "\nDATA;\n")
	if i < 0 {
		return nil, fmt.Errorf("no DATA section")
	}
	f := &stepFile{Header: text[:i], Instances: map[int]*instance{}}
	p := &parser{s: text[i+len("\nDATA;\n"):]}
	var refs []int
	for {
		if strings.HasPrefix(p.s[p.i:], "ENDSEC;") {
			break
		}
		if !p.eat('#') {
			return nil, p.errf("instance expected")
		}
		id, err := p.int()
		if err != nil {
			return nil, err
		}
		if !p.eat('=') {
			return nil, p.errf("= expected")
		}
		inst := &instance{}
		if p.eat('(') { // complex instance: NAME(attrs)NAME(attrs)...)
			var names []string
			for !p.eat(')') {
				n := p.keyword()
				if n == "" {
					return nil, p.errf("entity name expected")
				}
				a, err := p.list(&refs)
				if err != nil {
					return nil, err
				}
				names = append(names, n)
				inst.Attrs = append(inst.Attrs, a)
			}
			inst.Name = strings.Join(names, "+")
		} else {
			inst.Name = p.keyword()
			if inst.Name == "" {
				return nil, p.errf("entity name expected")
			}
			a, err := p.list(&refs)
			if err != nil {
				return nil, err
			}
			inst.Attrs = a
		}
		if !p.eat(';') || !p.eat('\n') {
			return nil, p.errf("; and newline expected after #%d", id)
		}
		if _, dup := f.Instances[id]; dup {
			return nil, fmt.Errorf("#%d defined twice", id)
		}
		f.Instances[id] = inst
		f.Order = append(f.Order, id)
	}
	for _, r := range refs {
		if _, ok := f.Instances[r]; !ok {
			return nil, fmt.Errorf("#%d is referenced but not defined", r)
		}
	}
	return f, nil
}

type parser struct {
	s string
	i int
}

func (p *parser) errf(format string, args ...any) error {
	end := min(len(p.s), p.i+60)
	return fmt.Errorf("at %d (%q): %s", p.i, p.s[p.i:end], fmt.Sprintf(format, args...))
}

func (p *parser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) int() (int, error) {
	j := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	n, err := strconv.Atoi(p.s[j:p.i])
	if err != nil {
		return 0, p.errf("number expected")
	}
	return n, nil
}

func (p *parser) keyword() string {
	j := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c >= 'A' && c <= 'Z' || c == '_' || p.i > j && c >= '0' && c <= '9' {
			p.i++
			continue
		}
		break
	}
	return p.s[j:p.i]
}

func (p *parser) list(refs *[]int) ([]any, error) {
	if !p.eat('(') {
		return nil, p.errf("( expected")
	}
	out := []any{}
	if p.eat(')') {
		return out, nil
	}
	for {
		v, err := p.value(refs)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if p.eat(')') {
			return out, nil
		}
		if !p.eat(',') {
			return nil, p.errf(", or ) expected")
		}
	}
}

func (p *parser) value(refs *[]int) (any, error) {
	if p.i >= len(p.s) {
		return nil, p.errf("value expected")
	}
	switch c := p.s[p.i]; {
	case c == '$':
		p.i++
		return nil, nil
	case c == '*':
		p.i++
		return star{}, nil
	case c == '#':
		p.i++
		n, err := p.int()
		*refs = append(*refs, n)
		return ref(n), err
	case c == '\'':
		return p.string()
	case c == '.':
		p.i++
		k := p.keyword()
		if k == "" || !p.eat('.') {
			return nil, p.errf("enumeration expected")
		}
		return enum(k), nil
	case c == '(':
		return p.list(refs)
	case c == '-' || c == '+' || c >= '0' && c <= '9':
		j := p.i
		p.i++
		for p.i < len(p.s) && strings.IndexByte("0123456789.E+-", p.s[p.i]) >= 0 {
			p.i++
		}
		t := p.s[j:p.i]
		if !strings.Contains(t, ".") {
			n, err := strconv.ParseInt(t, 10, 64)
			if err != nil {
				return nil, p.errf("bad integer %q", t)
			}
			return n, nil
		}
		if m := t[:strings.IndexAny(t+"E", "E")]; !strings.Contains(m, ".") {
			return nil, p.errf("real without a point in the mantissa %q", t)
		}
		v, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return nil, p.errf("bad real %q", t)
		}
		return v, nil
	case c >= 'A' && c <= 'Z':
		k := p.keyword() // typed value, e.g. LENGTH_MEASURE(1.E-06)
		a, err := p.list(refs)
		if err != nil {
			return nil, err
		}
		return map[string][]any{k: a}, nil
	}
	return nil, p.errf("unexpected character")
}

// string decodes a literal: ” and \\ escapes and \X2\hhhh...\X0\ runs. Raw
// characters outside printable ASCII are an error.
func (p *parser) string() (string, error) {
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c < 0x20 || c >= 0x7f:
			return "", p.errf("raw byte %#x in a string", c)
		case c == '\'':
			if p.i+1 < len(p.s) && p.s[p.i+1] == '\'' {
				b.WriteByte('\'')
				p.i += 2
				continue
			}
			p.i++
			return b.String(), nil
		case c == '\\':
			rest := p.s[p.i:]
			switch {
			case strings.HasPrefix(rest, `\\`):
				b.WriteByte('\\')
				p.i += 2
			case strings.HasPrefix(rest, `\X2\`):
				end := strings.Index(rest, `\X0\`)
				if end < 0 || (end-4)%4 != 0 {
					return "", p.errf("bad \\X2\\ run")
				}
				var units []uint16
				for k := 4; k < end; k += 4 {
					u, err := strconv.ParseUint(rest[k:k+4], 16, 16)
					if err != nil {
						return "", p.errf("bad hex in \\X2\\")
					}
					units = append(units, uint16(u))
				}
				b.WriteString(string(utf16.Decode(units)))
				p.i += end + 4
			default:
				return "", p.errf("lone backslash in a string")
			}
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", p.errf("unterminated string")
}
