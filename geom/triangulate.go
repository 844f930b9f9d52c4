package geom

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// ErrDegenerate reports a polygon with no area (fewer than three distinct
// points, or all of them on one line): there is nothing to triangulate.
var ErrDegenerate = errors.New("geom: degenerate polygon")

// Triangulate splits a polygon with holes into counter-clockwise triangles.
// pts is outer followed by each hole's points exactly as given (repeated
// closing points included), so an index in tris maps straight back to the
// caller's data; the winding of each input ring does not matter.
//
// The method is ear clipping after bridging every hole into the outer ring.
// Vertices lying on a straight part of the boundary are kept in the output,
// so neighbouring faces of a solid meet without T-junctions. Invalid input
// (self-intersecting rings, holes outside the outer ring) gets a best effort
// or an error, never a hang: work is bounded by O(n²) ear tests.
func Triangulate(outer Ring, holes []Ring) (pts []Vec2, tris [][3]int, err error) {
	n := len(outer)
	for _, h := range holes {
		n += len(h)
	}
	pts = make([]Vec2, 0, n)
	pts = append(pts, outer...)
	t := &triangulator{nodes: make([]tnode, 0, n+2*len(holes))}
	start := t.addRing(pts, 0, len(outer), true)
	if start < 0 {
		return pts, nil, ErrDegenerate
	}
	var holeStarts []int32
	for _, h := range holes {
		base := len(pts)
		pts = append(pts, h...)
		if s := t.addRing(pts, base, len(h), false); s >= 0 {
			holeStarts = append(holeStarts, s)
		}
	}
	if err := t.bridgeHoles(start, holeStarts); err != nil {
		return pts, nil, err
	}
	t.tris = make([][3]int, 0, len(t.nodes))
	if err := t.clipEars(start); err != nil {
		return pts, t.tris, err
	}
	return pts, t.tris, nil
}

// tnode is a vertex of the ring being clipped, in a doubly linked list.
type tnode struct {
	p          Vec2
	i          int32 // index into pts
	prev, next int32
	// twin marks a vertex sharing its position with another one: the ends of
	// hole bridges, or a vertex the caller repeated. Twins need the wedge
	// test in isEar because a point test cannot tell them apart.
	twin    bool
	removed bool
	// notEar caches a failed ear test until a neighbour is clipped. Other
	// changes (a blocker elsewhere turning convex) can make it stale, so a
	// search that finds nothing but skipped cached vertices retests them all.
	notEar bool
	// turn caches orient(prev, p, next)+2 (0 = not known); it only changes
	// when a neighbour is clipped.
	turn int8
}

type triangulator struct {
	nodes []tnode
	tris  [][3]int
	live  int // vertices left in the merged ring
	grid  blockerGrid
}

// addRing links the distinct consecutive points pts[base:base+n] into a ring
// wound counter-clockwise (ccw) or clockwise, and returns its first node, or
// -1 when the ring has no area.
func (t *triangulator) addRing(pts []Vec2, base, n int, ccw bool) int32 {
	idx := make([]int32, 0, n)
	for i := base; i < base+n; i++ {
		if len(idx) == 0 || pts[idx[len(idx)-1]] != pts[i] {
			idx = append(idx, int32(i))
		}
	}
	for len(idx) > 1 && pts[idx[len(idx)-1]] == pts[idx[0]] {
		idx = idx[:len(idx)-1]
	}
	if len(idx) < 3 {
		return -1
	}
	var area float64
	o := pts[idx[0]]
	for k := 1; k+1 < len(idx); k++ {
		area += pts[idx[k]].Sub(o).Cross(pts[idx[k+1]].Sub(o))
	}
	if area == 0 {
		return -1
	}
	if (area > 0) != ccw {
		slices.Reverse(idx)
	}
	first := int32(len(t.nodes))
	m := int32(len(idx))
	for k, i := range idx {
		k := int32(k)
		t.nodes = append(t.nodes, tnode{
			p:    pts[i],
			i:    i,
			prev: first + (k+m-1)%m,
			next: first + (k+1)%m,
		})
	}
	t.live += len(idx)
	return first
}

