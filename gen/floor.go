package gen

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// floorGen makes one floor: it lays the rooms out on the grid, then emits the
// structure, then the contents of each room, then the floor's connections.
// One floorGen is reused from floor to floor, so its buffers are too.
type floorGen struct {
	g   *gen
	p   *plan
	fp  *floorPlan
	fi  int
	pcg rand.PCG
	rng *rand.Rand

	seq   int // the last element's sequence number on this floor
	count int // elements made so far
	e     elem
	rooms []room
	conns []conn

	// layout: the room of each cell (see cellIndex); inner is the part on the
	// corridor, outer the part away from it (they differ for L-shaped rooms).
	kinds        []cellKind
	inner, outer []int
	corridor     []int // corridor room of each strip
	utility      []int // room holding each strip's plant
	hasDoor      []bool
	lS, lJ       int // L-shaped room: strip and first bay, lS < 0 when none
	dS, dD       int // diagonal wall: strip and bay, dS < 0 when none
	diagTri      int // the triangular room cut off by the diagonal wall
	hall         int // the hall of the L wing, -1 when none
	shaftC       [2]float64

	// per floor style
	roundColumns bool
	winPerBay    int
	winHeight    float64
	sill         float64
	doorHeight   float64

	// contents
	alloc      []int    // contents per room
	isPlant    []bool   // the room holds a strip's plant
	infra      [][5]int // per strip: panel, switch, air handler, water heater, fire panel (-1 none)
	slots      [][2]float64
	eqPicks    int // equipment picked at random so far (the first few cover every system)
	eqStatuses int // equipment given a status so far (the first five cover every status)
	genericOK  bool
	ring       [16][2]float64
	verts      [6][3]float64
}

type cellKind uint8

const (
	ckNormal cellKind = iota
	ckStair
	ckUtility
	ckShaft
	ckLobby
	ckCafe
	ckL      // first bay of an L-shaped room
	ckLSmall // second bay: the L's foot on the corridor side, a small room behind it
	ckDiag   // a corner cut off by a diagonal wall
)

// elem is one element before it is written; lengths in metres.
type elem struct {
	code, typ, name, material string
	system, status            string
	seq                       int
	room                      int // index in floorGen.rooms, -1 none
	host                      int // sequence number of the host wall, -1 none
	g                         geo
	props                     []prop
}

// conn is a connection between two elements, by floor index and sequence number.
type conn struct {
	fromFloor, fromSeq int
	toFloor, toSeq     int
	fromCode, toCode   string
	typ, spec          string
}

type rect struct{ x0, y0, x1, y1 float64 }

func (r rect) inset(d float64) rect { return rect{r.x0 + d, r.y0 + d, r.x1 - d, r.y1 - d} }
func (r rect) ring() [][2]float64 {
	return [][2]float64{{r.x0, r.y0}, {r.x1, r.y0}, {r.x1, r.y1}, {r.x0, r.y1}}
}
func (r rect) overlaps(o rect) bool {
	return r.x0 < o.x1 && o.x0 < r.x1 && r.y0 < o.y1 && o.y0 < r.y1
}

type room struct {
	id, name string
	kind     *roomKind
	boundary [][2]float64
	holes    [][][2]float64
	height   float64 // 0: the floor's
	area     rect    // where contents go
	avoid    []rect  // parts of area to keep clear (holes)
	strip    int
	sqm      float64 // floor area in m²
}

func (g *gen) floor(i int) {
	f := &g.fg
	f.start(g, i)
	f.layout()
	if g.write {
		f.writeRooms()
	}
	f.structure()
	f.contents()
	if g.write {
		if !g.p.ndjson {
			g.bw.WriteString("\n]}")
		}
		g.stats.Rooms += len(f.rooms)
	}
	f.flushConns()
}

