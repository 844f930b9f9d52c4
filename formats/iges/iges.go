// Package iges writes a model's solids as an IGES 5.3 file (<base>.igs).
//
// Every closed solid of an element (model.Model.Solids: a wall with its
// openings cut, possibly in pieces; a prism; a box; a closed mesh; a door or
// window as the box it fills in its wall, unless the option openings is off)
// becomes one Manifold Solid B-Rep Object (186) with its own closed Shell
// (514 form 1) of Faces (510) on Plane Surfaces (190 form 0: a Point 116 and
// a Direction 123, the outward normal; OpenCASCADE refuses a 108 Plane under a
// face), each face's Loops (508, the outer one first, counter-clockwise about the outward normal,
// holes after it) running over the edges of one Edge List (504), whose edges
// are model-space Lines (110) between the vertices of one Vertex List (502).
// An edge is used once forwards and once backwards, so the shell is closed;
// the shell's faces agree with their planes' normals, which point out of the
// solid. These subordinate entities are marked physically dependent, so a
// reader's roots are the 186s.
//
// A mesh that is not closed (and a solid that is no longer closed once faces
// with no area at the file's precision are dropped) is written as an open
// Shell (514 form 2) on its own: a surface model, with a warning on the job.
// Faces with no area are dropped with a warning.
//
// Names: the root (186, or 514 for a surface) carries the element id, its
// first 8 characters as the entity label (DE field 18; blanks and non-ASCII
// as '_') and the number of the solid within the element (1, 2, … for a
// wall in pieces) as the subscript (field 19), and, in full, a Name property
// (406 form 15) with the element id, then a second with the element's name
// when it has one that differs. IGES is ASCII, so strings are Hollerith
// strings of printable ASCII: a backslash is written `\\` and every other
// character (control characters, non-ASCII) with the ISO 10303-21 escapes
// \X2\hhhh…\X0\ (4 hex digits a code point) and \X4\hhhhhhhh…\X0\, as STEP
// writes them; DecodeText reads them back.
//
// Units are metres (Global unit flag 6, "M"). Coordinates are the model's
// metres minus an offset (scene.Offset: the plan centre of the building,
// rounded to the metre; floors are placed at their elevations), so map
// coordinates keep their millimetres; the Start section records it on a line
// "OFFSET X=… Y=… Z=…": add it to get model coordinates back.
//
// The file streams: the Directory Entry section goes straight out after the
// Start and Global sections while the Parameter Data section is spooled to
// disk and copied after it. Memory holds one element's topology at a time.
package iges

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/arxos/arxport/converters/scene"
	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/geom"
	"github.com/arxos/arxport/model"
	"github.com/arxos/arxport/processors"
)

const (
	// ContentType is the media type of IGES files.
	ContentType = "model/iges"
	// CodeOpenMesh is the warning code of a mesh (or solid) written as an open shell.
	CodeOpenMesh = "IGES_OPEN_SHELL"
	// CodeDegenerate is the warning code of faces left out for having no area.
	CodeDegenerate = "IGES_DEGENERATE_FACE"

	formatName  = "iges"
	reportEvery = 4096
)

// Format is the iges format, registered under "iges".
var Format = &formats.Format{
	Name:   formatName,
	Title:  "IGES 5.3 file: one Manifold Solid B-Rep Object (186) per solid on planar faces, element ids as names, metres",
	Family: "solids",
	Options: []formats.Option{
		{Name: "decimals", Kind: formats.Int, Default: 6, Min: 3, Max: 9,
			Doc: "decimal places of coordinates in metres: 3 is a millimetre, 6 (the default) a micrometre; also the file's minimum resolution"},
		{Name: "openings", Kind: formats.Bool, Default: true,
			Doc: "write doors and windows as solids, each the box it fills in its wall; false leaves them out"},
	},
	Write: write,
}

func init() { formats.Register(Format) }

func write(ctx context.Context, j *formats.Job) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	spool, err := processors.NewSpool(j.TempDir)
	if err != nil {
		return err
	}
	defer spool.Close()
	return j.WriteFile(ctx, j.Base+".igs", ContentType, func(f io.Writer) error {
		out := bufio.NewWriterSize(f, 256<<10)
		if err := newWriter(j, out, spool).run(ctx); err != nil {
			return err
		}
		return out.Flush()
	})
}

type entity struct {
	typ, form int
	dependent bool
	label     string
	sub       int
	p         params
}

