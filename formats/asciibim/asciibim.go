// Package asciibim writes ASCII-BIM v1: a plain-text building file that facility
// staff read and edit in any editor, with a character-grid floor plan per floor
// and registries of rooms, equipment and connections (FORMATS.md, "ASCII-BIM v1").
// Read parses it back.
//
// The file is <base>.bim.txt, UTF-8 with LF line ends. Its parts, in order:
//
//   - the header block: BUILDING, FILE_VERSION (1.0.0), GENERATED (the job's
//     time, RFC 3339 UTC), COORDINATE_SYSTEM (TOP_LEFT_ORIGIN), UNITS (METERS),
//     between lines of 79 '='.
//   - one FLOOR block per floor, by level (plan.Build's order): a header
//     between lines of 37 '=' with "FLOOR: <level> | <name>", "DIMENSIONS: WxH"
//     and "GRID_SCALE: 1:1 (1 char = S meters, 1 line = L meters)", followed by
//     "STATUS: EMPTY" for a floor with no rooms and no elements; then LEGEND,
//     LAYOUT, ROOMS, EQUIPMENT_REGISTRY and CONNECTIONS.
//   - the VALIDATION block: CHECKSUM, EQUIPMENT_COUNT, CONNECTION_COUNT.
//
// The LAYOUT. Every floor is drawn over the same rectangle, the extents of the
// whole building's plan (DIMENSIONS, width x depth in metres), at the same
// scale, so a cell is the same place on every floor. COORDINATE_SYSTEM is
// TOP_LEFT_ORIGIN: line 0 is the north edge (largest y), column 0 the west edge
// (smallest x); column c covers x from x0+c*S to x0+(c+1)*S and line r covers y
// from y1-(r+1)*L to y1-r*L. A character is about twice as tall as it is wide,
// so a line is L = 2S metres tall and the drawing keeps its proportions in a
// terminal; option "square" makes L = S. S is the smallest of 1, 2, 2.5, 4 and 5
// times a power of ten such that the layout is at most "width" columns wide
// (default 120) and at most "width" lines tall. Every line of a layout has
// exactly ceil(W/S) characters (trailing spaces included) and holds ASCII only.
//
// What is drawn: '.' for the open space of rooms (cells whose centre is in a
// room), blank outside rooms; '#' for walls and columns (the cells their outline
// covers, and the cells along a wall's axis, so a thin wall is never lost); 'W'
// along every window and 'D' along every door, on the wall's axis; equipment
// at the cell of its position as '!' when failed, else '*' when critical (the
// property "critical" is true), else '@' electrical, '$' hvac, '~' plumbing,
// '%' network, '+' anything else; when equipment share a cell the higher of
// those wins; ordinary equipment does not hide a door ('D'), failed or
// critical equipment does. Slabs, roofs, beams, stairs, railings, furniture and generic
// elements are not drawn. Room labels are written inside their rooms where they
// fit, on open space of the room: "NAME ID" on one line, else NAME over ID, else
// the ID alone; names are upper-cased and spelled in ASCII (accents dropped:
// "Café" → "CAFE"); a name that cannot be spelled so (CJK, Cyrillic, emoji) is
// left out of the layout and its room is labelled by its ID. Labels never use
// the layout's symbols other than the letters D and W. Every room, its full
// name and where its label went are listed in ROOMS.
//
// Values (names, ids, specs) are written as they are in UTF-8, except that a
// backslash is written \\, a newline \n, a carriage return \r, a tab \t and any
// other control or line-breaking character, or a trailing space, \u{HEX}; in
// connection lines '>' '[' and ']' are written \u{3E} \u{5B} \u{5D} too.
// Lengths are metres with at most two decimals.
//
// ROOMS, EQUIPMENT_REGISTRY: one entry per item, "ID: <id>" then indented
// "KEY: value" lines. Rooms: NAME, TYPE, AREA ("<m²> m2"), LABEL ("(col,line)"
// of the label's first character, or NONE). Equipment: TYPE ("system.kind",
// kind from the equipment's "kind" property or its name), NAME, LOCATION
// ("(x,y) in <room id>", the model's plan position in metres, x east and y
// north, "in" part only when it has a room), CELL ("(col,line)" where its
// symbol is), STATUS (upper case), MODEL (when the "model" property is set),
// CRITICAL (YES, only when critical).
//
// CONNECTIONS: every connection is listed once, in the floor of its "from"
// element (else of its "to" element, else the first floor), grouped under its
// type in upper case (POWER, NETWORK, PLUMBING, HVAC, LOGICAL, in that order,
// then any other), "  FROM -> TO" with " [SPEC]" when it has a spec.
//
// CHECKSUM is "SHA256:" and the lower-case hex SHA-256 of every byte of the
// file before the line of '=' that opens the VALIDATION block (so the blank
// line before it is included, that '=' line is not). EQUIPMENT_COUNT and
// CONNECTION_COUNT count the whole building.
package asciibim

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/arxos/arxport/converters/plan"
	"github.com/arxos/arxport/formats"
)