func (f *floorGen) start(g *gen, i int) {
	f.g, f.p, f.fi, f.fp = g, g.p, i, &g.p.floors[i]
	f.pcg.Seed(g.p.seed, uint64(i)*0x9E3779B97F4A7C15+0x632BE59BD9B4E019)
	if f.rng == nil {
		f.rng = rand.New(&f.pcg)
	}
	f.seq, f.count = 0, 0
	f.rooms, f.conns = f.rooms[:0], f.conns[:0]
	f.eqPicks, f.eqStatuses, f.genericOK = 0, 0, true
	f.roundColumns = i%2 == 1
	f.winPerBay = 1 + f.rng.IntN(2)
	if f.p.lean {
		f.winPerBay = 1
	}
	f.winHeight = []float64{1.5, 1.6, 1.8}[f.rng.IntN(3)]
	f.sill = []float64{0.8, 0.9, 1.0}[f.rng.IntN(3)]
	f.doorHeight = 2.1
	if f.fp.level == 0 {
		f.doorHeight = 2.2
	}
}

func (f *floorGen) cellIndex(s, band, i int) int { return (s*2+band)*f.p.nx + i }

// cell is the rectangle of a cell, on wall centre lines; band 0 is south of the
// strip's corridor, 1 north.
func (f *floorGen) cell(s, band, i int) rect {
	p := f.p
	y0 := float64(s) * p.sd
	if band == 1 {
		y0 += p.dr + p.corr
	}
	return rect{float64(i) * p.bx, y0, float64(i+1) * p.bx, y0 + p.dr}
}

func (f *floorGen) layout() {
	p, rng := f.p, f.rng
	n := 2 * p.ns * p.nx
	f.kinds = resize(f.kinds, n)
	f.inner = resize(f.inner, n)
	f.outer = resize(f.outer, n)
	clear(f.kinds)
	f.corridor = resize(f.corridor, p.ns)
	f.utility = resize(f.utility, p.ns)

	f.kinds[f.cellIndex(0, 0, 0)] = ckStair
	for s := range p.ns {
		u := 0
		if s == 0 {
			u = 1
		}
		f.utility[s] = -1
		if u < p.nx && !p.lean {
			f.kinds[f.cellIndex(s, 0, u)] = ckUtility
		}
	}
	if p.shaft {
		f.kinds[f.cellIndex(0, 1, 2)] = ckShaft
		c := f.cell(0, 1, 2)
		f.shaftC = [2]float64{(c.x0 + c.x1) / 2, (c.y0 + c.y1) / 2}
	}
	if f.fp.level == 0 {
		if p.nx >= 3 && f.kinds[f.cellIndex(0, 0, p.nx/2)] == ckNormal {
			f.kinds[f.cellIndex(0, 0, p.nx/2)] = ckLobby
		}
		if f.kinds[f.cellIndex(0, 1, 0)] == ckNormal {
			f.kinds[f.cellIndex(0, 1, 0)] = ckCafe
		}
	}
	f.lS, f.dS, f.diagTri, f.hall = -1, -1, -1, -1
	if p.nx >= 4 && rng.IntN(2) == 0 {
		s := rng.IntN(p.ns)
		var cand [64]int
		nc := 0
		for j := 0; j+1 < p.nx && nc < len(cand); j++ {
			if f.kinds[f.cellIndex(s, 1, j)] == ckNormal && f.kinds[f.cellIndex(s, 1, j+1)] == ckNormal {
				cand[nc] = j
				nc++
			}
		}
		if nc > 0 {
			f.lS, f.lJ = s, cand[rng.IntN(nc)]
			f.kinds[f.cellIndex(s, 1, f.lJ)] = ckL
			f.kinds[f.cellIndex(s, 1, f.lJ+1)] = ckLSmall
		}
	}
	if p.nx >= 3 && rng.IntN(2) == 0 {
		s := rng.IntN(p.ns)
		var cand [64]int
		nc := 0
		for d := 0; d < p.nx && nc < len(cand); d++ {
			if f.kinds[f.cellIndex(s, 0, d)] == ckNormal {
				cand[nc] = d
				nc++
			}
		}
		if nc > 0 {
			f.dS, f.dD = s, cand[rng.IntN(nc)]
			f.kinds[f.cellIndex(s, 0, f.dD)] = ckDiag
		}
	}

	for s := range p.ns {
		for i := range p.nx {
			f.cellRooms(s, 0, i)
		}
		y0 := float64(s)*p.sd + p.dr
		ri := f.addRoom(&kindCorridor, "Corridor "+strconv.Itoa(f.fp.level)+"."+strconv.Itoa(s+1),
			rect{0, y0, p.width, y0 + p.corr}.ring(), s)
		f.rooms[ri].area = rect{0.3, y0 + 0.3, p.width - 0.3, y0 + p.corr - 0.3}
		f.corridor[s] = ri
		if f.utility[s] < 0 {
			f.utility[s] = ri // no plant room in this strip: the plant stands in the corridor
		}
		for i := range p.nx {
			f.cellRooms(s, 1, i)
		}
	}
	if p.lshape {
		xh := p.width - float64(p.hallBays)*p.bx
		r := rect{xh, p.depth, p.width, p.depth + p.hallDepth}
		name := "Conference Hall"
		if f.fp.level%3 == 1 {
			name = "Event Hall \"Atrium\""
		}
		ri := f.addRoom(&kindHall, name, r.ring(), p.ns-1)
		h := &f.rooms[ri]
		for j := 1; j < p.hallBays; j++ {
			c := f.hallColumn(j)
			hole := rect{c[0] - 0.4, c[1] - 0.4, c[0] + 0.4, c[1] + 0.4}
			h.holes = append(h.holes, hole.ring())
			h.avoid = append(h.avoid, hole.inset(-0.3))
			h.sqm -= 0.64
		}
		f.hall = ri
	}
	f.hasDoor = resize(f.hasDoor, len(f.rooms))
	clear(f.hasDoor)
}

