package asciibim

import (
	"math"
	"strconv"

	"github.com/arxos/arxport/converters/plan"
	"github.com/arxos/arxport/geom"
)

// Layout characters.
const (
	chBlank     = ' '
	chOpen      = '.'
	chWall      = '#'
	chDoor      = 'D'
	chWindow    = 'W'
	chEquipment = '+'
	chPanel     = '@'
	chHVAC      = '$'
	chPlumbing  = '~'
	chNetwork   = '%'
	chFailed    = '!'
	chCritical  = '*'
)

// legend is written in every FLOOR block, in this order.
var legend = []struct {
	ch   byte
	text string
}{
	{chWall, "Wall"},
	{chDoor, "Door"},
	{chWindow, "Window"},
	{chOpen, "Open Space"},
	{chEquipment, "Equipment"},
	{chPanel, "Electrical Panel"},
	{chHVAC, "HVAC"},
	{chPlumbing, "Plumbing"},
	{chNetwork, "Network"},
	{chFailed, "Failed"},
	{chCritical, "Critical"},
}

// symbol is the layout character of a piece of equipment and its precedence
// when several share a cell (higher wins): failed, then critical, then by system.
func symbol(s *plan.Symbol) (byte, int) {
	switch {
	case s.Status == "failed":
		return chFailed, 4
	case s.Critical:
		return chCritical, 3
	}
	switch s.System {
	case "electrical":
		return chPanel, 2
	case "hvac":
		return chHVAC, 2
	case "plumbing":
		return chPlumbing, 2
	case "network":
		return chNetwork, 2
	}
	return chEquipment, 1
}

// scale is the grid: column width sx and line height sy in metres, and the
// number of columns and lines that cover the plan's extents from their
// top-left corner (x0, y1).
type scale struct {
	sx, sy     float64
	cols, rows int
	x0, y1     float64
	w, h       float64 // the extents' size, metres
}

// niceSteps are the column widths tried, in metres: 1, 2, 2.5, 4 and 5 times a
// power of ten, from 1 mm to 100 km.
var niceSteps = func() []float64 {
	var out []float64
	for e := -3; e <= 5; e++ {
		for _, m := range []float64{1, 2, 2.5, 4, 5} {
			if e < 0 {
				out = append(out, m/math.Pow10(-e))
			} else {
				out = append(out, m*math.Pow10(e))
			}
		}
	}
	return out
}()

// chooseScale picks the smallest nice column width at which the extents fit in
// width columns and at most width lines; a line is aspect columns tall.
func chooseScale(lo, hi geom.Vec2, width int, aspect float64) scale {
	w, h := hi[0]-lo[0], hi[1]-lo[1]
	sc := scale{x0: lo[0], y1: hi[1], w: w, h: h}
	for i, s := range niceSteps {
		sc.sx, sc.sy = s, s*aspect
		sc.cols, sc.rows = cells(w, sc.sx), cells(h, sc.sy)
		if (sc.cols <= width && sc.rows <= width) || i == len(niceSteps)-1 {
			break
		}
	}
	sc.cols, sc.rows = min(sc.cols, width), min(sc.rows, width)
	return sc
}

// cells is how many cells of size s cover a length l (at least one).
func cells(l, s float64) int {
	n := math.Ceil(l/s - 1e-9)
	if !(n >= 1) {
		return 1
	}
	if n > 1e6 {
		return 1e6
	}
	return int(n)
}

