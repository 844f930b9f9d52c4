package gen

import (
	"math"

	"github.com/arxos/arxport/model"
)

// contents fills the rooms: the plant of each strip first (so every load knows the
// ids of the panel, switch, air handler, water heater and fire panel feeding it),
// then furniture, equipment and the odd sculpture, shared out by floor area so the
// floor reaches its element budget.
func (f *floorGen) contents() {
	p := f.p
	want := f.fp.budget - f.count - f.plantCount()
	least := 12
	if p.lean {
		least = 3
	}
	want = max(want, least)

	f.infra = resize(f.infra, p.ns)
	f.alloc = resize(f.alloc, len(f.rooms))
	f.isPlant = resize(f.isPlant, len(f.rooms))
	clear(f.isPlant)
	total := 0.0
	for i := range f.rooms {
		total += f.rooms[i].sqm * f.rooms[i].kind.weight
	}
	acc, prev := 0.0, 0
	for i := range f.rooms {
		acc += f.rooms[i].sqm * f.rooms[i].kind.weight
		cur := int(math.Round(float64(want) * acc / total))
		f.alloc[i], prev = cur-prev, cur
	}
	for s := range p.ns {
		f.infra[s] = [5]int{-1, -1, -1, -1, -1}
		f.isPlant[f.utility[s]] = true
	}
	for s := range p.ns {
		ri := f.utility[s]
		f.fillRoom(ri, f.alloc[ri], s)
	}
	for ri := range f.rooms {
		if !f.isPlant[ri] {
			f.fillRoom(ri, f.alloc[ri], -1)
		}
	}
}

// Plant: what a strip's plant room holds, and what the ground floor adds for the
// whole building.
const (
	plPanel = iota
	plSwitch
	plAirHandler
	plWaterHeater
	plFirePanel
)

const (
	mainSwitchboard = iota
	mainCoreSwitch
	mainFireControl
	mainBooster
)

var stripPlant = [5]eqSpec{
	{system: "electrical", code: "EL", name: "Distribution panel", size: [3]float64{0.8, 0.3, 2.0}, mount: 'f',
		makers: []string{"Schneider Electric", "ABB", "Siemens", "Eaton"}, models: []string{"Prisma P", "ArTu L", "SIVACON S4"}},
	{system: "network", code: "NW", name: "Network switch rack", size: [3]float64{0.6, 1.0, 2.0}, mount: 'f', watts: 450,
		makers: []string{"Cisco", "Aruba", "Juniper"}, models: []string{"Catalyst 9300", "CX 6300", "EX4400"}},
	{system: "hvac", code: "HVAC", name: "Air handling unit", size: [3]float64{1.6, 1.0, 1.6}, mount: 'f', watts: 5500,
		makers: []string{"Trane", "Daikin", "Carrier"}, models: []string{"IntelliPak", "Modular L", "AiroVision 39HQ"}},
	{system: "plumbing", code: "PL", name: "Water heater", size: [3]float64{0.6, 0.6, 1.5}, mount: 'f', watts: 3000,
		makers: []string{"A. O. Smith", "Stiebel Eltron", "Rheem"}, models: []string{"Cyclone Xi", "SHW 300 S", "Marathon"}},
	{system: "fire", code: "FA", name: "Fire alarm panel", size: [3]float64{0.5, 0.15, 0.7}, mount: 'w', z: 1.2, watts: 60,
		makers: []string{"Siemens", "Honeywell", "Hochiki"}, models: []string{"FC2060", "Notifier NFS2", "Latitude"}},
}

var buildingPlant = [4]eqSpec{
	{system: "electrical", code: "EL", name: "Main switchboard", size: [3]float64{2.4, 0.6, 2.2}, mount: 'f',
		makers: []string{"Schneider Electric", "Siemens"}, models: []string{"Okken", "SIVACON S8"}},
	{system: "network", code: "NW", name: "Core switch", size: [3]float64{0.6, 1.0, 2.0}, mount: 'f', watts: 900,
		makers: []string{"Cisco", "Arista"}, models: []string{"Nexus 9500", "7280R3"}},
	{system: "fire", code: "FA", name: "Fire alarm control panel", size: [3]float64{0.6, 0.2, 0.8}, mount: 'w', z: 1.2, watts: 120,
		makers: []string{"Siemens", "Honeywell"}, models: []string{"Cerberus PRO", "Notifier ONYX"}},
	{system: "plumbing", code: "PL", name: "Booster pump set", size: [3]float64{1.2, 0.8, 1.0}, mount: 'f', watts: 4000,
		makers: []string{"Grundfos", "Wilo"}, models: []string{"Hydro MPC", "SiBoost Smart"}},
}

