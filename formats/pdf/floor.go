package pdf

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/arxos/arxport/converters/plan"
	"github.com/arxos/arxport/geom"
)

// rgb is a colour.
type rgb [3]int

// Pens: line widths in mm.
const (
	penHair  = 0.1
	penThin  = 0.18
	penMid   = 0.3
	penThick = 0.5
)

var (
	colWall     = rgb{45, 45, 45}
	colRoomFill = rgb{250, 249, 243}
	colRoomLine = rgb{170, 170, 170}
	colLight    = rgb{160, 160, 160}
	colColumn   = rgb{120, 120, 120}
	colDoor     = rgb{30, 30, 30}
	colWindow   = rgb{0, 110, 190}
	colLabel    = rgb{20, 20, 20}
	colGrey     = rgb{100, 100, 100}
)

// systemStyle is how a piece of equipment of a system is drawn.
type systemStyle struct {
	colour rgb
	shape  string // circle, square, diamond, triangle, down, hexagon, star, dot
}

// systemStyles by model.Systems.
var systemStyles = map[string]systemStyle{
	"hvac":       {rgb{0, 114, 189}, "circle"},
	"electrical": {rgb{230, 140, 0}, "square"},
	"plumbing":   {rgb{0, 150, 140}, "diamond"},
	"fire":       {rgb{210, 30, 30}, "triangle"},
	"network":    {rgb{125, 60, 175}, "down"},
	"security":   {rgb{30, 120, 50}, "hexagon"},
	"lighting":   {rgb{200, 165, 0}, "star"},
	"other":      {rgb{110, 110, 110}, "dot"},
}

var systemOrder = []string{"hvac", "electrical", "plumbing", "fire", "network", "security", "lighting", "other"}

// symbolSize is the size of an equipment symbol on paper, mm.
const symbolSize = 2.6

// view maps plan metres to page millimetres.
type view struct {
	k      float64 // mm per metre
	cx, cy float64 // page centre of the drawing
	mx, my float64 // plan centre
}

func (v view) pt(p geom.Vec2) (float64, float64) {
	return v.cx + (p[0]-v.mx)*v.k, v.cy - (p[1]-v.my)*v.k
}

func (d *doc) setDraw(c rgb, w float64) {
	d.pdf.SetDrawColor(c[0], c[1], c[2])
	d.pdf.SetLineWidth(w)
}

func (d *doc) setFill(c rgb) { d.pdf.SetFillColor(c[0], c[1], c[2]) }

// path adds rings as one path and paints it (style as fpdf.DrawPath).
func (d *doc) path(v view, style string, rings ...geom.Ring) {
	n := 0
	for _, r := range rings {
		if len(r) < 2 {
			continue
		}
		for i, p := range r {
			x, y := v.pt(p)
			if i == 0 {
				d.pdf.MoveTo(x, y)
			} else {
				d.pdf.LineTo(x, y)
			}
		}
		d.pdf.ClosePath()
		n++
	}
	if n > 0 {
		d.pdf.DrawPath(style)
	}
}

func (d *doc) line(v view, a, b geom.Vec2) {
	x0, y0 := v.pt(a)
	x1, y1 := v.pt(b)
	d.pdf.Line(x0, y0, x1, y1)
}

// arc draws a plan arc (counter-clockwise from Start to End) as a polyline.
func (d *doc) arc(v view, a plan.Arc) {
	sweep := a.End - a.Start
	for sweep <= 0 {
		sweep += 360
	}
	n := max(4, int(sweep/6))
	for i := 0; i <= n; i++ {
		t := (a.Start + sweep*float64(i)/float64(n)) * math.Pi / 180
		p := geom.Vec2{a.Centre[0] + a.Radius*math.Cos(t), a.Centre[1] + a.Radius*math.Sin(t)}
		x, y := v.pt(p)
		if i == 0 {
			d.pdf.MoveTo(x, y)
		} else {
			d.pdf.LineTo(x, y)
		}
	}
	d.pdf.DrawPath("D")
}

