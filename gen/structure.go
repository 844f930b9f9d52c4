package gen

import (
	"math"
)

// Wall thicknesses and the drop of interior walls below the next slab.
const (
	extThick   = 0.3
	corrThick  = 0.15
	partThick  = 0.12
	stripThick = 0.2
	slabThick  = 0.3
	diagCut    = 2.0 // legs of the corner cut off by a diagonal wall
)

// structure emits the floor's slab, walls with their doors and windows, columns,
// beams, stair, shaft and, on the top floor, the roof. Every opening follows the
// wall it cuts, so a streaming reader always knows the host first.
func (f *floorGen) structure() {
	p := f.p
	H := f.fp.height
	inH := H - slabThick
	f.slab()
	for s := range p.ns {
		y0 := float64(s) * p.sd
		ys := y0 + p.dr // south side of the corridor
		yn := ys + p.corr
		y1 := y0 + p.sd

		w := f.wall([2]float64{0, y0}, [2]float64{0, y1}, extThick, H, true, "West façade")
		f.sideOpenings(w, s, 0)
		for i := range p.nx {
			x0, x1 := float64(i)*p.bx, float64(i+1)*p.bx
			if s == 0 {
				w := f.wall([2]float64{x0, 0}, [2]float64{x1, 0}, extThick, H, true, "South façade")
				ci := f.cellIndex(0, 0, i)
				if f.fp.level == 0 && f.kinds[ci] == ckLobby {
					f.door(w, (p.bx-2.0)/2, 2.0, 2.4, f.outer[ci], "Main entrance")
				} else {
					tri := math.Inf(1)
					if f.dS == 0 && f.dD == i {
						tri = p.bx - diagCut
					}
					f.windows(w, p.bx, f.outer[ci], tri)
				}
			} else {
				f.wall([2]float64{x0, y0}, [2]float64{x1, y0}, stripThick, inH, false, "Party wall")
			}
		}
		for i := 1; i < p.nx; i++ {
			x := float64(i) * p.bx
			f.wall([2]float64{x, y0}, [2]float64{x, ys}, partThick, inH, false, "Partition")
		}
		if f.dS == s {
			c := f.cell(s, 0, f.dD)
			w := f.wall([2]float64{c.x1 - diagCut, c.y0}, [2]float64{c.x1, c.y0 + diagCut}, partThick, inH, false, "Diagonal partition")
			f.door(w, (diagCut*math.Sqrt2-0.8)/2, 0.8, f.doorHeight, f.diagTri, "Door")
		}
		for band, y := range [2]float64{ys, yn} {
			for i := range p.nx {
				x0, x1 := float64(i)*p.bx, float64(i+1)*p.bx
				ri := f.inner[f.cellIndex(s, band, i)]
				mat := "gypsum board"
				if f.rooms[ri].kind == &kindMeeting {
					mat = "glass"
				}
				w := f.wallMat([2]float64{x0, y}, [2]float64{x1, y}, corrThick, inH, "Corridor wall", mat)
				f.roomDoor(w, ri, p.bx)
			}
		}
		for i := 1; i < p.nx; i++ {
			x := float64(i) * p.bx
			from := yn
			if s == f.lS && i == f.lJ+1 {
				from = yn + p.dr/2
			}
			f.wall([2]float64{x, from}, [2]float64{x, y1}, partThick, inH, false, "Partition")
		}
		if s == f.lS {
			x0, x1 := float64(f.lJ+1)*p.bx, float64(f.lJ+2)*p.bx
			ym := yn + p.dr/2
			w := f.wall([2]float64{x0, ym}, [2]float64{x1, ym}, partThick, inH, false, "Partition")
			small := f.outer[f.cellIndex(s, 1, f.lJ+1)]
			f.door(w, (p.bx-0.9)/2, 0.9, f.doorHeight, small, "Door")
		}
		if s == p.ns-1 {
			for i := range p.nx {
				x0, x1 := float64(i)*p.bx, float64(i+1)*p.bx
				ri := f.outer[f.cellIndex(s, 1, i)]
				if p.lshape && i >= p.nx-p.hallBays {
					w := f.wall([2]float64{x0, y1}, [2]float64{x1, y1}, stripThick, inH, false, "Hall wall")
					if i == p.nx-1 {
						f.door(w, (p.bx-1.8)/2, 1.8, f.doorHeight, f.hall, "Hall doors")
					}
					continue
				}
				w := f.wall([2]float64{x0, y1}, [2]float64{x1, y1}, extThick, H, true, "North façade")
				f.windows(w, p.bx, ri, math.Inf(1))
			}
		}
		w = f.wall([2]float64{p.width, y0}, [2]float64{p.width, y1}, extThick, H, true, "East façade")
		f.sideOpenings(w, s, p.nx-1)
	}
	if p.lshape {
		xh := p.width - float64(p.hallBays)*p.bx
		y0, y1 := p.depth, p.depth+p.hallDepth
		w := f.wall([2]float64{xh, y0}, [2]float64{xh, y1}, extThick, H, true, "West façade")
		f.window(w, (p.hallDepth-1.5)/2, 1.5, f.hall)
		for i := p.nx - p.hallBays; i < p.nx; i++ {
			w := f.wall([2]float64{float64(i) * p.bx, y1}, [2]float64{float64(i+1) * p.bx, y1}, extThick, H, true, "North façade")
			f.windows(w, p.bx, f.hall, math.Inf(1))
		}
		w = f.wall([2]float64{p.width, y0}, [2]float64{p.width, y1}, extThick, H, true, "East façade")
		f.window(w, (p.hallDepth-1.5)/2, 1.5, f.hall)
	}
	if !p.lean {
		f.frame()
	}
	f.stair()
	if p.shaft {
		e := f.newElem("G", "generic")
		e.name, e.material = "Riser shaft", "masonry"
		c := f.shaftC
		e.g = geo{kind: "extrusion", height: H,
			profile: rect{c[0] - 0.9, c[1] - 0.9, c[0] + 0.9, c[1] + 0.9}.ring(),
			holes:   [][][2]float64{rect{c[0] - 0.75, c[1] - 0.75, c[0] + 0.75, c[1] + 0.75}.ring()}}
		e.props = append(e.props, str("service", "electrical, data & water risers"), boolean("fire_stopped", true))
		f.emit()
	}
	if f.fi == len(p.floors)-1 {
		c := f.cell(0, 0, 0)
		e := f.newElem("RF", "roof")
		e.name, e.material = "Roof", "EPDM membrane on concrete"
		e.g = geo{kind: "extrusion", base: H - slabThick, height: 0.45, profile: p.footprint,
			holes: [][][2]float64{{{c.x0 + 1, c.y0 + 1}, {c.x0 + 2.2, c.y0 + 1}, {c.x0 + 2.2, c.y0 + 2.2}, {c.x0 + 1, c.y0 + 2.2}}}}
		e.props = append(e.props, str("membrane", "EPDM"), num("insulation_mm", 200), boolean("green_roof", p.seed%2 == 0))
		f.emit()
	}
}

