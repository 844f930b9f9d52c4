package asciibim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// Document is an ASCII-BIM v1 file as Read finds it.
type Document struct {
	Building, FileVersion, Generated, CoordinateSystem, Units string
	Floors                                                    []Floor
	// Checksum is the hex digest the VALIDATION block states ("" when absent);
	// ChecksumOK is true when it matches the content above the block.
	Checksum   string
	ChecksumOK bool
	// EquipmentCount and ConnectionCount are the VALIDATION block's figures
	// (-1 when absent).
	EquipmentCount, ConnectionCount int
}

// Floor is one FLOOR block.
type Floor struct {
	Level int
	Name  string
	// Width and Depth are DIMENSIONS, metres.
	Width, Depth float64
	// CharWidth and LineHeight are GRID_SCALE: metres per column and per line.
	CharWidth, LineHeight float64
	Empty                 bool
	Legend                []LegendEntry
	// Layout holds the LAYOUT lines as written.
	Layout      []string
	Rooms       []Room
	Equipment   []Equipment
	Connections []Connection
}

// LegendEntry is one line of a LEGEND.
type LegendEntry struct {
	Symbol  string
	Meaning string
}

// Room is an entry of ROOMS.
type Room struct {
	ID, Name, Type string
	Area           float64
	// LabelCol and LabelLine locate the label in the layout (-1 when NONE).
	LabelCol, LabelLine int
}

// Equipment is an entry of EQUIPMENT_REGISTRY.
type Equipment struct {
	ID, Type, Name string
	X, Y           float64
	Room           string
	// Col and Line are CELL (-1 when absent).
	Col, Line     int
	Status, Model string
	Critical      bool
}

// Connection is one line of CONNECTIONS.
type Connection struct {
	Type, From, To, Spec string
}

// Rooms counts the rooms of every floor.
func (d *Document) Rooms() int {
	n := 0
	for i := range d.Floors {
		n += len(d.Floors[i].Rooms)
	}
	return n
}

// EquipmentIDs lists the ids of every floor's equipment, in file order.
func (d *Document) EquipmentIDs() []string {
	var out []string
	for i := range d.Floors {
		for _, e := range d.Floors[i].Equipment {
			out = append(out, e.ID)
		}
	}
	return out
}

// Connections counts the connections of every floor.
func (d *Document) Connections() int {
	n := 0
	for i := range d.Floors {
		n += len(d.Floors[i].Connections)
	}
	return n
}

// SyntaxError reports where a file departs from the format.
type SyntaxError struct {
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("asciibim: line %d: %s", e.Line, e.Msg) }

var (
	reScale = regexp.MustCompile(`^1:1 \(1 char = ([0-9.eE+-]+) meters(?:, 1 line = ([0-9.eE+-]+) meters)?\)$`)
	reCell  = regexp.MustCompile(`^\((-?\d+),(-?\d+)\)$`)
	reLoc   = regexp.MustCompile(`^\(([^,()]+),([^,()]+)\)(?: in (.*))?$`)
)

// Read parses an ASCII-BIM v1 document. Lenient where an editor may have
// touched the file (CRLF line ends, trailing spaces trimmed, unknown keys), it
// returns a *SyntaxError only for a file that is not ASCII-BIM: no header, a
// FLOOR header that does not parse, a line that belongs to no section. A
// missing or wrong checksum is not an error: ChecksumOK is then false.
func Read(r io.Reader) (*Document, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	d := &Document{EquipmentCount: -1, ConnectionCount: -1}
	d.checksum(data)
	p := &parser{lines: strings.Split(string(data), "\n"), d: d}
	if err := p.parse(); err != nil {
		return nil, err
	}
	return d, nil
}

// checksum finds the VALIDATION block's '=' line and hashes what precedes it.
func (d *Document) checksum(data []byte) {
	i := bytes.LastIndex(data, []byte("\nVALIDATION:"))
	if i < 0 {
		return
	}
	bar := bytes.LastIndexByte(data[:i], '\n') + 1 // start of the '=' line
	if !isBar(strings.TrimRight(string(data[bar:i]), "\r")) {
		return
	}
	sum := sha256.Sum256(data[:bar])
	rest := string(data[i:])
	if k := strings.Index(rest, "CHECKSUM: SHA256:"); k >= 0 {
		v := rest[k+len("CHECKSUM: SHA256:"):]
		if e := strings.IndexAny(v, "\r\n"); e >= 0 {
			v = v[:e]
		}
		d.Checksum = strings.ToLower(strings.TrimSpace(v))
		d.ChecksumOK = d.Checksum == hex.EncodeToString(sum[:])
	}
}