const (
	// ContentType is the media type of the file.
	ContentType = "text/plain; charset=utf-8"
	// Extension is the file name suffix after the job's base name.
	Extension = ".bim.txt"
	// FileVersion is the version written in the header.
	FileVersion = "1.0.0"

	formatName = "asciibim"
	bar79      = "==============================================================================="
	bar37      = "====================================="
)

// Format is the asciibim format, registered under "asciibim".
var Format = &formats.Format{
	Name:   formatName,
	Title:  "ASCII-BIM v1 text: a character-grid floor plan per floor with room, equipment and connection registries and a SHA-256 checksum",
	Family: "plan",
	Options: []formats.Option{
		{Name: "width", Kind: formats.Int, Default: 120, Min: 20, Max: 1000,
			Doc: "the most columns (and lines) a floor's LAYOUT may take; the grid scale is chosen so the building fits"},
		{Name: "square", Kind: formats.Bool, Default: false,
			Doc: "make a layout line as many metres tall as a column is wide; by default a line is twice as tall, as characters on a screen are"},
	},
	Write: write,
}

func init() { formats.Register(Format) }

func write(ctx context.Context, j *formats.Job) error {
	p, err := plan.ForJob(ctx, j, formatName)
	if err != nil {
		return err
	}
	width := j.Options.Int("width")
	if width == 0 {
		width = 120
	}
	aspect := 2.0
	if j.Options.Bool("square") {
		aspect = 1
	}
	j.AddMetric("floors", int64(len(p.Floors)))
	return j.WriteFile(ctx, j.Base+Extension, ContentType, func(f io.Writer) error {
		_, err := Encode(ctx, f, p, j.Time, width, aspect)
		return err
	})
}

// Encode writes plan p as ASCII-BIM v1 to w: layouts at most width columns
// wide, a line aspect times as tall as a column is wide, GENERATED = t. It
// returns the bytes written.
func Encode(ctx context.Context, w io.Writer, p *plan.Plan, t time.Time, width int, aspect float64) (int64, error) {
	e := &encoder{h: sha256.New()}
	e.cw = &countWriter{w: w}
	e.bw = bufio.NewWriterSize(io.MultiWriter(e.cw, e.h), 64<<10)
	sc := chooseScale(p.Min, p.Max, width, aspect)

	e.line(bar79)
	e.kv("BUILDING", escape(p.Building, ""))
	e.kv("FILE_VERSION", FileVersion)
	e.kv("GENERATED", t.UTC().Format(time.RFC3339))
	e.kv("COORDINATE_SYSTEM", "TOP_LEFT_ORIGIN")
	e.kv("UNITS", "METERS")
	e.line(bar79)

	byFloor := connectionsByFloor(p)
	equipment := 0
	for i, fl := range p.Floors {
		if err := ctx.Err(); err != nil {
			return e.cw.n, err
		}
		e.floor(fl, sc, byFloor[i])
		equipment += len(fl.Equipment)
		if e.err() != nil {
			break
		}
	}
	e.line("")
	if err := e.bw.Flush(); err != nil {
		return e.cw.n, err
	}
	sum := hex.EncodeToString(e.h.Sum(nil))
	e.bw = bufio.NewWriter(e.cw)
	e.line(bar79)
	e.line("VALIDATION:")
	e.kv("  CHECKSUM", "SHA256:"+sum)
	e.kv("  EQUIPMENT_COUNT", fmt.Sprint(equipment))
	e.kv("  CONNECTION_COUNT", fmt.Sprint(len(p.Connections)))
	e.line(bar79)
	err := e.bw.Flush()
	return e.cw.n, err
}

// connectionsByFloor assigns every connection to the floor (index in p.Floors)
// of its from element, else of its to element, else the first.
func connectionsByFloor(p *plan.Plan) [][]*plan.Connection {
	out := make([][]*plan.Connection, len(p.Floors))
	if len(p.Floors) == 0 {
		return out
	}
	index := map[string]int{}
	for i, fl := range p.Floors {
		index[fl.ID] = i
	}
	for k := range p.Connections {
		c := &p.Connections[k]
		i, ok := index[c.FromFloor]
		if !ok {
			i = index[c.ToFloor] // 0 when unknown too
		}
		out[i] = append(out[i], c)
	}
	return out
}

type encoder struct {
	bw *bufio.Writer
	cw *countWriter
	h  hash.Hash
}