func (f *floorGen) slab() {
	p := f.p
	e := f.newElem("S", "slab")
	e.name, e.material = "Floor slab", "reinforced concrete"
	e.g = geo{kind: "extrusion", base: -slabThick, height: slabThick, profile: p.footprint}
	if f.fp.level > 0 {
		c := f.cell(0, 0, 0)
		e.g.holes = append(e.g.holes, rect{c.x0 + 0.6, c.y0 + 0.6, c.x0 + 3.6, c.y1 - 0.6}.ring())
		if p.shaft {
			s := f.shaftC
			e.g.holes = append(e.g.holes, rect{s[0] - 0.75, s[1] - 0.75, s[0] + 0.75, s[1] + 0.75}.ring())
		}
	}
	e.props = append(e.props, str("concrete_grade", "C30/37"), num("thickness_mm", 300), str("fire_rating", "REI 120"))
	f.emit()
}

func (f *floorGen) wall(a, b [2]float64, thick, height float64, exterior bool, name string) int {
	if exterior {
		return f.wallMat(a, b, thick, height, name, f.p.exterior)
	}
	return f.wallMat(a, b, thick, height, name, "gypsum board")
}

func (f *floorGen) wallMat(a, b [2]float64, thick, height float64, name, material string) int {
	e := f.newElem("W", "wall")
	e.name, e.material = name, material
	e.g = geo{kind: "line", start: a, end: b, thickness: thick, height: height}
	if thick >= extThick {
		e.props = append(e.props, str("fire_rating", "REI 90"), boolean("load_bearing", true), num("u_value", 0.22))
	} else {
		e.props = append(e.props, str("fire_rating", "EI 30"), boolean("load_bearing", false), str("acoustic_rating", "Rw 45 dB"))
	}
	return f.emit()
}

func (f *floorGen) door(host int, offset, width, height float64, ri int, name string) {
	e := f.newElem("D", "door")
	e.name, e.material, e.host, e.room = name, "oak veneer", host, ri
	e.g = geo{kind: "opening", offset: offset, width: width, height: height}
	e.props = append(e.props, str("fire_rating", "EI 30"), boolean("self_closing", width > 1), str("hardware", "lever & lock"))
	f.emit()
	if ri >= 0 {
		f.hasDoor[ri] = true
	}
}

// roomDoor gives a room its door onto the corridor, somewhere along the wall,
// unless it has one already (an L-shaped room meets the corridor twice).
func (f *floorGen) roomDoor(host, ri int, length float64) {
	if ri < 0 || f.hasDoor[ri] {
		return
	}
	width := 0.9
	switch f.rooms[ri].kind {
	case &kindLobby, &kindHall, &kindCafe:
		width = 1.8
	case &kindMeeting, &kindTraining, &kindLab:
		width = 1.0
	}
	offset := 0.4 + f.rng.Float64()*(length-0.8-width)
	offset = math.Floor(offset*20) / 20
	f.door(host, offset, width, f.doorHeight, ri, "Door")
}