// bridgeHoles joins each hole to the outer ring by a pair of coincident,
// opposite edges, rightmost hole first so that later holes may bridge to the
// ones already joined (Eberly, "Triangulation by Ear Clipping").
func (t *triangulator) bridgeHoles(start int32, holes []int32) error {
	type hole struct {
		right int32 // rightmost vertex
	}
	hs := make([]hole, len(holes))
	for k, s := range holes {
		best := s
		for x := t.nodes[s].next; x != s; x = t.nodes[x].next {
			if t.nodes[best].p.Less(t.nodes[x].p) {
				best = x
			}
		}
		hs[k] = hole{best}
	}
	slices.SortFunc(hs, func(a, b hole) int { return -cmpVec2(t.nodes[a.right].p, t.nodes[b.right].p) })
	for _, h := range hs {
		p := t.findBridge(h.right, start)
		if p < 0 {
			return errors.New("geom: a hole is not inside the outer ring")
		}
		t.splice(p, h.right)
	}
	return nil
}

// findBridge returns a vertex of the merged ring visible from hole vertex m,
// which lies left of every other vertex of its hole.
func (t *triangulator) findBridge(m, start int32) int32 {
	mp := t.nodes[m].p
	// Nearest edge hit by a ray from m towards +x. Interior lies left of every
	// edge, so the edge seen from inside runs upward.
	hit, hitX := int32(-1), math.Inf(1)
	a := start
	for {
		b := t.nodes[a].next
		pa, pb := t.nodes[a].p, t.nodes[b].p
		if pa[1] <= mp[1] && mp[1] <= pb[1] && pa[1] != pb[1] {
			x := pa[0] + (mp[1]-pa[1])*(pb[0]-pa[0])/(pb[1]-pa[1])
			if x >= mp[0] && x < hitX {
				hitX = x
				switch {
				case pa[1] == mp[1]:
					hit = a
				case pb[1] == mp[1]:
					hit = b
				case pa[0] > pb[0]:
					hit = a
				default:
					hit = b
				}
			}
		}
		if a = b; a == start {
			break
		}
	}
	if hit < 0 {
		return -1
	}
	// Vertices inside the triangle m, (hitX, my), hit could hide hit from m;
	// the one seen at the smallest angle from the ray is visible. Requiring m
	// to be inside the candidate's own wedge picks the right one among
	// coincident vertices (earlier bridges) and rejects vertices that face
	// away.
	hp := t.nodes[hit].p
	ip := Vec2{hitX, mp[1]}
	minX, maxX := mp[0], math.Max(hitX, hp[0])
	minY, maxY := math.Min(mp[1], hp[1]), math.Max(mp[1], hp[1])
	tri := [3]Vec2{mp, ip, hp}
	if orient(tri[0], tri[1], tri[2]) < 0 {
		tri[1], tri[2] = tri[2], tri[1]
	}
	best, bestTan, bestDist := int32(-1), math.Inf(1), math.Inf(1)
	a = start
	for {
		q := t.nodes[a].p
		if q[0] >= minX && q[0] <= maxX && q[1] >= minY && q[1] <= maxY &&
			inTriangle(q, tri[0], tri[1], tri[2], false) && t.locallyInside(a, mp) {
			dx, dy := q[0]-mp[0], math.Abs(q[1]-mp[1])
			tan := math.Inf(1)
			if dx > 0 {
				tan = dy / dx
			} else if dy == 0 {
				tan = 0
			}
			if dist := dx*dx + dy*dy; tan < bestTan || (tan == bestTan && dist < bestDist) {
				best, bestTan, bestDist = a, tan, dist
			}
		}
		if a = t.nodes[a].next; a == start {
			break
		}
	}
	if best < 0 {
		best = hit
	}
	return best
}