func isBar(s string) bool {
	return len(s) >= 3 && strings.Trim(s, "=") == ""
}

type parser struct {
	lines []string
	i     int
	d     *Document
}

func (p *parser) errf(format string, args ...any) error {
	return &SyntaxError{Line: p.i + 1, Msg: fmt.Sprintf(format, args...)}
}

// next returns the next line without its CR, and false at the end.
func (p *parser) next() (string, bool) {
	if p.i >= len(p.lines) {
		return "", false
	}
	s := strings.TrimSuffix(p.lines[p.i], "\r")
	p.i++
	return s, true
}

func (p *parser) peek() (string, bool) {
	if p.i >= len(p.lines) {
		return "", false
	}
	return strings.TrimSuffix(p.lines[p.i], "\r"), true
}

func (p *parser) skipBlank() {
	for {
		s, ok := p.peek()
		if !ok || strings.TrimSpace(s) != "" {
			return
		}
		p.i++
	}
}

func (p *parser) parse() error {
	p.skipBlank()
	if s, ok := p.next(); !ok || !isBar(s) {
		p.i--
		return p.errf("the file does not start with a line of '='")
	}
	for {
		s, ok := p.next()
		if !ok {
			return p.errf("the header block is not closed")
		}
		if isBar(s) {
			break
		}
		k, v, _ := strings.Cut(s, ": ")
		v = unescape(v)
		switch strings.TrimSpace(k) {
		case "BUILDING":
			p.d.Building = v
		case "FILE_VERSION":
			p.d.FileVersion = v
		case "GENERATED":
			p.d.Generated = v
		case "COORDINATE_SYSTEM":
			p.d.CoordinateSystem = v
		case "UNITS":
			p.d.Units = v
		}
	}
	if p.d.FileVersion == "" || !strings.HasPrefix(p.d.FileVersion, "1.") {
		return p.errf("FILE_VERSION %q is not 1.x", p.d.FileVersion)
	}
	for {
		p.skipBlank()
		s, ok := p.next()
		if !ok {
			return nil
		}
		if !isBar(s) {
			return p.errf("expected a line of '=' opening a FLOOR or VALIDATION block, found %q", s)
		}
		head, _ := p.peek()
		switch {
		case strings.HasPrefix(head, "FLOOR: "):
			if err := p.floor(); err != nil {
				return err
			}
		case head == "VALIDATION:":
			p.i++
			p.validation()
			return nil
		default:
			return p.errf("expected FLOOR or VALIDATION, found %q", head)
		}
	}
}

func (p *parser) validation() {
	for {
		s, ok := p.next()
		if !ok || isBar(s) {
			return
		}
		k, v, _ := strings.Cut(strings.TrimSpace(s), ": ")
		switch k {
		case "EQUIPMENT_COUNT":
			if n, err := strconv.Atoi(v); err == nil {
				p.d.EquipmentCount = n
			}
		case "CONNECTION_COUNT":
			if n, err := strconv.Atoi(v); err == nil {
				p.d.ConnectionCount = n
			}
		}
	}
}

// sections of a FLOOR block.
var sections = map[string]bool{"LEGEND:": true, "LAYOUT:": true, "ROOMS:": true,
	"EQUIPMENT_REGISTRY:": true, "CONNECTIONS:": true}