func (d *doc) floorPage(fl *plan.Floor) {
	pdf, s := d.pdf, d.sheet
	if d.page == d.firstFloorPage() {
		pdf.Bookmark("Floor plans", 0, 0)
	}
	pdf.Bookmark(safeUTF16(floorLabel(fl.Name, fl.Level)), 1, 0)
	x0, y0, x1, y1 := s.drawing()
	p := d.plan
	v := view{k: 1000 / float64(d.scale), cx: (x0 + x1) / 2, cy: (y0 + y1) / 2,
		mx: (p.Min[0] + p.Max[0]) / 2, my: (p.Min[1] + p.Max[1]) / 2}
	// sheet border
	d.setDraw(rgb{0, 0, 0}, penMid)
	pdf.Rect(s.margin, s.margin, s.w-2*s.margin, s.h-2*s.margin, "D")
	pdf.ClipRect(x0-2, y0-2, x1-x0+4, y1-y0+4, false)
	if fl.Empty {
		pdf.SetTextColor(150, 150, 150)
		d.ft.textAt((x0+x1)/2, (y0+y1)/2, "Empty floor: nothing is drawn on "+fl.Name, true, 16, alignCentre)
		pdf.SetTextColor(0, 0, 0)
	}
	d.drawRooms(v, fl)
	d.drawOther(v, fl)
	d.setFill(colWall)
	for _, w := range fl.Walls {
		d.path(v, "F*", append([]geom.Ring{w.Outer}, w.Holes...)...)
	}
	d.drawWindows(v, fl)
	d.drawDoors(v, fl)
	d.drawEquipment(v, fl)
	d.drawLabels(v, fl)
	pdf.ClipEnd()
	d.titleBlock(fl)
	d.footer()
}

func (d *doc) drawRooms(v view, fl *plan.Floor) {
	d.setFill(colRoomFill)
	d.setDraw(colRoomLine, penHair)
	for _, r := range fl.Rooms {
		d.path(v, "B*", append([]geom.Ring{r.Outer}, r.Holes...)...)
	}
}

func (d *doc) drawOther(v view, fl *plan.Floor) {
	for _, sh := range fl.Other {
		rings := append([]geom.Ring{sh.Outer}, sh.Holes...)
		switch sh.Layer {
		case plan.LayerColumns:
			d.setFill(colColumn)
			d.setDraw(colWall, penHair)
			d.path(v, "B*", rings...)
		case plan.LayerBeams, plan.LayerRoofs:
			d.setDraw(colLight, penHair)
			d.pdf.SetDashPattern([]float64{1.5, 1}, 0)
			d.path(v, "D", rings...)
			d.pdf.SetDashPattern(nil, 0)
		case plan.LayerStairs:
			d.setDraw(colGrey, penHair)
			d.path(v, "D", rings...)
			d.stairTreads(v, sh.Outer)
		default:
			d.setDraw(colLight, penHair)
			d.path(v, "D", rings...)
		}
	}
}

// stairTreads hatches a stair's bounding box with lines 0.28 m apart across its
// longer side, clipped to nothing cleverer than the box: the usual tread pattern.
func (d *doc) stairTreads(v view, r geom.Ring) {
	if len(r) < 3 {
		return
	}
	lo, hi := r[0], r[0]
	for _, p := range r {
		lo = geom.Vec2{min(lo[0], p[0]), min(lo[1], p[1])}
		hi = geom.Vec2{max(hi[0], p[0]), max(hi[1], p[1])}
	}
	if len(r) != 4 {
		return // only rectangles get treads
	}
	w, h := hi[0]-lo[0], hi[1]-lo[1]
	const tread = 0.28
	if w > h {
		for x := lo[0] + tread; x < hi[0] && (x-lo[0])/tread < 200; x += tread {
			d.line(v, geom.Vec2{x, lo[1]}, geom.Vec2{x, hi[1]})
		}
	} else {
		for y := lo[1] + tread; y < hi[1] && (y-lo[1])/tread < 200; y += tread {
			d.line(v, geom.Vec2{lo[0], y}, geom.Vec2{hi[0], y})
		}
	}
}

