package iges

import (
	"fmt"
	"strconv"
	"strings"
)

// igesEntity is one entity as the structural check reads it back.
type igesEntity struct {
	typ, form, lines int
	status, label    string
	sub              int
	params           []string // after the type; Hollerith strings as their text
	holl             []bool   // which params were Hollerith strings
}

// igesFile is a file as the structural check reads it back.
type igesFile struct {
	start    []string
	global   []string
	entities map[int]*igesEntity // by DE sequence number
	order    []int
}

// parseIGES reads a file back and checks its records: 80 columns, sections in
// order, sequence numbers 1..n, the Terminate counts, DE pairs, PD pointers,
// back-pointers and line counts, and every pointer of the entities this
// package writes (to an entity of the right type, indices in range, closed
// shells with each edge used once each way).
func parseIGES(data []byte) (*igesFile, error) {
	if len(data) == 0 || data[len(data)-1] != '\n' {
		return nil, fmt.Errorf("file does not end with a newline")
	}
	lines := strings.Split(string(data[:len(data)-1]), "\n")
	sections := map[byte][]string{}
	order := ""
	for i, l := range lines {
		if len(l) != recordLen {
			return nil, fmt.Errorf("line %d has %d columns: %q", i+1, len(l), l)
		}
		for k := 0; k < len(l); k++ {
			if l[k] < 0x20 || l[k] > 0x7e {
				return nil, fmt.Errorf("line %d: byte %#x is not printable ASCII", i+1, l[k])
			}
		}
		c := l[72]
		if !strings.ContainsRune("SGDPT", rune(c)) {
			return nil, fmt.Errorf("line %d: section letter %q", i+1, c)
		}
		if len(order) == 0 || order[len(order)-1] != c {
			order += string(c)
		}
		seq, err := strconv.Atoi(l[73:])
		if err != nil || l[73:] != fmt.Sprintf("%07d", seq) {
			return nil, fmt.Errorf("line %d: sequence number %q", i+1, l[73:])
		}
		if want := len(sections[c]) + 1; seq != want {
			return nil, fmt.Errorf("line %d: sequence %d in section %c, want %d", i+1, seq, c, want)
		}
		sections[c] = append(sections[c], l)
	}
	if order != "SGDPT" {
		return nil, fmt.Errorf("sections in order %q, want SGDPT", order)
	}
	f := &igesFile{entities: map[int]*igesEntity{}}
	for _, l := range sections['S'] {
		f.start = append(f.start, strings.TrimRight(l[:72], " "))
	}
	t := sections['T']
	if len(t) != 1 {
		return nil, fmt.Errorf("%d terminate records", len(t))
	}
	want := fmt.Sprintf("S%07dG%07dD%07dP%07d", len(sections['S']), len(sections['G']), len(sections['D']), len(sections['P']))
	if got := t[0][:32]; got != want || strings.TrimSpace(t[0][32:72]) != "" {
		return nil, fmt.Errorf("terminate %q, want %q", t[0][:72], want)
	}
	// Global
	var g strings.Builder
	for _, l := range sections['G'] {
		g.WriteString(l[:72])
	}
	gp, _, err := splitParams(strings.TrimRight(g.String(), " "))
	if err != nil {
		return nil, fmt.Errorf("global: %v", err)
	}
	f.global = gp
	if len(gp) < 25 || gp[0] != "," || gp[1] != ";" || gp[13] != "6" || gp[14] != "M" || gp[22] != "11" {
		return nil, fmt.Errorf("global parameters %q", gp)
	}
	// Directory
	d, p := sections['D'], sections['P']
	if len(d)%2 != 0 {
		return nil, fmt.Errorf("odd number of DE records")
	}
	field := func(l string, k int) string { return strings.TrimSpace(l[8*k : 8*k+8]) }
	num := func(l string, k int) (int, error) {
		s := field(l, k)
		if s == "" {
			return 0, nil
		}
		return strconv.Atoi(s)
	}
	next := 1
	for i := 0; i < len(d); i += 2 {
		a, b := d[i], d[i+1]
		de := i + 1
		typ, err1 := num(a, 0)
		pd, err2 := num(a, 1)
		typ2, err3 := num(b, 0)
		count, err4 := num(b, 3)
		form, err5 := num(b, 4)
		sub, err6 := num(b, 8)
		if err := firstErr(err1, err2, err3, err4, err5, err6); err != nil {
			return nil, fmt.Errorf("DE %d: %v", de, err)
		}
		if typ != typ2 {
			return nil, fmt.Errorf("DE %d: entity type %d then %d", de, typ, typ2)
		}
		if pd != next || count < 1 || pd+count-1 > len(p) {
			return nil, fmt.Errorf("DE %d: parameter data at %d (%d lines), want %d", de, pd, count, next)
		}
		next = pd + count
		var text strings.Builder
		for k := pd; k < pd+count; k++ {
			l := p[k-1]
			if back := strings.TrimSpace(l[65:72]); back != strconv.Itoa(de) || l[64] != ' ' {
				return nil, fmt.Errorf("P%d: back-pointer %q, want %d", k, l[64:72], de)
			}
			text.WriteString(l[:64])
		}
		params, holl, err := splitParams(strings.TrimRight(text.String(), " "))
		if err != nil {
			return nil, fmt.Errorf("DE %d: %v", de, err)
		}
		if len(params) == 0 || params[0] != strconv.Itoa(typ) {
			return nil, fmt.Errorf("DE %d: parameters start %q, want type %d", de, params, typ)
		}
		f.entities[de] = &igesEntity{typ: typ, form: form, lines: count, status: field(a, 8), label: field(b, 7), sub: sub, params: params[1:], holl: holl[1:]}
		f.order = append(f.order, de)
	}
	if next != len(p)+1 {
		return nil, fmt.Errorf("parameter data records %d..%d belong to no entity", next, len(p))
	}
	for _, de := range f.order {
		if err := f.checkEntity(de); err != nil {
			return nil, fmt.Errorf("DE %d (type %d): %v", de, f.entities[de].typ, err)
		}
	}
	return f, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// splitParams splits free-format parameters at ',' and ';' (which must end
// them), reading nH Hollerith strings whole.
func splitParams(s string) ([]string, []bool, error) {
	var out []string
	var holl []bool
	for i := 0; ; {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j > i && j < len(s) && s[j] == 'H' {
			n, _ := strconv.Atoi(s[i:j])
			if j+1+n > len(s) {
				return nil, nil, fmt.Errorf("Hollerith string of %d runs past the end", n)
			}
			out, holl = append(out, s[j+1:j+1+n]), append(holl, true)
			i = j + 1 + n
		} else {
			k := strings.IndexAny(s[i:], ",;")
			if k < 0 {
				return nil, nil, fmt.Errorf("no record delimiter at the end")
			}
			out, holl = append(out, strings.TrimSpace(s[i:i+k])), append(holl, false)
			i += k
		}
		if i >= len(s) {
			return nil, nil, fmt.Errorf("no record delimiter at the end")
		}
		if s[i] == ';' {
			if strings.TrimSpace(s[i+1:]) != "" {
				return nil, nil, fmt.Errorf("text after the record delimiter: %q", s[i+1:])
			}
			return out, holl, nil
		}
		if s[i] != ',' {
			return nil, nil, fmt.Errorf("%q after a parameter", s[i])
		}
		i++
	}
}

func (f *igesFile) ints(de int, from, n int) ([]int, error) {
	e := f.entities[de]
	if from+n > len(e.params) {
		return nil, fmt.Errorf("%d parameters, want at least %d", len(e.params), from+n)
	}
	out := make([]int, n)
	for k := range n {
		v, err := strconv.Atoi(e.params[from+k])
		if err != nil {
			return nil, fmt.Errorf("parameter %d: %q is not an integer", from+k+1, e.params[from+k])
		}
		out[k] = v
	}
	return out, nil
}

func (f *igesFile) pointer(p, typ int) error {
	e, ok := f.entities[p]
	if !ok {
		return fmt.Errorf("pointer %d is no directory entry", p)
	}
	if e.typ != typ {
		return fmt.Errorf("pointer %d is a %d, want %d", p, e.typ, typ)
	}
	return nil
}

func (f *igesFile) reals(de, from, n int) error {
	e := f.entities[de]
	if from+n > len(e.params) {
		return fmt.Errorf("%d parameters, want at least %d", len(e.params), from+n)
	}
	for k := range n {
		if _, err := strconv.ParseFloat(e.params[from+k], 64); err != nil || !strings.Contains(e.params[from+k], ".") {
			return fmt.Errorf("parameter %d: %q is not a real", from+k+1, e.params[from+k])
		}
	}
	return nil
}

// count returns the integer at params[i] (a count of what follows).
func (f *igesFile) count(de, i int) (int, error) {
	v, err := f.ints(de, i, 1)
	if err != nil {
		return 0, err
	}
	if v[0] < 0 {
		return 0, fmt.Errorf("negative count")
	}
	return v[0], nil
}

// props checks the additional pointers from params[i]: no associativities,
// then Name properties.
func (f *igesFile) props(de, i int) error {
	e := f.entities[de]
	if i == len(e.params) {
		return nil
	}
	v, err := f.ints(de, i, 2)
	if err != nil {
		return err
	}
	if v[0] != 0 {
		return fmt.Errorf("associativities: %d", v[0])
	}
	ps, err := f.ints(de, i+2, v[1])
	if err != nil {
		return err
	}
	if i+2+v[1] != len(e.params) {
		return fmt.Errorf("%d parameters after the property pointers", len(e.params)-i-2-v[1])
	}
	for _, p := range ps {
		if err := f.pointer(p, 406); err != nil {
			return err
		}
	}
	return nil
}

func (f *igesFile) checkEntity(de int) error {
	e := f.entities[de]
	dependent := e.status == "00010000"
	if !dependent && e.status != "00000000" {
		return fmt.Errorf("status %q", e.status)
	}
	switch e.typ {
	case 502:
		n, err := f.count(de, 0)
		if err != nil {
			return err
		}
		if len(e.params) != 1+3*n {
			return fmt.Errorf("%d vertices in %d parameters", n, len(e.params))
		}
		return f.reals(de, 1, 3*n)
	case 110:
		if len(e.params) != 6 {
			return fmt.Errorf("%d parameters", len(e.params))
		}
		return f.reals(de, 0, 6)
	case 116, 123:
		if len(e.params) != 3 {
			return fmt.Errorf("%d parameters", len(e.params))
		}
		return f.reals(de, 0, 3)
	case 190:
		v, err := f.ints(de, 0, 2)
		if err != nil {
			return err
		}
		return firstErr(f.pointer(v[0], 116), f.pointer(v[1], 123))
	case 504:
		n, err := f.count(de, 0)
		if err != nil {
			return err
		}
		if len(e.params) != 1+5*n {
			return fmt.Errorf("%d edges in %d parameters", n, len(e.params))
		}
		v, _ := f.ints(de, 1, 5*n)
		for k := range n {
			c, sl, si, tl, ti := v[5*k], v[5*k+1], v[5*k+2], v[5*k+3], v[5*k+4]
			if err := firstErr(f.pointer(c, 110), f.pointer(sl, 502), f.pointer(tl, 502)); err != nil {
				return err
			}
			for _, vi := range [][2]int{{sl, si}, {tl, ti}} {
				nv, _ := f.count(vi[0], 0)
				if vi[1] < 1 || vi[1] > nv {
					return fmt.Errorf("edge %d: vertex %d of %d", k+1, vi[1], nv)
				}
			}
		}
	case 508:
		n, err := f.count(de, 0)
		if err != nil {
			return err
		}
		if len(e.params) != 1+5*n {
			return fmt.Errorf("%d edges in %d parameters", n, len(e.params))
		}
		v, _ := f.ints(de, 1, 5*n)
		for k := range n {
			typ, list, idx, of, pc := v[5*k], v[5*k+1], v[5*k+2], v[5*k+3], v[5*k+4]
			if typ != 0 || pc != 0 || (of != 0 && of != 1) {
				return fmt.Errorf("edge use %d: type %d, orientation %d, %d parameter curves", k+1, typ, of, pc)
			}
			if err := f.pointer(list, 504); err != nil {
				return err
			}
			if ne, _ := f.count(list, 0); idx < 1 || idx > ne {
				return fmt.Errorf("edge %d of %d", idx, ne)
			}
		}
	case 510:
		v, err := f.ints(de, 0, 3)
		if err != nil {
			return err
		}
		if err := f.pointer(v[0], 190); err != nil {
			return err
		}
		if v[1] < 1 || v[2] != 1 || len(e.params) != 3+v[1] {
			return fmt.Errorf("loops %d, outer flag %d, %d parameters", v[1], v[2], len(e.params))
		}
		loops, _ := f.ints(de, 3, v[1])
		for _, l := range loops {
			if err := f.pointer(l, 508); err != nil {
				return err
			}
		}
	case 514:
		n, err := f.count(de, 0)
		if err != nil {
			return err
		}
		v, err := f.ints(de, 1, 2*n)
		if err != nil {
			return err
		}
		uses := map[[2]int][2]int{}
		for k := range n {
			if err := f.pointer(v[2*k], 510); err != nil {
				return err
			}
			if v[2*k+1] != 1 {
				return fmt.Errorf("face %d reversed", k+1)
			}
			face := f.entities[v[2*k]]
			nl, _ := strconv.Atoi(face.params[1])
			loops, _ := f.ints(v[2*k], 3, nl)
			for _, l := range loops {
				ne, _ := f.count(l, 0)
				u, _ := f.ints(l, 1, 5*ne)
				for j := range ne {
					key := [2]int{u[5*j+1], u[5*j+2]}
					c := uses[key]
					c[u[5*j+3]]++
					uses[key] = c
				}
			}
		}
		if e.form == 1 {
			for k, c := range uses {
				if c != [2]int{1, 1} {
					return fmt.Errorf("closed shell: edge %v used %d times backwards and %d forwards", k, c[0], c[1])
				}
			}
		} else if e.form != 2 {
			return fmt.Errorf("form %d", e.form)
		}
		if e.form == 2 && dependent || e.form == 1 && !dependent {
			return fmt.Errorf("form %d shell with status %s", e.form, e.status)
		}
		return f.props(de, 1+2*n)
	case 186:
		v, err := f.ints(de, 0, 3)
		if err != nil {
			return err
		}
		if err := f.pointer(v[0], 514); err != nil {
			return err
		}
		if f.entities[v[0]].form != 1 || v[1] != 1 || v[2] != 0 || dependent {
			return fmt.Errorf("shell form %d, orientation %d, %d voids, status %s", f.entities[v[0]].form, v[1], v[2], e.status)
		}
		return f.props(de, 3)
	case 406:
		if e.form != 15 || len(e.params) != 2 || e.params[0] != "1" || !e.holl[1] {
			return fmt.Errorf("name property form %d, %q", e.form, e.params)
		}
		if _, err := DecodeText(e.params[1]); err != nil {
			return err
		}
	default:
		return fmt.Errorf("unexpected entity type")
	}
	if !dependent && e.typ != 186 {
		return fmt.Errorf("independent")
	}
	return nil
}

// roots are the 186s and open 514s, with their decoded names.
type root struct {
	typ   int
	names []string
	label string
	sub   int
}

func (f *igesFile) roots() []root {
	var out []root
	for _, de := range f.order {
		e := f.entities[de]
		if e.status != "00000000" {
			continue
		}
		r := root{typ: e.typ, label: e.label, sub: e.sub}
		n, _ := strconv.Atoi(e.params[0])
		at := 3
		if e.typ == 514 {
			at = 1 + 2*n
		}
		np, _ := strconv.Atoi(e.params[at+1])
		ps, _ := f.ints(de, at+2, np)
		for _, p := range ps {
			s, _ := DecodeText(f.entities[p].params[1])
			r.names = append(r.names, s)
		}
		out = append(out, r)
	}
	return out
}

// offset reads the offset back from the Start section.
func (f *igesFile) offset() (x, y, z float64, err error) {
	for _, l := range f.start {
		if strings.HasPrefix(l, "OFFSET ") {
			_, err = fmt.Sscanf(l, "OFFSET X=%g Y=%g Z=%g", &x, &y, &z)
			return
		}
	}
	return 0, 0, 0, fmt.Errorf("no OFFSET in the start section")
}