func (p *parser) floor() error {
	f := Floor{}
	for {
		s, ok := p.next()
		if !ok {
			return p.errf("the FLOOR header is not closed")
		}
		if isBar(s) {
			break
		}
		k, v, _ := strings.Cut(s, ": ")
		switch k {
		case "FLOOR":
			lv, name, found := strings.Cut(v, " | ")
			n, err := strconv.Atoi(strings.TrimSpace(lv))
			if !found || err != nil {
				return p.errf("FLOOR %q is not \"<level> | <name>\"", v)
			}
			f.Level, f.Name = n, unescape(name)
		case "DIMENSIONS":
			w, h, found := strings.Cut(v, "x")
			var err1, err2 error
			f.Width, err1 = strconv.ParseFloat(w, 64)
			f.Depth, err2 = strconv.ParseFloat(h, 64)
			if !found || err1 != nil || err2 != nil {
				return p.errf("DIMENSIONS %q is not WxH", v)
			}
		case "GRID_SCALE":
			m := reScale.FindStringSubmatch(v)
			if m == nil {
				return p.errf("GRID_SCALE %q is not \"1:1 (1 char = S meters)\"", v)
			}
			f.CharWidth, _ = strconv.ParseFloat(m[1], 64)
			f.LineHeight = f.CharWidth
			if m[2] != "" {
				f.LineHeight, _ = strconv.ParseFloat(m[2], 64)
			}
		case "STATUS":
			f.Empty = v == "EMPTY"
		}
	}
	for {
		p.skipBlank()
		s, ok := p.peek()
		if !ok || isBar(s) {
			break
		}
		if !sections[s] {
			return p.errf("unexpected line %q in a FLOOR block", s)
		}
		p.i++
		switch s {
		case "LEGEND:":
			for {
				l, ok := p.peek()
				if !ok || !strings.HasPrefix(l, "  ") {
					break
				}
				p.i++
				sym, meaning, _ := strings.Cut(l[2:], " = ")
				f.Legend = append(f.Legend, LegendEntry{Symbol: sym, Meaning: meaning})
			}
		case "LAYOUT:":
			f.Layout = p.layout()
		case "ROOMS:":
			p.dashes()
			for _, e := range p.entries() {
				r := Room{ID: e.id, Name: e.get("NAME"), Type: e.get("TYPE"), LabelCol: -1, LabelLine: -1}
				r.Area, _ = strconv.ParseFloat(strings.TrimSuffix(e.get("AREA"), " m2"), 64)
				if m := reCell.FindStringSubmatch(e.get("LABEL")); m != nil {
					r.LabelCol, _ = strconv.Atoi(m[1])
					r.LabelLine, _ = strconv.Atoi(m[2])
				}
				f.Rooms = append(f.Rooms, r)
			}
		case "EQUIPMENT_REGISTRY:":
			p.dashes()
			for _, e := range p.entries() {
				q := Equipment{ID: e.id, Type: e.get("TYPE"), Name: e.get("NAME"), Status: e.get("STATUS"),
					Model: e.get("MODEL"), Critical: e.get("CRITICAL") == "YES", Col: -1, Line: -1}
				if m := reLoc.FindStringSubmatch(e.raw("LOCATION")); m != nil {
					q.X, _ = strconv.ParseFloat(m[1], 64)
					q.Y, _ = strconv.ParseFloat(m[2], 64)
					q.Room = unescape(m[3])
				}
				if m := reCell.FindStringSubmatch(e.get("CELL")); m != nil {
					q.Col, _ = strconv.Atoi(m[1])
					q.Line, _ = strconv.Atoi(m[2])
				}
				f.Equipment = append(f.Equipment, q)
			}
		case "CONNECTIONS:":
			p.dashes()
			typ := ""
			for {
				l, ok := p.peek()
				if !ok || strings.TrimSpace(l) == "" || isBar(l) || sections[l] {
					break
				}
				p.i++
				if !strings.HasPrefix(l, "  ") {
					typ = strings.ToLower(unescape(strings.TrimSuffix(l, ":")))
					continue
				}
				c, err := parseConnection(l[2:])
				if err != nil {
					p.i--
					return p.errf("%v", err)
				}
				c.Type = typ
				f.Connections = append(f.Connections, c)
			}
		}
	}
	p.d.Floors = append(p.d.Floors, f)
	return nil
}

// layout reads the lines up to the next section heading or '=' line; the one
// blank line the writer puts after a layout is not part of it (a blank line
// within it is: a line of spaces an editor trimmed).
func (p *parser) layout() []string {
	var out []string
	for {
		l, ok := p.peek()
		if !ok || sections[l] || isBar(l) {
			break
		}
		p.i++
		out = append(out, l)
	}
	if n := len(out); n > 0 && out[n-1] == "" {
		out = out[:n-1]
	}
	return out
}

// dashes skips the line of '-' under a section heading.
func (p *parser) dashes() {
	if l, ok := p.peek(); ok && strings.Trim(l, "-") == "" && l != "" {
		p.i++
	}
}