func (e *encoder) err() error {
	// bufio.Writer keeps the first error; a zero-length write reports it.
	_, err := e.bw.Write(nil)
	return err
}

func (e *encoder) line(s string) {
	e.bw.WriteString(s)
	e.bw.WriteByte('\n')
}

func (e *encoder) kv(k, v string) {
	e.bw.WriteString(k)
	e.bw.WriteString(": ")
	e.bw.WriteString(v)
	e.bw.WriteByte('\n')
}

func (e *encoder) floor(fl *plan.Floor, sc scale, conns []*plan.Connection) {
	e.line("")
	e.line(bar37)
	e.kv("FLOOR", fmt.Sprintf("%d | %s", fl.Level, escape(fl.Name, "")))
	e.kv("DIMENSIONS", fmtNum(sc.w)+"x"+fmtNum(sc.h))
	e.kv("GRID_SCALE", fmt.Sprintf("1:1 (1 char = %s meters, 1 line = %s meters)", fmtFloat(sc.sx), fmtFloat(sc.sy)))
	if fl.Empty {
		e.kv("STATUS", "EMPTY")
	}
	e.line(bar37)
	e.line("")
	e.line("LEGEND:")
	for _, l := range legend {
		e.bw.WriteString("  ")
		e.bw.WriteByte(l.ch)
		e.bw.WriteString(" = ")
		e.line(l.text)
	}
	e.line("")

	g := newGrid(sc)
	places := g.draw(fl)
	e.line("LAYOUT:")
	for r := 0; r < g.rows; r++ {
		e.bw.Write(g.ch[r*g.cols : (r+1)*g.cols])
		e.bw.WriteByte('\n')
	}
	e.line("")

	e.line("ROOMS:")
	e.line("-----")
	for i := range fl.Rooms {
		rm := &fl.Rooms[i]
		e.kv("ID", escape(rm.ID, ""))
		if rm.Name != "" {
			e.kv("  NAME", escape(rm.Name, ""))
		}
		if rm.Type != "" {
			e.kv("  TYPE", escape(rm.Type, ""))
		}
		e.kv("  AREA", fmtNum(rm.Area)+" m2")
		if pl := places[i]; pl.col >= 0 {
			e.kv("  LABEL", fmt.Sprintf("(%d,%d)", pl.col, pl.row))
		} else {
			e.kv("  LABEL", "NONE")
		}
	}
	e.line("")

	e.line("EQUIPMENT_REGISTRY:")
	e.line("-----------------")
	for i := range fl.Equipment {
		s := &fl.Equipment[i]
		e.kv("ID", escape(s.ID, ""))
		e.kv("  TYPE", escape(s.System+"."+s.Kind, ""))
		if s.Name != "" {
			e.kv("  NAME", escape(s.Name, ""))
		}
		loc := "(" + fmtNum(s.Position[0]) + "," + fmtNum(s.Position[1]) + ")"
		if s.Room != "" {
			loc += " in " + escape(s.Room, "")
		}
		e.kv("  LOCATION", loc)
		c, r := g.cell(s.Position)
		e.kv("  CELL", fmt.Sprintf("(%d,%d)", c, r))
		e.kv("  STATUS", strings.ToUpper(s.Status))
		if s.Model != "" {
			e.kv("  MODEL", escape(s.Model, ""))
		}
		if s.Critical {
			e.kv("  CRITICAL", "YES")
		}
	}
	e.line("")

	e.line("CONNECTIONS:")
	e.line("-----------")
	for _, typ := range connectionTypes(conns) {
		e.line(strings.ToUpper(escape(typ, connExtra)) + ":")
		for _, c := range conns {
			if c.Type != typ {
				continue
			}
			s := "  " + escape(c.From, connExtra) + " -> " + escape(c.To, connExtra)
			if c.Spec != "" {
				s += " [" + escape(c.Spec, connExtra) + "]"
			}
			e.line(s)
		}
	}
}

// connExtra are the characters escaped in connection lines besides the usual ones.
const connExtra = ">[]"

// connectionTypes lists the types present: the model's in their usual order, then others sorted.
func connectionTypes(conns []*plan.Connection) []string {
	order := []string{"power", "network", "plumbing", "hvac", "logical"}
	seen := map[string]bool{}
	for _, c := range conns {
		seen[c.Type] = true
	}
	var out []string
	for _, t := range order {
		if seen[t] {
			out = append(out, t)
			delete(seen, t)
		}
	}
	var rest []string
	for t := range seen {
		rest = append(rest, t)
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// fmtFloat writes a grid step in its shortest form.
func fmtFloat(v float64) string { return strings.TrimSuffix(fmt.Sprintf("%g", v), ".0") }

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	return n, err
}