func (f *floorGen) hallColumn(j int) [2]float64 {
	p := f.p
	return [2]float64{p.width - float64(p.hallBays-j)*p.bx, p.depth + p.hallDepth/2}
}

// cellRooms makes the room or rooms of one cell.
func (f *floorGen) cellRooms(s, band, i int) {
	p := f.p
	ci := f.cellIndex(s, band, i)
	c := f.cell(s, band, i)
	lvl := f.fp.level
	set := func(ri int) { f.inner[ci], f.outer[ci] = ri, ri }
	switch f.kinds[ci] {
	case ckStair:
		ri := f.addRoom(&kindStair, "Stair 1", c.ring(), s)
		f.rooms[ri].area = rect{c.x0 + 3.7, c.y0 + 0.5, c.x1 - 0.4, c.y1 - 0.5}
		set(ri)
	case ckUtility:
		name := "Electrical & IT Room"
		if s > 0 {
			name = "Plant Room " + strconv.Itoa(lvl) + "." + strconv.Itoa(s+1)
		}
		ri := f.addRoom(&kindUtility, name, c.ring(), s)
		f.utility[s] = ri
		set(ri)
	case ckShaft:
		k := &kindOpenOffice
		ri := f.addRoom(k, f.roomName(k), c.ring(), s)
		r := &f.rooms[ri]
		hole := rect{f.shaftC[0] - 0.9, f.shaftC[1] - 0.9, f.shaftC[0] + 0.9, f.shaftC[1] + 0.9}
		r.holes = append(r.holes, hole.ring())
		r.avoid = append(r.avoid, hole.inset(-0.4))
		r.sqm -= 1.8 * 1.8
		set(ri)
	case ckLobby:
		set(f.addRoom(&kindLobby, "Main Lobby", c.ring(), s))
	case ckCafe:
		set(f.addRoom(&kindCafe, "Café", c.ring(), s))
	case ckL:
		k := []*roomKind{&kindOpenOffice, &kindLab, &kindOffice}[f.rng.IntN(3)]
		x2 := c.x1 + p.bx
		ymid := c.y0 + p.dr/2
		ring := [][2]float64{{c.x0, c.y0}, {x2, c.y0}, {x2, ymid}, {c.x1, ymid}, {c.x1, c.y1}, {c.x0, c.y1}}
		ri := f.addRoom(k, f.roomName(k), ring, s)
		f.rooms[ri].area = c.inset(0.5)
		set(ri)
		sk := []*roomKind{&kindStorage, &kindCopy, &kindOffice}[f.rng.IntN(3)]
		small := rect{c.x1, ymid, x2, c.y1}
		si := f.addRoom(sk, f.roomName(sk), small.ring(), s)
		ci2 := f.cellIndex(s, band, i+1)
		f.inner[ci2], f.outer[ci2] = ri, si
	case ckLSmall:
		// made with its ckL neighbour
	case ckDiag:
		const a = 2.0
		k := f.pickKind()
		penta := [][2]float64{{c.x0, c.y0}, {c.x1 - a, c.y0}, {c.x1, c.y0 + a}, {c.x1, c.y1}, {c.x0, c.y1}}
		ri := f.addRoom(k, f.roomName(k), penta, s)
		f.rooms[ri].area = rect{c.x0 + 0.5, c.y0 + a + 0.5, c.x1 - 0.5, c.y1 - 0.5}
		set(ri)
		tri := [][2]float64{{c.x1 - a, c.y0}, {c.x1, c.y0}, {c.x1, c.y0 + a}}
		ti := f.addRoom(&kindStorage, "Storage "+strconv.Itoa(lvl)+"."+strconv.Itoa(len(f.rooms)+1), tri, s)
		f.rooms[ti].area = rect{c.x1 - a/2 + 0.1, c.y0 + 0.2, c.x1 - 0.2, c.y0 + a/2 - 0.1}
		f.diagTri = ti
	default:
		k := f.pickKind()
		set(f.addRoom(k, f.roomName(k), c.ring(), s))
	}
}