func (d *doc) drawWindows(v view, fl *plan.Floor) {
	for _, w := range fl.Windows {
		if !w.Cut {
			// above or below the cut: dashed along the wall's axis
			d.setDraw(colWindow, penHair)
			d.pdf.SetDashPattern([]float64{0.8, 0.6}, 0)
			d.line(v, w.A, w.B)
			d.pdf.SetDashPattern(nil, 0)
			continue
		}
		d.setDraw(colWindow, penThin)
		d.line(v, w.Faces[0][0], w.Faces[0][1])
		d.line(v, w.Faces[1][0], w.Faces[1][1])
		d.line(v, w.A, w.B) // the glass
		d.setDraw(colWall, penThin)
		d.line(v, w.Jambs[0][0], w.Jambs[0][1])
		d.line(v, w.Jambs[1][0], w.Jambs[1][1])
	}
}

func (d *doc) drawDoors(v view, fl *plan.Floor) {
	for _, dr := range fl.Doors {
		if !dr.Cut {
			d.setDraw(colDoor, penHair)
			d.pdf.SetDashPattern([]float64{0.8, 0.6}, 0)
			d.line(v, dr.A, dr.B)
			d.pdf.SetDashPattern(nil, 0)
			continue
		}
		d.setDraw(colWall, penThin)
		d.line(v, dr.Jambs[0][0], dr.Jambs[0][1])
		d.line(v, dr.Jambs[1][0], dr.Jambs[1][1])
		d.setDraw(colDoor, penMid)
		d.line(v, dr.Hinge, dr.Leaf)
		d.setDraw(colDoor, penHair)
		d.arc(v, dr.Swing)
	}
}

func (d *doc) drawEquipment(v view, fl *plan.Floor) {
	// a metre across on paper, within [1.2, 2.6] mm, so symbols do not swamp
	// the rooms at 1:500 and smaller
	size := math.Max(1.2, math.Min(symbolSize, v.k))
	for _, e := range fl.Equipment {
		st, ok := systemStyles[e.System]
		if !ok {
			st = systemStyles["other"]
		}
		// its real footprint, when it is bigger than the symbol
		if len(e.Outline) > 2 && max(e.Size[0], e.Size[1])*v.k > size {
			d.setDraw(st.colour, penHair)
			d.path(v, "D", e.Outline)
		}
		x, y := v.pt(e.Position)
		d.symbol(x, y, size, st, e.Status, e.Critical)
	}
}

// symbol draws an equipment symbol centred at (x, y), size mm across.
func (d *doc) symbol(x, y, size float64, st systemStyle, status string, critical bool) {
	pdf := d.pdf
	r := size / 2
	d.setFill(st.colour)
	d.setDraw(rgb{0, 0, 0}, penHair)
	if status == "warning" {
		d.setDraw(rgb{240, 150, 0}, penMid)
	}
	if status == "maintenance" || status == "unknown" {
		pdf.SetDashPattern([]float64{0.4, 0.3}, 0)
	}
	poly := func(n int, turn float64, rs ...float64) {
		pts := make([]geom.Vec2, 0, n)
		for i := range n {
			a := turn + 2*math.Pi*float64(i)/float64(n)
			rr := r
			if len(rs) > 0 {
				rr = rs[i%len(rs)]
			}
			pts = append(pts, geom.Vec2{x + rr*math.Cos(a), y - rr*math.Sin(a)})
		}
		for i, p := range pts {
			if i == 0 {
				pdf.MoveTo(p[0], p[1])
			} else {
				pdf.LineTo(p[0], p[1])
			}
		}
		pdf.ClosePath()
		pdf.DrawPath("B")
	}
	switch st.shape {
	case "circle":
		pdf.Circle(x, y, r, "FD")
	case "square":
		pdf.Rect(x-r*0.85, y-r*0.85, 1.7*r, 1.7*r, "FD")
	case "diamond":
		poly(4, math.Pi/2)
	case "triangle":
		poly(3, math.Pi/2)
	case "down":
		poly(3, -math.Pi/2)
	case "hexagon":
		poly(6, 0)
	case "star":
		poly(10, math.Pi/2, r, r*0.45)
	default:
		pdf.Circle(x, y, r*0.55, "FD")
	}
	pdf.SetDashPattern(nil, 0)
	switch status {
	case "failed":
		d.setDraw(rgb{220, 0, 0}, penMid)
		pdf.Line(x-r, y-r, x+r, y+r)
		pdf.Line(x-r, y+r, x+r, y-r)
	}
	if critical {
		d.setFill(rgb{220, 0, 0})
		pdf.Circle(x+r, y-r, r*0.35, "F")
	}
}