// locallyInside reports whether the direction from vertex x towards p points
// strictly into the polygon's interior at x.
func (t *triangulator) locallyInside(x int32, p Vec2) bool {
	n := &t.nodes[x]
	a, b, q := t.nodes[n.prev].p, t.nodes[n.next].p, n.p
	if orient(a, q, b) > 0 {
		return orient(q, b, p) > 0 && orient(q, a, p) < 0
	}
	return orient(q, b, p) > 0 || orient(q, a, p) < 0
}

// splice links hole vertex m to ring vertex p: p→m, around the hole back to
// m, then copies m'→p' and on to p's old successor.
func (t *triangulator) splice(p, m int32) {
	m2, p2 := int32(len(t.nodes)), int32(len(t.nodes)+1)
	t.nodes = append(t.nodes, t.nodes[m], t.nodes[p])
	an, bp := t.nodes[p].next, t.nodes[m].prev
	t.nodes[p].next, t.nodes[m].prev = m, p
	t.nodes[m2].next, t.nodes[p2].prev = p2, m2
	t.nodes[p2].next, t.nodes[an].prev = an, p2
	t.nodes[bp].next, t.nodes[m2].prev = m2, bp
	t.live += 2
}

// markTwins flags vertices of the ring at start that share a position.
func (t *triangulator) markTwins(start int32) {
	ids := make([]int32, 0, t.live)
	for x := start; ; {
		t.nodes[x].twin = false
		ids = append(ids, x)
		if x = t.nodes[x].next; x == start {
			break
		}
	}
	slices.SortFunc(ids, func(a, b int32) int { return cmpVec2(t.nodes[a].p, t.nodes[b].p) })
	for k := 1; k < len(ids); k++ {
		if t.nodes[ids[k]].p == t.nodes[ids[k-1]].p {
			t.nodes[ids[k]].twin = true
			t.nodes[ids[k-1]].twin = true
		}
	}
}

// Stages of ear search, each tried only when the previous one finds no ear
// anywhere in the ring.
const (
	stageStrict  = iota // nothing of the ring on or in the ear
	stageFlatten        // first drop zero-area corners (spikes, straight runs)
	stageRelaxed        // then accept ears with vertices on their boundary
	stageGiveUp
)

func (t *triangulator) clipEars(start int32) error {
	t.markTwins(start)
	t.grid.build(t, start)
	cur, stage := start, stageStrict
	for t.live > 3 {
		clipped, skipped := false, false
		for x, step := cur, 0; step < t.live; step++ {
			n := &t.nodes[x]
			switch {
			case n.notEar:
				skipped = true
			case t.isEar(x, stage):
				c := n.next
				t.clip(x)
				cur, clipped = t.nodes[c].next, true
			default:
				n.notEar = true
			}
			if clipped {
				break
			}
			x = n.next
		}
		if clipped {
			stage = stageStrict
			continue
		}
		t.forgetNotEars(cur)
		if skipped {
			continue // retest for real before escalating
		}
		stage++
		switch stage {
		case stageFlatten:
			cur = t.flatten(cur)
			t.markTwins(cur)
			t.grid.build(t, cur)
		case stageGiveUp:
			return fmt.Errorf("geom: triangulation failed with %d vertices left (self-intersecting polygon?)", t.live)
		}
	}
	if t.live == 3 {
		a := cur
		b := t.nodes[a].next
		c := t.nodes[b].next
		switch o := orient(t.nodes[a].p, t.nodes[b].p, t.nodes[c].p); {
		case o > 0:
			t.emit(a, b, c)
		case o < 0:
			return errors.New("geom: triangulation failed: inverted remainder (self-intersecting polygon?)")
		}
	}
	return nil
}

func (t *triangulator) forgetNotEars(start int32) {
	for x := start; ; {
		t.nodes[x].notEar = false
		if x = t.nodes[x].next; x == start {
			break
		}
	}
}