// fmtNum writes a length in metres with at most two decimals, trailing zeros dropped.
func fmtNum(v float64) string {
	v = math.Round(v*100) / 100
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// grid is one floor's layout being drawn.
type grid struct {
	scale
	ch   []byte
	room []int32 // 1 + index of the room whose open space a cell is, 0 for none
	prec []int8  // precedence of the equipment drawn in a cell
}

func newGrid(sc scale) *grid {
	n := sc.cols * sc.rows
	g := &grid{scale: sc, ch: make([]byte, n), room: make([]int32, n), prec: make([]int8, n)}
	for i := range g.ch {
		g.ch[i] = chBlank
	}
	return g
}

// cell returns the column and line of a point, clamped to the grid.
func (g *grid) cell(p geom.Vec2) (int, int) {
	c := int(math.Floor((p[0] - g.x0) / g.sx))
	r := int(math.Floor((g.y1 - p[1]) / g.sy))
	return clampInt(c, 0, g.cols-1), clampInt(r, 0, g.rows-1)
}

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// centre is the point in the middle of a cell.
func (g *grid) centre(c, r int) geom.Vec2 {
	return geom.Vec2{g.x0 + (float64(c)+0.5)*g.sx, g.y1 - (float64(r)+0.5)*g.sy}
}

// fill calls set for every cell whose centre lies inside outer and outside holes.
func (g *grid) fill(outer geom.Ring, holes []geom.Ring, set func(i int)) {
	if len(outer) < 3 {
		return
	}
	lo, hi := geom.BBox2(outer)
	c0, r1 := g.cell(lo)
	c1, r0 := g.cell(hi)
	for r := r0; r <= r1; r++ {
		for c := c0; c <= c1; c++ {
			p := g.centre(c, r)
			if !geom.PointInRing(p, outer) {
				continue
			}
			in := true
			for _, h := range holes {
				if geom.PointInRing(p, h) {
					in = false
					break
				}
			}
			if in {
				set(r*g.cols + c)
			}
		}
	}
}

// trace calls set for every cell the segment a–b passes through, sampling it
// at a quarter of the smaller cell side.
func (g *grid) trace(a, b geom.Vec2, set func(i int)) {
	d := b.Sub(a)
	step := math.Min(g.sx, g.sy) / 4
	n := int(math.Ceil(d.Len() / step))
	if n > 4*(g.cols+g.rows)+4 { // never more samples than the grid needs
		n = 4*(g.cols+g.rows) + 4
	}
	last := -1
	for k := 0; k <= n; k++ {
		t := 0.5
		if n > 0 {
			t = float64(k) / float64(n)
		}
		c, r := g.cell(a.Add(d.Scale(t)))
		if i := r*g.cols + c; i != last {
			set(i)
			last = i
		}
	}
}

// axis returns the centre line of a rectangle along its longer sides, and
// whether the ring is a rectangle (a wall piece, a beam) at all.
func axis(r geom.Ring) (a, b geom.Vec2, ok bool) {
	if len(r) != 4 {
		return a, b, false
	}
	e0, e1 := r[1].Sub(r[0]), r[2].Sub(r[1])
	e2, e3 := r[3].Sub(r[2]), r[0].Sub(r[3])
	tol := 1e-9 * (e0.Len() + e1.Len())
	if e0.Add(e2).Len() > tol || e1.Add(e3).Len() > tol || math.Abs(e0.Dot(e1)) > tol*(e0.Len()+e1.Len()) {
		return a, b, false
	}
	if e0.Len() >= e1.Len() {
		return r[0].Add(r[3]).Scale(0.5), r[1].Add(r[2]).Scale(0.5), true
	}
	return r[0].Add(r[1]).Scale(0.5), r[3].Add(r[2]).Scale(0.5), true
}

// draw rasterises a floor: open space of rooms, columns and walls, windows
// and doors, equipment, then room labels where they fit.
func (g *grid) draw(fl *plan.Floor) []labelPlace {
	for i := range fl.Rooms {
		id := int32(i + 1)
		g.fill(fl.Rooms[i].Outer, fl.Rooms[i].Holes, func(k int) { g.ch[k], g.room[k] = chOpen, id })
	}
	solid := func(s *plan.Shape) {
		set := func(k int) { g.ch[k] = chWall }
		g.fill(s.Outer, s.Holes, set)
		if a, b, ok := axis(s.Outer); ok {
			g.trace(a, b, set)
			return
		}
		for i := range s.Outer {
			g.trace(s.Outer[i], s.Outer[(i+1)%len(s.Outer)], set)
		}
	}
	for i := range fl.Other {
		if fl.Other[i].Layer == plan.LayerColumns {
			solid(&fl.Other[i])
		}
	}
	for i := range fl.Walls {
		solid(&fl.Walls[i])
	}
	// An opening is traced a hair inside its ends, so it does not take the
	// cell of the wall beyond it when its end falls on a cell edge.
	inset := func(a, b geom.Vec2) (geom.Vec2, geom.Vec2) {
		d := b.Sub(a)
		l := d.Len()
		e := math.Min(l/2, 1e-6*math.Max(1, g.sx))
		if l == 0 {
			return a, b
		}
		u := d.Scale(e / l)
		return a.Add(u), b.Sub(u)
	}
	for i := range fl.Windows {
		a, b := inset(fl.Windows[i].A, fl.Windows[i].B)
		g.trace(a, b, func(k int) { g.ch[k] = chWindow })
	}
	for i := range fl.Doors {
		a, b := inset(fl.Doors[i].A, fl.Doors[i].B)
		g.trace(a, b, func(k int) { g.ch[k] = chDoor })
	}
	for i := range fl.Equipment {
		s := &fl.Equipment[i]
		ch, p := symbol(s)
		c, r := g.cell(s.Position)
		k := r*g.cols + c
		if g.ch[k] == chDoor && p < 3 {
			continue // a door stays visible unless the equipment is failed or critical
		}
		if int8(p) > g.prec[k] {
			g.ch[k], g.prec[k] = ch, int8(p)
		}
	}
	return g.labels(fl)
}

// labelPlace is where a room's label went (-1, -1 when it did not fit).
type labelPlace struct{ col, row int }

// labels writes each room's label inside the room: "NAME ID" on one line,
// else NAME over ID, else the ID alone, centred as near the room's label point
// as it fits on open space of that room, with a cell of open space either side
// when there is room for it.
func (g *grid) labels(fl *plan.Floor) []labelPlace {
	out := make([]labelPlace, len(fl.Rooms))
	for i := range fl.Rooms {
		rm := &fl.Rooms[i]
		out[i] = labelPlace{-1, -1}
		id, idOK := translit(rm.ID)
		if !idOK || id == "" {
			continue
		}
		name, nameOK := translit(rm.Name)
		var tries [][]string
		if nameOK && name != "" && name != id {
			tries = append(tries, []string{name + " " + id}, []string{name, id})
		}
		tries = append(tries, []string{id})
		c, r := g.cell(rm.Label)
		for _, pad := range []int{1, 0} {
			for _, lines := range tries {
				if col, row, ok := g.fit(int32(i+1), lines, c, r, pad); ok {
					w := 0
					for _, l := range lines {
						w = max(w, len(l))
					}
					for k, line := range lines {
						lc := col + (w-len(line))/2
						copy(g.ch[(row+k)*g.cols+lc:], line)
					}
					out[i] = labelPlace{col, row}
					goto next
				}
			}
		}
	next:
	}
	return out
}

// fit looks for a place for the lines of a label, centred near cell (c, r),
// where every cell is open space of the room (pad more cells either side).
func (g *grid) fit(room int32, lines []string, c, r, pad int) (int, int, bool) {
	w := 0
	for _, l := range lines {
		w = max(w, len(l))
	}
	if w+2*pad > g.cols || len(lines) > g.rows {
		return 0, 0, false
	}
	free := func(col, row int) bool {
		for k, l := range lines {
			lc := col + (w-len(l))/2
			rr := row + k
			for cc := lc - pad; cc < lc+len(l)+pad; cc++ {
				if cc < 0 || cc >= g.cols || rr < 0 || rr >= g.rows {
					return false
				}
				i := rr*g.cols + cc
				if g.room[i] != room || g.ch[i] != chOpen {
					return false
				}
			}
		}
		return true
	}
	top := r - (len(lines)-1)/2
	left := c - (w-1)/2
	reach := max(w, 4)
	for dr := 0; dr <= 3; dr++ {
		for _, sr := range []int{1, -1} {
			if dr == 0 && sr < 0 {
				continue
			}
			for dc := 0; dc <= reach; dc++ {
				for _, sc := range []int{1, -1} {
					if dc == 0 && sc < 0 {
						continue
					}
					if free(left+sc*dc, top+sr*dr) {
						return left + sc*dc, top + sr*dr, true
					}
				}
			}
		}
	}
	return 0, 0, false
}