func (f *floorGen) window(host int, offset, width float64, ri int) {
	e := f.newElem("WN", "window")
	e.name, e.material, e.host, e.room = "Window", "aluminium & triple glazing", host, ri
	e.g = geo{kind: "opening", offset: offset, width: width, height: f.winHeight, sill: f.sill}
	e.props = append(e.props, str("glazing", "triple"), num("u_value", 0.8), boolean("operable", f.seq%2 == 0))
	f.emit()
}

// windows spaces the floor's windows evenly along a façade bay; those past tri
// (the cut-off corner of a diagonal wall) light the small room behind it.
func (f *floorGen) windows(host int, length float64, ri int, tri float64) {
	m := f.winPerBay
	slot := length / float64(m)
	width := math.Min(slot-0.8, 2.4)
	for k := range m {
		offset := float64(k)*slot + (slot-width)/2
		r := ri
		if offset+width/2 > tri {
			r = f.diagTri
		}
		f.window(host, offset, width, r)
	}
}

// sideOpenings cuts the end façade of a strip (running south to north): a
// window for each side's room, and the corridor's exit door (ground floor) or window.
func (f *floorGen) sideOpenings(host, s, bay int) {
	p := f.p
	if f.fp.level == 0 {
		w := math.Min(1.8, p.corr-0.6)
		f.door(host, p.dr+(p.corr-w)/2, w, 2.2, f.corridor[s], "Exit door")
	} else {
		f.window(host, p.dr+0.4, p.corr-0.8, f.corridor[s])
	}
	if p.lean {
		return
	}
	f.window(host, (p.dr-1.0)/2, 1.0, f.outer[f.cellIndex(s, 0, bay)])
	f.window(host, p.dr+p.corr+0.75*p.dr-0.5, 1.0, f.outer[f.cellIndex(s, 1, bay)])
}

// frame emits the columns along the corridors and the beams across them.
func (f *floorGen) frame() {
	p := f.p
	h := f.fp.height - slabThick
	for s := range p.ns {
		ys := float64(s)*p.sd + p.dr
		for i := 0; i <= p.nx; i++ {
			x := float64(i) * p.bx
			f.column(x, ys, h, f.roundColumns)
			f.column(x, ys+p.corr, h, f.roundColumns)
		}
		for i := 0; i <= p.nx; i += 2 {
			f.beam([3]float64{float64(i) * p.bx, ys + p.corr/2, h - 0.5}, p.corr, 0.5, 0.3)
		}
	}
	if p.lshape {
		for j := 1; j < p.hallBays; j++ {
			c := f.hallColumn(j)
			f.column(c[0], c[1], h, true)
			f.beam([3]float64{c[0], c[1], h - 0.6}, p.hallDepth, 0.6, 0.4)
		}
	}
}

func (f *floorGen) column(x, y, h float64, round bool) {
	e := f.newElem("C", "column")
	e.name, e.material = "Column", "reinforced concrete"
	if round {
		const r = 0.225
		for k := range 12 {
			a := float64(k) * math.Pi / 6
			f.ring[k] = [2]float64{x + r*math.Cos(a), y + r*math.Sin(a)}
		}
		e.g = geo{kind: "extrusion", height: h, profile: f.ring[:12]}
		e.props = append(e.props, str("section", "Ø450"), str("grade", "C40/50"))
	} else {
		e.g = geo{kind: "box", pos: [3]float64{x, y, 0}, size: [3]float64{0.4, 0.4, h}}
		e.props = append(e.props, str("section", "400x400"), str("grade", "C40/50"))
	}
	f.emit()
}

// beam spans north-south; odd floors describe the same beam turned 90°.
func (f *floorGen) beam(pos [3]float64, span, depth, width float64) {
	e := f.newElem("B", "beam")
	e.name, e.material = "Beam", "steel"
	e.g = geo{kind: "box", pos: pos, size: [3]float64{width, span, depth}}
	if f.fi%2 == 1 {
		e.g.size, e.g.rot = [3]float64{span, width, depth}, 90
	}
	e.props = append(e.props, str("section", "HEB 300"), str("grade", "S355"), boolean("fireproofed", true))
	f.emit()
}

func (f *floorGen) stair() {
	c := f.cell(0, 0, 0)
	ri := f.inner[f.cellIndex(0, 0, 0)]
	H := f.fp.height
	risers := math.Round(H / 0.175)
	e := f.newElem("ST", "stair")
	e.name, e.material, e.room = "Stair 1", "precast concrete", ri
	e.g = geo{kind: "extrusion", height: H, profile: rect{c.x0 + 0.8, c.y0 + 0.8, c.x0 + 3.4, c.y1 - 0.8}.ring()}
	e.props = append(e.props, num("risers", risers), num("riser_height_mm", round(H*1000/risers, 10)),
		num("going_mm", 280), str("escape_route", "yes"))
	f.emit()
	e = f.newElem("RL", "railing")
	e.name, e.material, e.room = "Stair railing", "stainless steel", ri
	e.g = geo{kind: "line", start: [2]float64{c.x0 + 3.5, c.y0 + 0.8}, end: [2]float64{c.x0 + 3.5, c.y1 - 0.8},
		thickness: 0.05, height: 1.1}
	e.props = append(e.props, str("finish", "brushed"), num("height_mm", 1100))
	f.emit()
}