func (t *triangulator) emit(a, b, c int32) {
	t.tris = append(t.tris, [3]int{int(t.nodes[a].i), int(t.nodes[b].i), int(t.nodes[c].i)})
}

func (t *triangulator) unlink(x int32) {
	n := &t.nodes[x]
	t.nodes[n.prev].next = n.next
	t.nodes[n.next].prev = n.prev
	n.removed = true
	t.live--
	// The neighbours' corners changed: drop what was cached about them.
	for _, y := range [2]int32{n.prev, n.next} {
		t.nodes[y].notEar, t.nodes[y].turn = false, 0
	}
}

func (t *triangulator) clip(b int32) {
	t.emit(t.nodes[b].prev, b, t.nodes[b].next)
	t.unlink(b)
}

// turn is the orientation of the corner at x: +1 convex, 0 flat, -1 reflex.
func (t *triangulator) turn(x int32) int {
	n := &t.nodes[x]
	if n.turn == 0 {
		n.turn = int8(orient(t.nodes[n.prev].p, n.p, t.nodes[n.next].p) + 2)
	}
	return int(n.turn) - 2
}

// flatten removes corners with no area (a vertex collinear with its
// neighbours: straight runs, spikes, coincident neighbours), which is what
// usually stalls ear clipping on degenerate input, and returns a live node.
func (t *triangulator) flatten(cur int32) int32 {
	for x, steps := cur, 0; t.live > 2 && steps < 2*t.live+2; steps++ {
		n := t.nodes[x]
		if orient(t.nodes[n.prev].p, n.p, t.nodes[n.next].p) == 0 {
			t.unlink(x)
			x = n.prev // its corner changed: look again
			steps = 0
			continue
		}
		x = n.next
	}
	for t.nodes[cur].removed {
		cur = t.nodes[cur].next
	}
	return cur
}

// isEar reports whether the corner at b can be cut off: it turns left and no
// part of the remaining ring reaches into the triangle. Only vertices that
// are reflex or flat (and twins) can do that in a simple polygon, and those
// only become convex as clipping proceeds, so a grid of them built once
// answers the question in roughly constant time.
func (t *triangulator) isEar(b int32, stage int) bool {
	a, c := t.nodes[b].prev, t.nodes[b].next
	if t.turn(b) <= 0 {
		return false
	}
	pa, pb, pc := t.nodes[a].p, t.nodes[b].p, t.nodes[c].p
	lo := Vec2{min(pa[0], pb[0], pc[0]), min(pa[1], pb[1], pc[1])}
	hi := Vec2{max(pa[0], pb[0], pc[0]), max(pa[1], pb[1], pc[1])}
	ear := true
	t.grid.each(lo, hi, func(q int32) bool {
		n := &t.nodes[q]
		if n.removed || q == a || q == b || q == c {
			return true
		}
		p := n.p
		if p[0] < lo[0] || p[0] > hi[0] || p[1] < lo[1] || p[1] > hi[1] {
			return true
		}
		if p == pa || p == pb || p == pc {
			if stage < stageRelaxed && t.enters(q, pa, pb, pc) {
				ear = false
			}
			return ear
		}
		if !n.twin && t.turn(q) > 0 {
			return true // convex now: cannot be the first thing inside the ear
		}
		if inTriangle(p, pa, pb, pc, stage >= stageRelaxed) {
			ear = false
		}
		return ear
	})
	return ear
}

// enters reports whether one of the edges at q, a vertex coinciding with a
// corner of the counter-clockwise triangle (pa, pb, pc), runs into the
// triangle's angle at that corner: the wedge test that tells apart the
// vertices meeting at a hole bridge.
func (t *triangulator) enters(q int32, pa, pb, pc Vec2) bool {
	n := &t.nodes[q]
	x, y, z := pa, pb, pc
	switch n.p {
	case pb:
		x, y, z = pb, pc, pa
	case pc:
		x, y, z = pc, pa, pb
	}
	for _, d := range [2]Vec2{t.nodes[n.prev].p, t.nodes[n.next].p} {
		if d != x && orient(x, y, d) > 0 && orient(x, z, d) < 0 {
			return true
		}
	}
	return false
}