// drawLabels writes each room's name, number and area at its label point,
// sized to fit the room and wrapped.
func (d *doc) drawLabels(v view, fl *plan.Floor) {
	pdf := d.pdf
	c := colLabel
	pdf.SetTextColor(c[0], c[1], c[2])
	for _, r := range fl.Rooms {
		x, y := v.pt(r.Label)
		radius := r.LabelRadius * v.k // mm
		size := math.Max(2.5, math.Min(8, radius/2.2))
		width := math.Max(10, 2*radius*0.95)
		name := d.ft.wrap(r.Name, true, size, width)
		if len(name) > 4 {
			name = append(name[:3], strings.Join(name[3:], " "))
			name[3] = d.ft.fit(name[3], true, size, width)
		}
		small := size * 0.85
		info := r.ID + " · " + formatArea(r.Area)
		lh := size * 0.42
		h := float64(len(name))*lh + small*0.42
		top := y - h/2 + lh*0.8
		for i, line := range name {
			d.ft.textAt(x, top+float64(i)*lh, line, true, size, alignCentre)
		}
		pdf.SetTextColor(80, 80, 80)
		d.ft.textAt(x, top+float64(len(name))*lh, info, false, small, alignCentre)
		pdf.SetTextColor(c[0], c[1], c[2])
	}
	pdf.SetTextColor(0, 0, 0)
}

func formatArea(a float64) string {
	return strconv.FormatFloat(a, 'f', 1, 64) + " m²"
}

// titleBlock fills the strip at the bottom of a plan page: legend on the left,
// north arrow, scale and the sheet's text on the right.
func (d *doc) titleBlock(fl *plan.Floor) {
	pdf, s, ft := d.pdf, d.sheet, d.ft
	top := s.h - s.margin - s.strip
	bottom := s.h - s.margin
	d.setDraw(rgb{0, 0, 0}, penMid)
	pdf.Line(s.margin, top, s.w-s.margin, top)
	// the title block proper, at the right
	tbw := math.Min(170, s.w-2*s.margin-10)
	tx := s.w - s.margin - tbw
	pdf.Line(tx, top, tx, bottom)
	x := tx + 3
	ft.text(x, top+7, ft.fit(d.plan.Building, true, 12, tbw-34), true, 12)
	ft.text(x, top+13.5, ft.fit(floorLabel(fl.Name, fl.Level), false, 10, tbw-34), false, 10)
	scale := fmt.Sprintf("Scale 1:%d on %s", d.scale, d.paperName())
	ft.text(x, top+19.5, scale, false, 8)
	d.scaleBar(x, top+23)
	pdf.SetTextColor(60, 60, 60)
	meta := "Date " + d.date() + " · " + d.pageLabel()
	if d.plan.Units != "" && d.plan.Units != "m" {
		meta += " · model units " + string(d.plan.Units) + ", drawn in metres"
	}
	ft.text(x, bottom-2.5, ft.fit(meta, false, 7, tbw-34), false, 7)
	pdf.SetTextColor(0, 0, 0)
	// north arrow at the right end of the title block
	ax, ay := s.w-s.margin-15, top+s.strip/2+1
	if d.plan.HasNorth {
		d.northArrow(ax, ay, 10)
	} else {
		pdf.SetTextColor(130, 130, 130)
		ft.textAt(ax, ay, "no north", false, 7, alignCentre)
		ft.textAt(ax, ay+3, "(no georef)", false, 6, alignCentre)
		pdf.SetTextColor(0, 0, 0)
	}
	if tx-s.margin > 40 {
		d.legend(s.margin+3, top+5, tx-s.margin-6)
	}
}