type entry struct {
	id     string
	fields map[string]string
}

func (e entry) raw(k string) string { return e.fields[k] }
func (e entry) get(k string) string { return unescape(e.fields[k]) }

// entries reads "ID: x" entries with their indented "KEY: value" lines.
func (p *parser) entries() []entry {
	var out []entry
	for {
		l, ok := p.peek()
		if !ok {
			return out
		}
		switch {
		case strings.HasPrefix(l, "ID: "):
			out = append(out, entry{id: unescape(l[4:]), fields: map[string]string{}})
		case strings.HasPrefix(l, "  ") && len(out) > 0:
			k, v, _ := strings.Cut(strings.TrimLeft(l, " "), ": ")
			out[len(out)-1].fields[k] = v
		default:
			return out
		}
		p.i++
	}
}

// parseConnection reads "FROM -> TO" or "FROM -> TO [SPEC]".
func parseConnection(s string) (Connection, error) {
	from, rest, ok := strings.Cut(s, " -> ")
	if !ok {
		return Connection{}, fmt.Errorf("connection %q has no \" -> \"", s)
	}
	to, spec := rest, ""
	if i := strings.Index(rest, " ["); i >= 0 && strings.HasSuffix(rest, "]") {
		to, spec = rest[:i], rest[i+2:len(rest)-1]
	}
	return Connection{From: unescape(from), To: unescape(to), Spec: unescape(spec)}, nil
}

// Summary describes a document for people: the building, each floor with its
// rooms and equipment, connection counts and whether the checksum matches.
// Values are escaped as in the file, so control characters in a name never
// reach the terminal.
func Summary(d *Document) string {
	var b strings.Builder
	q := func(s string) string { return escape(s, "") }
	fmt.Fprintf(&b, "Building: %s\n", q(d.Building))
	fmt.Fprintf(&b, "Version: %s, generated %s\n", q(d.FileVersion), q(d.Generated))
	fmt.Fprintf(&b, "Floors: %d, rooms: %d, equipment: %d, connections: %d\n",
		len(d.Floors), d.Rooms(), len(d.EquipmentIDs()), d.Connections())
	for i := range d.Floors {
		f := &d.Floors[i]
		empty := ""
		if f.Empty {
			empty = " (empty)"
		}
		fmt.Fprintf(&b, "\nFloor %d | %s%s: %gx%g m, 1 char = %g m, 1 line = %g m, layout %dx%d\n",
			f.Level, q(f.Name), empty, f.Width, f.Depth, f.CharWidth, f.LineHeight, layoutWidth(f.Layout), len(f.Layout))
		for _, r := range f.Rooms {
			fmt.Fprintf(&b, "  room %s  %s  (%s, %g m2)\n", q(r.ID), q(r.Name), q(r.Type), r.Area)
		}
		for _, e := range f.Equipment {
			room := ""
			if e.Room != "" {
				room = " in " + q(e.Room)
			}
			fmt.Fprintf(&b, "  equipment %s  %s  %s at (%g,%g)%s\n", q(e.ID), q(e.Type), q(e.Status), e.X, e.Y, room)
		}
		if n := len(f.Connections); n > 0 {
			fmt.Fprintf(&b, "  connections: %d\n", n)
		}
	}
	b.WriteString("\n")
	switch {
	case d.Checksum == "":
		b.WriteString("Checksum: missing\n")
	case d.ChecksumOK:
		fmt.Fprintf(&b, "Checksum: OK (SHA256:%s)\n", d.Checksum)
	default:
		b.WriteString("Checksum: MISMATCH: the file was edited after it was written\n")
	}
	if d.EquipmentCount >= 0 && d.EquipmentCount != len(d.EquipmentIDs()) {
		fmt.Fprintf(&b, "EQUIPMENT_COUNT says %d, the registries list %d\n", d.EquipmentCount, len(d.EquipmentIDs()))
	}
	if d.ConnectionCount >= 0 && d.ConnectionCount != d.Connections() {
		fmt.Fprintf(&b, "CONNECTION_COUNT says %d, the file lists %d\n", d.ConnectionCount, d.Connections())
	}
	return b.String()
}

func layoutWidth(lines []string) int {
	w := 0
	for _, l := range lines {
		w = max(w, len(l))
	}
	return w
}
