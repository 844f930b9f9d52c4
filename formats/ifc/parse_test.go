package ifc_test

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
)

// stepFile is what a minimal ISO 10303-21 reader finds in a file: each
// instance's entity name and attributes.
type stepFile struct {
	Entities map[int]stepEntity
	Order    []int
}

type stepEntity struct {
	Name  string
	Attrs []any // nil ($), "*" as star{}, ref, string, float64, int64, enum, typed, []any
}

type (
	star  struct{}
	ref   int
	enum  string
	typed struct {
		Name  string
		Value any
	}
)

// parseStep reads the file strictly: the header sections, then every
// instance "#n=NAME(...);" on a line of its own, each #n defined once and
// every reference defined somewhere.
func parseStep(text string) (*stepFile, error) {
	const head = "ISO-10303-21;\nHEADER;\n"
	if !strings.HasPrefix(text, head) {
		return nil, fmt.Errorf("no ISO-10303-21 header")
	}
	_, data, ok := strings.Cut(text, "\nDATA;\n")
	if !ok {
		return nil, fmt.Errorf("no DATA section")
	}
	body, ok := strings.CutSuffix(data, "ENDSEC;\nEND-ISO-10303-21;\n")
	if !ok {
		return nil, fmt.Errorf("file does not end with ENDSEC; END-ISO-10303-21;")
	}
	f := &stepFile{Entities: map[int]stepEntity{}}
	var refs []int
	for len(body) > 0 {
		line, rest, ok := strings.Cut(body, ";\n")
		if !ok {
			return nil, fmt.Errorf("unterminated instance %.60q", body)
		}
		// A string may hold ";\n" only encoded, so a line is one instance.
		body = rest
		p := &stepParser{s: line}
		if !p.eat('#') {
			return nil, fmt.Errorf("instance does not start with #: %.60q", line)
		}
		id, err := p.int()
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("bad instance number in %.60q", line)
		}
		if !p.eat('=') {
			return nil, fmt.Errorf("#%d: no '='", id)
		}
		name := p.keyword()
		if name == "" || !p.eat('(') {
			return nil, fmt.Errorf("#%d: no entity name", id)
		}
		attrs, err := p.list(&refs)
		if err != nil {
			return nil, fmt.Errorf("#%d %s: %v", id, name, err)
		}
		if p.i != len(p.s) {
			return nil, fmt.Errorf("#%d: trailing %q", id, p.s[p.i:])
		}
		if _, dup := f.Entities[int(id)]; dup {
			return nil, fmt.Errorf("#%d defined twice", id)
		}
		f.Entities[int(id)] = stepEntity{name, attrs}
		f.Order = append(f.Order, int(id))
	}
	for _, r := range refs {
		if _, ok := f.Entities[r]; !ok {
			return nil, fmt.Errorf("#%d is referenced but not defined", r)
		}
	}
	return f, nil
}

type stepParser struct {
	s string
	i int
}

func (p *stepParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *stepParser) int() (int64, error) {
	j := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	return strconv.ParseInt(p.s[j:p.i], 10, 64)
}

func (p *stepParser) keyword() string {
	j := p.i
	for p.i < len(p.s) && (p.s[p.i] >= 'A' && p.s[p.i] <= 'Z' || p.s[p.i] >= '0' && p.s[p.i] <= '9' || p.s[p.i] == '_') {
		p.i++
	}
	return p.s[j:p.i]
}

// list reads values up to the closing parenthesis (the opening one is read).
func (p *stepParser) list(refs *[]int) ([]any, error) {
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
			return nil, fmt.Errorf("expected ',' or ')' at %.30q", p.s[p.i:])
		}
	}
}

func (p *stepParser) value(refs *[]int) (any, error) {
	if p.i >= len(p.s) {
		return nil, fmt.Errorf("value expected at end")
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
		if err != nil {
			return nil, fmt.Errorf("bad reference")
		}
		*refs = append(*refs, int(n))
		return ref(n), nil
	case c == '\'':
		return p.string()
	case c == '.':
		p.i++
		k := p.keyword()
		if k == "" || !p.eat('.') {
			return nil, fmt.Errorf("bad enumeration")
		}
		return enum(k), nil
	case c == '(':
		p.i++
		return p.list(refs)
	case c == '-' || c == '+' || c >= '0' && c <= '9':
		return p.number()
	case c >= 'A' && c <= 'Z':
		k := p.keyword()
		if !p.eat('(') {
			return nil, fmt.Errorf("typed value %s without '('", k)
		}
		v, err := p.value(refs)
		if err != nil {
			return nil, err
		}
		if !p.eat(')') {
			return nil, fmt.Errorf("typed value %s not closed", k)
		}
		return typed{k, v}, nil
	}
	return nil, fmt.Errorf("unexpected %.20q", p.s[p.i:])
}

// number reads an INTEGER or a REAL (which has a point: "3.", "-0.5", "1.E-07").
func (p *stepParser) number() (any, error) {
	j := p.i
	if p.s[p.i] == '-' || p.s[p.i] == '+' {
		p.i++
	}
	digits := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	if p.i == digits {
		return nil, fmt.Errorf("sign without digits")
	}
	if !p.eat('.') {
		return strconv.ParseInt(p.s[j:p.i], 10, 64)
	}
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	if p.eat('E') {
		if !p.eat('-') {
			p.eat('+')
		}
		e := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		if p.i == e {
			return nil, fmt.Errorf("exponent without digits")
		}
	}
	return strconv.ParseFloat(p.s[j:p.i], 64)
}

// string reads and decodes a string literal: ” and \\ and \X2\...\X0\ runs
// of UTF-16 code units; only printable ASCII may appear raw.
func (p *stepParser) string() (string, error) {
	p.i++ // opening quote
	var b strings.Builder
	for {
		if p.i >= len(p.s) {
			return "", fmt.Errorf("unterminated string")
		}
		c := p.s[p.i]
		switch {
		case c == '\'':
			if p.i+1 < len(p.s) && p.s[p.i+1] == '\'' {
				b.WriteByte('\'')
				p.i += 2
				continue
			}
			p.i++
			return b.String(), nil
		case c == '\\':
			switch {
			case strings.HasPrefix(p.s[p.i:], `\\`):
				b.WriteByte('\\')
				p.i += 2
			case strings.HasPrefix(p.s[p.i:], `\X2\`):
				p.i += 4
				end := strings.Index(p.s[p.i:], `\X0\`)
				if end < 0 || end%4 != 0 || end == 0 {
					return "", fmt.Errorf(`bad \X2\ run`)
				}
				var units []uint16
				for k := 0; k < end; k += 4 {
					h := p.s[p.i+k : p.i+k+4]
					if strings.ToUpper(h) != h {
						return "", fmt.Errorf("lower-case hex %q", h)
					}
					u, err := strconv.ParseUint(h, 16, 16)
					if err != nil {
						return "", fmt.Errorf("bad hex %q", h)
					}
					units = append(units, uint16(u))
				}
				b.WriteString(string(utf16.Decode(units)))
				p.i += end + 4
			default:
				return "", fmt.Errorf("bad escape %.6q", p.s[p.i:])
			}
		case c < 0x20 || c >= 0x7f:
			return "", fmt.Errorf("raw byte %#x in a string", c)
		default:
			b.WriteByte(c)
			p.i++
		}
	}
}