func (f *floorGen) plantCount() int {
	n := f.p.ns
	if !f.p.lean {
		n *= len(stripPlant)
		if f.fi == 0 {
			n += len(buildingPlant)
		}
	}
	return n
}

// fillRoom places n contents in a room, after the plant of strip when the room
// is that strip's plant room.
func (f *floorGen) fillRoom(ri, n, strip int) {
	nPlant := 0
	withMains := false
	if strip >= 0 {
		nPlant = 1
		if !f.p.lean {
			nPlant = len(stripPlant)
			if f.fi == 0 && strip == 0 {
				withMains = true
				nPlant += len(buildingPlant)
			}
		}
	}
	if nPlant+n == 0 {
		return
	}
	r := &f.rooms[ri]
	sw, sh := f.place(r, nPlant+n)
	k := 0
	next := func() (float64, float64) {
		s := f.slots[k%len(f.slots)]
		k++
		return s[0], s[1]
	}
	if withMains {
		g := f.g
		for i := range buildingPlant {
			x, y := next()
			g.mains[i] = f.plantItem(ri, &buildingPlant[i], x, y, sw, sh)
		}
		f.connect(0, "EL", g.mains[mainSwitchboard], "NW", g.mains[mainCoreSwitch], "power", "400V/3PH/32A")
		f.connect(0, "EL", g.mains[mainSwitchboard], "FA", g.mains[mainFireControl], "power", f.p.mainsVolts)
		f.connect(0, "EL", g.mains[mainSwitchboard], "PL", g.mains[mainBooster], "power", "400V/3PH/16A")
	}
	if strip >= 0 {
		inf := &f.infra[strip]
		for i := range nPlant - btoi(withMains)*len(buildingPlant) {
			x, y := next()
			inf[i] = f.plantItem(ri, &stripPlant[i], x, y, sw, sh)
		}
		if !f.p.lean {
			g := f.g
			f.connect(0, "EL", g.mains[mainSwitchboard], "EL", inf[plPanel], "power", "400V/3PH/125A")
			f.connect(0, "NW", g.mains[mainCoreSwitch], "NW", inf[plSwitch], "network", "10GBASE-SR fibre")
			f.connect(0, "FA", g.mains[mainFireControl], "FA", inf[plFirePanel], "logical", "addressable loop")
			f.connect(0, "PL", g.mains[mainBooster], "PL", inf[plWaterHeater], "plumbing", "DN50 riser")
			fi := f.fi
			f.connect(fi, "EL", inf[plPanel], "NW", inf[plSwitch], "power", f.p.mainsVolts)
			f.connect(fi, "EL", inf[plPanel], "HVAC", inf[plAirHandler], "power", "400V/3PH/32A")
			f.connect(fi, "EL", inf[plPanel], "PL", inf[plWaterHeater], "power", "400V/3PH/16A")
			f.connect(fi, "EL", inf[plPanel], "FA", inf[plFirePanel], "power", f.p.mainsVolts)
		}
	}
	for i := range n {
		x, y := next()
		f.content(ri, i, x, y, sw, sh)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (f *floorGen) plantItem(ri int, sp *eqSpec, x, y, sw, sh float64) int {
	e := f.newElem(sp.code, "equipment")
	e.name, e.system, e.room = sp.name, sp.system, ri
	e.status = f.randomStatus()
	e.g = f.boxAt(x, y, sp.size, sp.mount, sp.z, 0, ri, sw, sh)
	f.equipmentProps(sp, true)
	return f.emit()
}

// content makes the i-th item of a room: a light and a smoke detector first, one
// sculpture per floor, then furniture and equipment in the room kind's mix.
func (f *floorGen) content(ri, i int, x, y, sw, sh float64) {
	k := f.rooms[ri].kind
	rng := f.rng
	switch {
	case i == 0:
		f.equipment(ri, &systemCatalog[6][rng.IntN(len(systemCatalog[6]))], x, y, sw, sh)
	case i == 1:
		f.equipment(ri, &systemCatalog[3][0], x, y, sw, sh)
	case i == 2 && f.genericOK && k.sculpture:
		f.genericOK = false
		f.generic(ri, x, y, sw, sh)
	default:
		roll := rng.Float64()
		switch {
		case roll < 0.006:
			f.generic(ri, x, y, sw, sh)
		case roll < k.eq:
			sys := 0
			if f.eqPicks < len(model.Systems) {
				sys = (f.eqPicks + f.fp.level) % len(model.Systems)
			} else {
				sys = pickWeighted(rng.IntN(k.sysTotal()), k.systems[:])
			}
			f.eqPicks++
			list := systemCatalog[sys]
			f.equipment(ri, &list[rng.IntN(len(list))], x, y, sw, sh)
		default:
			f.furniture(ri, x, y, sw, sh)
		}
	}
}

func pickWeighted(n int, weights []int) int {
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// randomStatus is mostly operational.
func (f *floorGen) randomStatus() string {
	n := f.rng.IntN(100)
	switch {
	case n < 80:
		return "operational"
	case n < 87:
		return "warning"
	case n < 92:
		return "maintenance"
	case n < 95:
		return "failed"
	}
	return "unknown"
}

func (f *floorGen) equipment(ri int, sp *eqSpec, x, y, sw, sh float64) {
	e := f.newElem(sp.code, "equipment")
	e.name, e.system, e.room = sp.name, sp.system, ri
	if f.eqStatuses < len(model.Statuses) {
		// every floor shows every status at least once
		e.status = model.Statuses[(f.eqStatuses+f.fp.level)%len(model.Statuses)]
		f.eqStatuses++
	} else {
		e.status = f.randomStatus()
	}
	rot := 0.0
	if sp.mount == 'f' {
		rot = float64(90 * f.rng.IntN(4))
	}
	e.g = f.boxAt(x, y, sp.size, sp.mount, sp.z, rot, ri, sw, sh)
	f.equipmentProps(sp, false)
	seq := f.emit()

	inf := &f.infra[f.rooms[ri].strip]
	if sp.watts > 0 {
		f.connect(f.fi, "EL", inf[plPanel], sp.code, seq, "power", f.p.mainsVolts)
	}
	switch sp.feed {
	case 'n':
		f.connect(f.fi, "NW", inf[plSwitch], sp.code, seq, "network", "Cat6A")
	case 'a':
		f.connect(f.fi, "HVAC", inf[plAirHandler], sp.code, seq, "hvac", "Ø250 duct")
	case 't':
		f.connect(f.fi, "HVAC", inf[plAirHandler], sp.code, seq, "logical", "BACnet MS/TP")
	case 'w':
		f.connect(f.fi, "PL", inf[plWaterHeater], sp.code, seq, "plumbing", "DN15 copper")
	case 'f':
		f.connect(f.fi, "FA", inf[plFirePanel], sp.code, seq, "logical", "addressable loop")
	}
}

var oddMakers = []string{"Müller & Söhne GmbH", `Acme "Pro" <Labs>`, "Nordisk Ventilasjon ÅS", "株式会社テクノ"}

func (f *floorGen) equipmentProps(sp *eqSpec, plant bool) {
	e := &f.e
	rng := f.rng
	makers := sp.makers
	if makers == nil {
		makers = systemMakers[sp.system]
	}
	maker := makers[rng.IntN(len(makers))]
	if !plant && rng.IntN(60) == 0 {
		maker = oddMakers[rng.IntN(len(oddMakers))]
	}
	e.props = append(e.props,
		str("manufacturer", maker),
		str("model", sp.models[rng.IntN(len(sp.models))]),
		tag("serial", "SN-", f.hash(f.seq+1)),
		num("install_year", float64(2008+rng.IntN(17))),
		boolean("critical", plant || rng.IntN(10) == 0))
	if sp.watts > 0 {
		e.props = append(e.props, num("power_w", sp.watts))
	}
}

// hash gives an element a stable pseudo-random tag (serial number, asset tag).
func (f *floorGen) hash(seq int) uint64 {
	x := f.p.seed ^ uint64(f.fi)<<40 ^ uint64(seq)
	x += 0x9E3779B97F4A7C15
	x = (x ^ x>>30) * 0xBF58476D1CE4E5B9
	x = (x ^ x>>27) * 0x94D049BB133111EB
	return (x ^ x>>31) & 0xffffffff
}

var rotations = []float64{0, 90, 180, 270, 15, 30, 45, 60, 120, 135, 200, 330, 22.5, -30}

func (f *floorGen) furniture(ri int, x, y, sw, sh float64) {
	k := f.rooms[ri].kind
	rng := f.rng
	fs := &furnitureCatalog[k.furniture[rng.IntN(len(k.furniture))]]
	e := f.newElem("F", "furniture")
	e.name, e.material, e.room = fs.name, fs.material, ri
	e.g = f.boxAt(x, y, fs.size, 'f', 0, rotations[rng.IntN(len(rotations))], ri, sw, sh)
	e.props = append(e.props,
		tag("asset_tag", "AT-", f.hash(f.seq+1)),
		boolean("movable", fs.size[2] < 1.5),
		num("cost", round(fs.cost*(0.8+0.4*rng.Float64()), 100)),
		str("vendor", vendors[rng.IntN(len(vendors))]))
	f.emit()
}

var vendors = []string{"Steelcase", "Herman Miller", "Vitra", "IKEA", "Hay & Co.", "Möbelwerk Köln", "Knoll", "Kokuyo"}

// boxAt makes a box centred in a slot, shrunk to fit it at its rotation, standing
// on the floor, hung from the ceiling or fixed to a wall at height z.
func (f *floorGen) boxAt(x, y float64, size [3]float64, mount byte, z, rot float64, ri int, sw, sh float64) geo {
	s, c := math.Sincos(rot * math.Pi / 180)
	s, c = math.Abs(s), math.Abs(c)
	bw, bh := c*size[0]+s*size[1], s*size[0]+c*size[1]
	if k := math.Min(0.9*sw/bw, 0.9*sh/bh); k < 1 {
		size[0], size[1] = size[0]*k, size[1]*k
	}
	switch mount {
	case 'c':
		z = f.roomHeight(ri) - size[2]
	case 'f':
		z = 0
	}
	return geo{kind: "box", pos: [3]float64{x, y, z}, size: size, rot: rot}
}

// Closed meshes, wound counter-clockwise seen from outside.
var (
	octahedron  = [][3]int{{0, 2, 4}, {2, 1, 4}, {1, 3, 4}, {3, 0, 4}, {2, 0, 5}, {1, 2, 5}, {3, 1, 5}, {0, 3, 5}}
	tetrahedron = [][3]int{{0, 2, 1}, {0, 1, 3}, {1, 2, 3}, {2, 0, 3}}
)

func (f *floorGen) generic(ri int, x, y, sw, sh float64) {
	r := math.Min(0.45, 0.4*math.Min(sw, sh))
	e := f.newElem("G", "generic")
	e.room = ri
	if f.rng.IntN(2) == 0 {
		e.name, e.material = "Sculpture \"Octa\"", "bronze"
		f.verts = [6][3]float64{{x + r, y, r}, {x - r, y, r}, {x, y + r, r}, {x, y - r, r}, {x, y, 2 * r}, {x, y, 0}}
		e.g = geo{kind: "mesh", verts: f.verts[:6], tris: octahedron}
	} else {
		e.name, e.material = "Planter <prism>", "fibre cement"
		f.verts = [6][3]float64{{x - r, y - 0.577*r, 0}, {x + r, y - 0.577*r, 0}, {x, y + 1.155*r, 0}, {x, y, 1.6 * r}}
		e.g = geo{kind: "mesh", verts: f.verts[:4], tris: tetrahedron}
	}
	e.props = append(e.props, str("artist", "Studio Ñandú & Partners"), num("year", float64(1990+f.rng.IntN(35))),
		boolean("on_loan", f.rng.IntN(3) == 0))
	f.emit()
}

// place lays a grid of n slots over the room's free area, skipping the parts to
// keep clear; it returns the slot size.
func (f *floorGen) place(r *room, n int) (sw, sh float64) {
	a := r.area
	w, h := a.x1-a.x0, a.y1-a.y0
	m := n
	for try := 0; ; try++ {
		cols := max(1, int(math.Ceil(math.Sqrt(float64(m)*w/h))))
		rows := (m + cols - 1) / cols
		sw, sh = w/float64(cols), h/float64(rows)
		f.slots = f.slots[:0]
		for ry := range rows {
			for cx := range cols {
				s := rect{a.x0 + float64(cx)*sw, a.y0 + float64(ry)*sh, 0, 0}
				s.x1, s.y1 = s.x0+sw, s.y0+sh
				clear := true
				for _, av := range r.avoid {
					if s.overlaps(av) {
						clear = false
						break
					}
				}
				if clear {
					f.slots = append(f.slots, [2]float64{(s.x0 + s.x1) / 2, (s.y0 + s.y1) / 2})
				}
			}
		}
		if len(f.slots) >= n || try == 8 {
			break
		}
		m += n - len(f.slots)
	}
	if len(f.slots) == 0 {
		f.slots = append(f.slots, [2]float64{a.x0 + sw/2, a.y0 + sh/2})
	}
	return sw, sh
}
