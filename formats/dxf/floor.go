package dxf

import (
	"fmt"
	"math"
	"strconv"

	"github.com/arxos/arxport/converters/plan"
	"github.com/arxos/arxport/geom"
)

// gfx writes entities into one block and tracks their extents.
type gfx struct {
	d       *doc
	owner   uint64
	byBlock bool    // colour and line type BYBLOCK (symbol blocks)
	dx      float64 // added to every x (floors drawn straight in model space)
	ext     box     // of what was written, dx included
}

// pt writes a point (z = 0) shifted by dx and grows the extents.
func (g *gfx) pt(code int, x, y float64) {
	g.d.e.point(code, x+g.dx, y)
	g.ext.add(x+g.dx, y)
}

// head writes what every entity starts with. lt "" is BYLAYER, colour 256 BYLAYER.
func (g *gfx) head(typ, layer, lt string, colour int, subclass string) {
	e := &g.d.e
	e.str(0, typ)
	e.hex(5, e.handle())
	e.hex(330, g.owner)
	e.str(100, "AcDbEntity")
	e.str(8, layer)
	switch {
	case g.byBlock:
		e.str(6, "ByBlock")
		e.int(62, 0)
	default:
		if lt != "" {
			e.str(6, lt)
		}
		if colour != 256 {
			e.int(62, int64(colour))
		}
	}
	e.str(100, subclass)
}

// ring writes a closed LWPOLYLINE.
func (g *gfx) ring(layer, lt string, r geom.Ring) {
	if len(r) < 2 {
		return
	}
	e := &g.d.e
	g.head("LWPOLYLINE", layer, lt, 256, "AcDbPolyline")
	e.int(90, int64(len(r)))
	e.int(70, 1)
	for _, p := range r {
		e.float(10, p[0]+g.dx)
		e.float(20, p[1])
		g.ext.add(p[0]+g.dx, p[1])
	}
}

func (g *gfx) line(layer, lt string, x0, y0, x1, y1 float64) {
	g.head("LINE", layer, lt, 256, "AcDbLine")
	g.pt(10, x0, y0)
	g.pt(11, x1, y1)
}

func (g *gfx) seg(layer, lt string, a, b geom.Vec2) { g.line(layer, lt, a[0], a[1], b[0], b[1]) }

func (g *gfx) circle(layer string, x, y, r float64) {
	g.head("CIRCLE", layer, "", 256, "AcDbCircle")
	g.pt(10, x, y)
	g.d.e.float(40, r)
	g.ext.add(x+g.dx-r, y-r)
	g.ext.add(x+g.dx+r, y+r)
}

func (g *gfx) arc(layer, lt string, a plan.Arc) {
	if !(a.Radius > 0) {
		return
	}
	e := &g.d.e
	g.head("ARC", layer, lt, 256, "AcDbCircle")
	g.pt(10, a.Centre[0], a.Centre[1])
	e.float(40, a.Radius)
	e.str(100, "AcDbArc")
	e.float(50, a.Start)
	e.float(51, a.End)
	g.ext.add(a.Centre[0]+g.dx-a.Radius, a.Centre[1]-a.Radius)
	g.ext.add(a.Centre[0]+g.dx+a.Radius, a.Centre[1]+a.Radius)
}

// MTEXT attachment points.
const (
	attachTopLeft      = 1
	attachMiddleCentre = 5
	attachBottomCentre = 8
	attachBottomLeft   = 7
)

// text writes an MTEXT of the given height, wrapped to width (0: no wrapping).
func (g *gfx) text(layer string, p geom.Vec2, height, width float64, attach int, s string) {
	if s == "" {
		return
	}
	e := &g.d.e
	g.head("MTEXT", layer, "", 256, "AcDbMText")
	g.pt(10, p[0], p[1])
	e.float(40, height)
	e.float(41, width)
	e.int(71, int64(attach))
	e.int(72, 1)
	e.mtextValue(mtext(s))
	e.str(7, "Standard")
}

func (g *gfx) insert(layer, block string, p geom.Vec2, scale, rotation float64, colour int) {
	e := &g.d.e
	g.head("INSERT", layer, "", colour, "AcDbBlockReference")
	e.str(2, block)
	g.pt(10, p[0], p[1])
	e.float(41, scale)
	e.float(42, scale)
	e.float(43, scale)
	e.float(50, normDeg(rotation))
	g.ext.add(p[0]+g.dx-scale/2, p[1]-scale/2)
	g.ext.add(p[0]+g.dx+scale/2, p[1]+scale/2)
}

func normDeg(d float64) float64 {
	d = math.Mod(d, 360)
	if d < 0 {
		d += 360
	}
	if d >= 360 || math.IsNaN(d) {
		d = 0
	}
	return d
}

func clamp(v, lo, hi float64) float64 { return math.Min(math.Max(v, lo), hi) }

// floorBlock writes one floor's block and returns its extents.
func (d *doc) floorBlock(i int, fl *plan.Floor) box {
	br := d.floorBR[i]
	d.blockBegin(d.floorName[i], br, false)
	g := &gfx{d: d, owner: br}
	d.floor(g, fl)
	d.blockEnd(br, false)
	return g.ext
}