type writer struct {
	j        *formats.Job
	m        *model.Model
	dec      int
	openings bool
	offset   geom.Vec3
	elev     map[string]float64

	out  io.Writer
	pd   *processors.Spool
	s, g sectionWriter
	d, p sectionWriter
	t    topo

	ents []entity
	used int
	line []byte
	de   []byte

	solids, shells, faces int
}

func newWriter(j *formats.Job, out io.Writer, pd *processors.Spool) *writer {
	m := j.Model
	w := &writer{
		j: j, m: m, dec: j.Options.Int("decimals"), openings: j.Options.Bool("openings"),
		offset: scene.Offset(m.Stats.Min, m.Stats.Max),
		elev:   make(map[string]float64, len(m.Building.Floors)),
		out:    out, pd: pd,
		s: sectionWriter{w: out, letter: 'S'}, g: sectionWriter{w: out, letter: 'G'},
		d: sectionWriter{w: out, letter: 'D'}, p: sectionWriter{w: pd, letter: 'P'},
	}
	if w.dec == 0 {
		w.dec = 6
	}
	if _, set := j.Options["openings"]; !set {
		w.openings = true
	}
	for _, f := range m.Building.Floors {
		w.elev[f.ID] = f.Elevation
	}
	return w
}

func (w *writer) run(ctx context.Context) error {
	w.start()
	w.global()
	if err := errors.Join(w.s.err, w.g.err); err != nil {
		return err
	}
	n := int64(0)
	err := w.m.Elements(ctx, func(e *model.Element) error {
		w.element(e)
		if n++; n%reportEvery == 0 {
			w.j.Report("elements", n)
		}
		return errors.Join(w.d.err, w.p.err)
	})
	if err != nil {
		return err
	}
	w.j.Report("elements", n)
	if _, err := w.pd.WriteTo(w.out); err != nil {
		return err
	}
	t := sectionWriter{w: w.out, letter: 'T'}
	t.record(fmt.Sprintf("S%07dG%07dD%07dP%07d", w.s.n, w.g.n, w.d.n, w.p.n))
	w.j.AddMetric("solids", int64(w.solids))
	w.j.AddMetric("open_shells", int64(w.shells))
	w.j.AddMetric("faces", int64(w.faces))
	w.j.AddMetric("entities", int64(w.d.n/2))
	return t.err
}