func (f *floorGen) addRoom(k *roomKind, name string, boundary [][2]float64, strip int) int {
	r := room{id: f.fp.id + "-R" + string(appendPad(nil, len(f.rooms)+1, 3)), name: name, kind: k,
		boundary: boundary, strip: strip, sqm: math.Abs(ringArea(boundary))}
	if k.ceiling > 0 {
		r.height = f.fp.height - k.ceiling
	}
	lo, hi := bbox(boundary)
	r.area = rect{lo[0], lo[1], hi[0], hi[1]}.inset(0.5)
	f.rooms = append(f.rooms, r)
	return len(f.rooms) - 1
}

func (f *floorGen) pickKind() *roomKind {
	total := 0
	for _, k := range cellKinds {
		total += k.share
	}
	n := f.rng.IntN(total)
	for _, k := range cellKinds {
		if n < k.share {
			return k
		}
		n -= k.share
	}
	return cellKinds[0]
}

// roomName gives most rooms a plain English name with a number, and a few an
// accented, CJK or markup-like one, so every writer's escaping gets exercised.
func (f *floorGen) roomName(k *roomKind) string {
	number := strconv.Itoa(f.fp.level) + "." + string(appendPad(nil, len(f.rooms)+1, 2))
	roll := f.rng.IntN(100)
	if roll < len(k.odd)*3 {
		return k.odd[roll/3]
	}
	return k.name + " " + number
}

func (f *floorGen) roomHeight(ri int) float64 {
	if ri >= 0 && f.rooms[ri].height > 0 {
		return f.rooms[ri].height
	}
	return f.fp.height - 0.3
}

func ringArea(r [][2]float64) float64 {
	a := 0.0
	for i := range r {
		j := (i + 1) % len(r)
		a += r[i][0]*r[j][1] - r[j][0]*r[i][1]
	}
	return a / 2
}

func bbox(r [][2]float64) (lo, hi [2]float64) {
	lo, hi = r[0], r[0]
	for _, p := range r[1:] {
		lo = [2]float64{min(lo[0], p[0]), min(lo[1], p[1])}
		hi = [2]float64{max(hi[0], p[0]), max(hi[1], p[1])}
	}
	return lo, hi
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// newElem resets the scratch element for the next one.
func (f *floorGen) newElem(code, typ string) *elem {
	e := &f.e
	props := e.props[:0]
	*e = elem{code: code, typ: typ, room: -1, host: -1, props: props}
	return e
}

// connect records a connection to an element of this floor, from one of this floor
// or an earlier one. Ends that do not exist (no plant on a tiny building) are skipped.
func (f *floorGen) connect(fromFloor int, fromCode string, fromSeq int, toCode string, toSeq int, typ, spec string) {
	if fromSeq < 0 || toSeq < 0 {
		return
	}
	f.conns = append(f.conns, conn{fromFloor: fromFloor, fromSeq: fromSeq, fromCode: fromCode,
		toFloor: f.fi, toSeq: toSeq, toCode: toCode, typ: typ, spec: spec})
	if len(f.conns) >= maxPendingConns {
		f.flushConns()
	}
}