// floorEntities draws floor i straight into model space, shifted to its place.
func (d *doc) floorEntities(i int, fl *plan.Floor) box {
	g := &gfx{d: d, owner: d.modelBR, dx: d.offset(i)}
	d.floor(g, fl)
	return g.ext
}

// floor draws a floor's plan.
func (d *doc) floor(g *gfx, fl *plan.Floor) {
	p := d.p
	w, h := p.Max[0]-p.Min[0], p.Max[1]-p.Min[1]
	size := math.Max(w, h)

	// Frame of the building's extents (not plotted) and the title under it.
	if w > 0 && h > 0 {
		g.ring(layAnnoNplt, "", geom.Ring{p.Min, {p.Max[0], p.Min[1]}, p.Max, {p.Min[0], p.Max[1]}})
	}
	th := clamp(size*0.02, 0.25, 5)
	title := fmt.Sprintf("Level %d: %s (%s)", fl.Level, fl.Name, fl.ID)
	if fl.Empty {
		title += " (empty)"
	}
	if p.Building != "" {
		title += "\n" + p.Building
	}
	g.text(layAnnoText, geom.Vec2{p.Min[0], p.Min[1] - th}, th, 0, attachTopLeft, title)
	if p.HasNorth {
		d.northArrow(g, clamp(size*0.05, 0.5, d.gap*0.4))
	}

	for k := range fl.Walls {
		s := &fl.Walls[k]
		g.ring(layWall, "", s.Outer)
		for _, hole := range s.Holes {
			g.ring(layWall, "", hole)
		}
	}
	for k := range fl.Other {
		s := &fl.Other[k]
		l := shapeLayer(s.Layer)
		g.ring(l, "", s.Outer)
		for _, hole := range s.Holes {
			g.ring(l, "", hole)
		}
	}
	for k := range fl.Doors {
		dr := &fl.Doors[k]
		lt := ""
		if !dr.Cut {
			lt = ltDashed
		}
		g.seg(layDoor, lt, dr.Hinge, dr.Leaf)
		g.arc(layDoor, lt, dr.Swing)
	}
	for k := range fl.Windows {
		wn := &fl.Windows[k]
		lt := ""
		if !wn.Cut {
			lt = ltDashed
		}
		g.seg(layGlazing, lt, wn.Faces[0][0], wn.Faces[0][1])
		g.seg(layGlazing, lt, wn.Faces[1][0], wn.Faces[1][1])
		g.seg(layGlazing, lt, wn.A, wn.B)
	}
	for k := range fl.Rooms {
		r := &fl.Rooms[k]
		g.ring(layArea, "", r.Outer)
		for _, hole := range r.Holes {
			g.ring(layArea, "", hole)
		}
		d.roomLabel(g, r)
	}
	for k := range fl.Equipment {
		d.equipment(g, &fl.Equipment[k])
	}
}

// roomLabel writes the room's name, number and area at its label point.
func (d *doc) roomLabel(g *gfx, r *plan.Room) {
	h := d.opt.TextHeight
	if !(h > 0) {
		h = clamp(r.LabelRadius/4, 0.05, 0.35)
	}
	text := r.ID + "\n" + strconv.FormatFloat(r.Area, 'f', 2, 64) + " m²"
	if r.Name != "" {
		text = r.Name + "\n" + text
	}
	width := math.Max(2*r.LabelRadius*0.9, 4*h)
	g.text(layAreaIden, r.Label, h, width, attachMiddleCentre, text)
}

// equipment writes a piece of equipment: footprint, symbol and id.
func (d *doc) equipment(g *gfx, s *plan.Symbol) {
	layer := equipmentLayer(s.System)
	if len(s.Outline) >= 3 {
		g.ring(layer, "", s.Outline)
	}
	system := "other"
	for _, sys := range systems {
		if sys == s.System {
			system = sys
		}
	}
	colour := 256
	switch {
	case s.Status == "failed":
		colour = 1 // red
	case s.Critical:
		colour = 6 // magenta
	}
	scale := clamp(math.Max(s.Size[0], s.Size[1]), 0.15, 1)
	g.insert(layer, symbolName(system), s.Position, scale, s.Rotation, colour)
	if d.opt.EquipmentLabels {
		th := clamp(scale*0.4, 0.05, 0.2)
		g.text(layer, s.Position.Add(geom.Vec2{scale / 2, scale / 2}), th, 0, attachBottomLeft, s.ID)
	}
}

// northArrow draws an arrow pointing to true north beside the floor's top
// right corner, with an N beyond its tip.
func (d *doc) northArrow(g *gfx, s float64) {
	p := d.p
	u := p.NorthVector()        // forward
	v := geom.Vec2{u[1], -u[0]} // to the right
	c := geom.Vec2{p.Max[0] + 1.5*s, p.Max[1] - 1.5*s}
	at := func(a, b float64) geom.Vec2 { return c.Add(v.Scale(a * s)).Add(u.Scale(b * s)) }
	g.ring(layAnnoSymb, "", geom.Ring{at(0, 1), at(-0.35, -0.6), at(0, -0.25), at(0.35, -0.6)})
	g.text(layAnnoSymb, at(0, 1.15), s*0.5, 0, attachBottomCentre, "N")
}