// inTriangle reports whether p lies in the counter-clockwise triangle abc,
// boundary included unless strict.
func inTriangle(p, a, b, c Vec2, strict bool) bool {
	if strict {
		return orient(a, b, p) > 0 && orient(b, c, p) > 0 && orient(c, a, p) > 0
	}
	return orient(a, b, p) >= 0 && orient(b, c, p) >= 0 && orient(c, a, p) >= 0
}

// blockerGrid buckets the vertices that can block an ear (reflex, flat or
// twin) into a uniform grid, stored compactly: cell k holds
// items[start[k]:start[k+1]].
type blockerGrid struct {
	min         Vec2
	inv         Vec2 // cells per metre
	nx, ny      int
	start       []int32
	items       []int32
	cellOf      []int32
	scratchKeys []int32
}

func (g *blockerGrid) build(t *triangulator, first int32) {
	var ids []int32
	lo, hi := t.nodes[first].p, t.nodes[first].p
	for x := first; ; {
		n := &t.nodes[x]
		lo = Vec2{math.Min(lo[0], n.p[0]), math.Min(lo[1], n.p[1])}
		hi = Vec2{math.Max(hi[0], n.p[0]), math.Max(hi[1], n.p[1])}
		if n.twin || orient(t.nodes[n.prev].p, n.p, t.nodes[n.next].p) <= 0 {
			ids = append(ids, x)
		}
		if x = n.next; x == first {
			break
		}
	}
	side := max(1, min(256, int(math.Sqrt(float64(len(ids))))))
	g.min, g.nx, g.ny = lo, side, side
	g.inv = Vec2{cellsPer(side, hi[0]-lo[0]), cellsPer(side, hi[1]-lo[1])}
	g.start = slices.Grow(g.start[:0], side*side+1)[:side*side+1]
	clear(g.start)
	g.cellOf = slices.Grow(g.cellOf[:0], len(ids))[:len(ids)]
	for k, x := range ids {
		cx, cy := g.cell(t.nodes[x].p)
		c := int32(cy*g.nx + cx)
		g.cellOf[k] = c
		g.start[c+1]++
	}
	for k := 1; k < len(g.start); k++ {
		g.start[k] += g.start[k-1]
	}
	g.items = slices.Grow(g.items[:0], len(ids))[:len(ids)]
	fill := slices.Grow(g.scratchKeys[:0], len(g.start))[:len(g.start)]
	copy(fill, g.start)
	for k, x := range ids {
		c := g.cellOf[k]
		g.items[fill[c]] = x
		fill[c]++
	}
	g.scratchKeys = fill
}

func cellsPer(side int, extent float64) float64 {
	if extent <= 0 {
		return 0
	}
	return float64(side) / extent
}

func (g *blockerGrid) cell(p Vec2) (int, int) {
	cx := int((p[0] - g.min[0]) * g.inv[0])
	cy := int((p[1] - g.min[1]) * g.inv[1])
	return min(max(cx, 0), g.nx-1), min(max(cy, 0), g.ny-1)
}

// each calls f for the vertices in cells overlapping [lo, hi] until f
// returns false.
func (g *blockerGrid) each(lo, hi Vec2, f func(int32) bool) {
	x0, y0 := g.cell(lo)
	x1, y1 := g.cell(hi)
	for cy := y0; cy <= y1; cy++ {
		for cx := x0; cx <= x1; cx++ {
			c := cy*g.nx + cx
			for _, q := range g.items[g.start[c]:g.start[c+1]] {
				if !f(q) {
					return
				}
			}
		}
	}
}