func (d *doc) paperName() string {
	p := d.j.Options.String("paper")
	if p == "" {
		p = "A3"
	}
	return p
}

// scaleBar draws a bar of five blocks with its length in metres.
func (d *doc) scaleBar(x, y float64) {
	k := 1000 / float64(d.scale) // mm per metre
	length := 1.0
	for _, l := range []float64{1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000} {
		length = l
		if l*k >= 40 {
			break
		}
	}
	w := length * k
	d.setDraw(rgb{0, 0, 0}, penHair)
	for i := range 5 {
		if i%2 == 0 {
			d.setFill(rgb{0, 0, 0})
		} else {
			d.setFill(rgb{255, 255, 255})
		}
		d.pdf.Rect(x+w*float64(i)/5, y, w/5, 1.6, "FD")
	}
	d.ft.text(x, y+4.6, "0", false, 6)
	d.ft.textAt(x+w, y+4.6, strconv.FormatFloat(length, 'f', -1, 64)+" m", false, 6, alignCentre)
}

// northArrow draws an arrow of size mm pointing to true north on the page.
func (d *doc) northArrow(x, y, size float64) {
	pdf := d.pdf
	nv := d.plan.NorthVector()
	ux, uy := nv[0], -nv[1] // page direction of north
	px, py := -uy, ux       // perpendicular
	r := size / 2
	d.setDraw(rgb{0, 0, 0}, penThin)
	pdf.Circle(x, y, r, "D")
	tip := [2]float64{x + ux*r*0.9, y + uy*r*0.9}
	tail := [2]float64{x - ux*r*0.6, y - uy*r*0.6}
	left := [2]float64{tail[0] + px*r*0.4, tail[1] + py*r*0.4}
	right := [2]float64{tail[0] - px*r*0.4, tail[1] - py*r*0.4}
	mid := [2]float64{x - ux*r*0.25, y - uy*r*0.25}
	d.setFill(rgb{0, 0, 0})
	pdf.Polygon([]fpdf.PointType{pt(tip), pt(left), pt(mid)}, "FD")
	d.setFill(rgb{255, 255, 255})
	pdf.Polygon([]fpdf.PointType{pt(tip), pt(mid), pt(right)}, "FD")
	lx, ly := x+ux*(r+2.6), y+uy*(r+2.6)+1.2
	d.ft.textAt(lx, ly, "N", true, 8, alignCentre)
}

// legend explains the equipment symbols and status marks.
func (d *doc) legend(x, y, w float64) {
	ft := d.ft
	ft.text(x, y, "Equipment", true, 7)
	colW := 30.0
	cols := max(1, int(w/colW))
	for i, sys := range systemOrder {
		cx := x + float64(i%cols)*colW
		cy := y + 4.5 + float64(i/cols)*4.2
		if i/cols > 2 {
			break
		}
		d.symbol(cx+1.5, cy-1, 2.2, systemStyles[sys], "operational", false)
		ft.text(cx+4, cy, sys, false, 6.5)
	}
	rows := (len(systemOrder) + cols - 1) / cols
	sy := y + 4.5 + float64(min(rows, 3))*4.2 + 1
	if sy > d.sheet.h-d.sheet.margin-3 {
		return
	}
	marks := []struct {
		label, status string
		critical      bool
	}{{"warning", "warning", false}, {"failed", "failed", false}, {"maintenance / unknown", "maintenance", false}, {"critical", "operational", true}}
	cx := x
	for _, m := range marks {
		d.symbol(cx+1.5, sy-1, 2.2, systemStyles["other"], m.status, m.critical)
		cx += 4 + ft.text(cx+4, sy, m.label, false, 6.5) + 4
	}
}

func pt(p [2]float64) fpdf.PointType { return fpdf.PointType{X: p[0], Y: p[1]} }