// start writes the Start section: what the file is and the offset to add.
func (w *writer) start() {
	b := w.m.Building
	name := b.Name
	if name == "" {
		name = b.ID
	}
	text := "IGES 5.3 export of " + encodeText(name) + " by arxport: one Manifold Solid B-Rep Object (186) per solid, names in Name properties (406 form 15), units metres."
	for len(text) > 0 {
		k := min(len(text), dataCols)
		w.s.record(text[:k])
		text = text[k:]
	}
	o := w.offset
	w.s.record(fmt.Sprintf("OFFSET X=%s Y=%s Z=%s", num(o[0]), num(o[1]), num(o[2])))
	w.s.record("Model coordinates are file coordinates plus OFFSET (metres).")
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// global writes the Global section's 25 parameters.
func (w *writer) global() {
	b := w.m.Building
	product := b.Name
	if product == "" {
		product = b.ID
	}
	date := hollerith(w.j.Time.UTC().Format("20060102.150405"))
	st := w.m.Stats
	o := w.offset
	maxc := maxAbs(st.Min[0]-o[0], st.Min[1]-o[1], st.Max[0]-o[0], st.Max[1]-o[1], st.Min[2], st.Max[2])
	res := string(appendReal(nil, math.Pow10(-w.dec), w.dec))
	w.g.freeText([]string{
		"1H,", "1H;",
		hollerith(product),
		hollerith(w.j.Base + ".igs"),
		hollerith("arxport"),
		hollerith("arxport iges 1"),
		"32", "38", "6", "308", "15",
		hollerith(product),
		"1.0",
		"6", "1HM",
		"1", "0.001",
		date,
		res,
		string(appendReal(nil, math.Ceil(maxc), 1)),
		hollerith("arxport"), hollerith("Arxos"),
		"11", "0",
		date,
	}, ',', ';')
}

func (w *writer) element(e *model.Element) {
	g := &e.Geometry
	shift := geom.Vec3{-w.offset[0], -w.offset[1], w.elev[e.Floor] - w.offset[2]}
	if g.Kind == model.KindMesh {
		mesh := geom.Mesh{Vertices: g.Vertices, Triangles: g.Triangles}
		if !mesh.Closed() {
			w.openMesh(e, &mesh, shift)
			return
		}
	}
	if g.Kind == model.KindOpening && !w.openings {
		return
	}
	solids := w.m.Solids(e)
	for k := range solids {
		w.t.reset(w.dec, shift)
		dropped := 0
		for _, f := range solids[k].Faces {
			if !w.t.addFace(f.Outer, f.Inner, f.Normal) {
				dropped++
			}
		}
		if dropped > 0 {
			w.j.Warning("elements."+e.ID, CodeDegenerate, "element %s: %d face(s) of solid %d have no area at %d decimals and were left out", e.ID, dropped, k+1, w.dec)
		}
		if len(w.t.faces) == 0 {
			continue
		}
		solid := w.t.closed()
		if !solid {
			w.j.Warning("elements."+e.ID, CodeOpenMesh, "element %s: solid %d is not closed at %d decimals: written as an open shell (a surface model), not a solid", e.ID, k+1, w.dec)
		}
		w.shell(e, k+1, solid)
	}
}

func (w *writer) openMesh(e *model.Element, mesh *geom.Mesh, shift geom.Vec3) {
	w.t.reset(w.dec, shift)
	dropped := 0
	var tri [3]geom.Vec3
	for _, t := range mesh.Triangles {
		ok := true
		for i, v := range t {
			if v < 0 || v >= len(mesh.Vertices) {
				ok = false
				break
			}
			tri[i] = mesh.Vertices[v]
		}
		if !ok || !w.t.addFace(tri[:], nil, geom.Vec3{}) {
			dropped++
		}
	}
	if dropped > 0 {
		w.j.Warning("elements."+e.ID, CodeDegenerate, "element %s: %d triangle(s) of the mesh have no area at %d decimals and were left out", e.ID, dropped, w.dec)
	}
	if len(w.t.faces) == 0 {
		w.j.Warning("elements."+e.ID, CodeOpenMesh, "element %s: the mesh is not closed and has no face with area: nothing written", e.ID)
		return
	}
	w.j.Warning("elements."+e.ID, CodeOpenMesh, "element %s: the mesh is not closed: written as an open shell of %d faces (a surface model), not a solid", e.ID, len(w.t.faces))
	w.shell(e, 1, false)
}

func (w *writer) entity(typ, form int, dependent bool) *entity {
	if w.used == len(w.ents) {
		w.ents = append(w.ents, entity{})
	}
	e := &w.ents[w.used]
	w.used++
	e.typ, e.form, e.dependent, e.label, e.sub = typ, form, dependent, "", 0
	e.p.reset(typ)
	return e
}

// shell writes w.t as a 186 over a closed 514 (solid) or as an open 514 on its
// own, with the element's names. Entities are numbered before they are written,
// so parameters can point forwards (a root to its Name properties).
func (w *writer) shell(el *model.Element, sub int, solid bool) {
	t := &w.t
	base := w.d.n + 1
	de := func(i int) int { return base + 2*i }
	vl := 0
	line := func(e int) int { return 1 + e }
	el504 := 1 + len(t.edges)
	// faces: a point and a direction, the plane through them, its loops, the face
	k := el504 + 1
	faceAt := make([]int, len(t.faces))
	for i, f := range t.faces {
		faceAt[i] = k + 3 + len(f.loops)
		k = faceAt[i] + 1
	}
	shellAt := k
	rootAt := shellAt
	if solid {
		rootAt++
	}
	names := []string{el.ID}
	if el.Name != "" && el.Name != el.ID {
		names = append(names, el.Name)
	}
	dec := w.dec
	w.used = 0

	e := w.entity(502, 1, true)
	e.p.int(len(t.verts))
	for v := range t.verts {
		c := t.coord(v)
		e.p.real(c[0], dec)
		e.p.real(c[1], dec)
		e.p.real(c[2], dec)
	}
	for _, ed := range t.edges {
		e := w.entity(110, 0, true)
		a, b := t.coord(ed[0]), t.coord(ed[1])
		for _, v := range [6]float64{a[0], a[1], a[2], b[0], b[1], b[2]} {
			e.p.real(v, dec)
		}
	}
	e = w.entity(504, 1, true)
	e.p.int(len(t.edges))
	for i, ed := range t.edges {
		e.p.int(de(line(i)))
		e.p.int(de(vl))
		e.p.int(ed[0] + 1)
		e.p.int(de(vl))
		e.p.int(ed[1] + 1)
	}
	for i, f := range t.faces {
		pl := faceAt[i] - 1 - len(f.loops)
		n, p := f.normal, t.coord(f.point)
		e := w.entity(116, 0, true)
		e.p.real(p[0], dec)
		e.p.real(p[1], dec)
		e.p.real(p[2], dec)
		e = w.entity(123, 0, true)
		e.p.real(n[0], 12)
		e.p.real(n[1], 12)
		e.p.real(n[2], 12)
		e = w.entity(190, 0, true)
		e.p.int(de(pl - 2))
		e.p.int(de(pl - 1))
		for _, l := range f.loops {
			e := w.entity(508, 1, true)
			e.p.int(len(l))
			for _, u := range l {
				e.p.int(0)
				e.p.int(de(el504))
				e.p.int(u.edge + 1)
				e.p.int(b2i(u.forward))
				e.p.int(0)
			}
		}
		e = w.entity(510, 1, true)
		e.p.int(de(pl))
		e.p.int(len(f.loops))
		e.p.int(1)
		for li := range f.loops {
			e.p.int(de(pl + 1 + li))
		}
	}
	form := 1
	if !solid {
		form = 2
	}
	e = w.entity(514, form, solid)
	e.p.int(len(t.faces))
	for i := range t.faces {
		e.p.int(de(faceAt[i]))
		e.p.int(1)
	}
	if solid {
		e = w.entity(186, 0, false)
		e.p.int(de(shellAt))
		e.p.int(1)
		e.p.int(0)
	}
	// properties of the root
	e.label, e.sub = label(el.ID), sub
	e.p.int(0)
	e.p.int(len(names))
	for i := range names {
		e.p.int(de(rootAt + 1 + i))
	}
	for _, s := range names {
		e := w.entity(406, 15, true)
		e.p.int(1)
		e.p.str(s)
	}
	for i := range w.ents[:w.used] {
		w.emit(&w.ents[i], de(i))
	}
	if solid {
		w.solids++
	} else {
		w.shells++
	}
	w.faces += len(t.faces)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// emit writes an entity's parameter data records and its two directory entry records.
func (w *writer) emit(e *entity, de int) {
	e.p.end()
	pd := w.p.n + 1
	lines := 0
	l := w.line[:0]
	flush := func() {
		for len(l) < pdDataCols {
			l = append(l, ' ')
		}
		l = append(l, ' ')
		l = appendRight(l, strconv.Itoa(de), 7)
		w.p.recordBytes(l)
		l = l[:0]
		lines++
	}
	start := 0
	for _, end := range e.p.ends {
		tok := e.p.b[start:end]
		start = end
		if len(l)+len(tok) > pdDataCols && len(l) > 0 && len(tok) <= pdDataCols {
			flush()
		}
		for len(l)+len(tok) > pdDataCols {
			k := pdDataCols - len(l)
			l = append(l, tok[:k]...)
			tok = tok[k:]
			flush()
		}
		l = append(l, tok...)
	}
	if len(l) > 0 {
		flush()
	}
	w.line = l
	status := "00000000"
	if e.dependent {
		status = "00010000"
	}
	typ := strconv.Itoa(e.typ)
	d := w.de[:0]
	d = appendRight(d, typ, 8)
	d = appendRight(d, strconv.Itoa(pd), 8)
	for range 6 {
		d = appendRight(d, "0", 8)
	}
	d = append(d, status...)
	w.d.recordBytes(d)
	d = d[:0]
	d = appendRight(d, typ, 8)
	d = appendRight(d, "0", 8)
	d = appendRight(d, "0", 8)
	d = appendRight(d, strconv.Itoa(lines), 8)
	d = appendRight(d, strconv.Itoa(e.form), 8)
	d = append(d, "                "...)
	if e.label == "" {
		d = append(d, "        "...)
	} else {
		d = append(d, e.label...)
	}
	d = appendRight(d, strconv.Itoa(e.sub), 8)
	w.d.recordBytes(d)
	w.de = d
}

func appendRight(b []byte, s string, width int) []byte {
	for i := len(s); i < width; i++ {
		b = append(b, ' ')
	}
	return append(b, s...)
}
