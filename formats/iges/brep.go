package iges

import (
	"math"

	"github.com/arxos/arxport/geom"
)

// topo is one shell as IGES wants it: shared vertices (one Vertex List),
// shared edges (one Edge List, each edge a line from its start to its end
// vertex) and faces whose loops use edges forwards or backwards. Vertices are
// keyed by their coordinates rounded to the file's precision, so what is one
// point in the file is one vertex.
type topo struct {
	scale float64 // 10^decimals
	shift geom.Vec3
	verts [][3]int64
	vidx  map[[3]int64]int
	edges [][2]int // start, end vertex
	eidx  map[[2]int]int
	fwd   []int8
	bwd   []int8
	faces []tface
	loop  []int // scratch: vertex indices of a loop
}

type tface struct {
	normal geom.Vec3
	point  int // a vertex on the plane
	loops  [][]luse
}

// luse is one edge of a loop: the edge and whether the loop runs along it.
type luse struct {
	edge    int
	forward bool
}

// reset empties t for a shell whose points move by shift, rounded to decimals.
func (t *topo) reset(decimals int, shift geom.Vec3) {
	t.scale, t.shift = math.Pow10(decimals), shift
	t.verts, t.edges, t.fwd, t.bwd = t.verts[:0], t.edges[:0], t.fwd[:0], t.bwd[:0]
	t.faces = t.faces[:0]
	if t.vidx == nil {
		t.vidx, t.eidx = map[[3]int64]int{}, map[[2]int]int{}
	}
	clear(t.vidx)
	clear(t.eidx)
}

func (t *topo) vertex(p geom.Vec3) int {
	p = p.Add(t.shift)
	k := [3]int64{int64(math.Round(p[0] * t.scale)), int64(math.Round(p[1] * t.scale)), int64(math.Round(p[2] * t.scale))}
	if i, ok := t.vidx[k]; ok {
		return i
	}
	t.verts = append(t.verts, k)
	t.vidx[k] = len(t.verts) - 1
	return len(t.verts) - 1
}

func (t *topo) coord(v int) geom.Vec3 {
	k := t.verts[v]
	return geom.Vec3{float64(k[0]) / t.scale, float64(k[1]) / t.scale, float64(k[2]) / t.scale}
}

// ring turns a loop of points into vertex indices without repeats of a point
// next to itself; nil when fewer than three remain or it encloses no area.
func (t *topo) ring(pts []geom.Vec3) []int {
	l := t.loop[:0]
	for _, p := range pts {
		v := t.vertex(p)
		if len(l) > 0 && l[len(l)-1] == v {
			continue
		}
		l = append(l, v)
	}
	for len(l) > 1 && l[len(l)-1] == l[0] {
		l = l[:len(l)-1]
	}
	t.loop = l
	if len(l) < 3 || t.area(l).Len() <= 1/(t.scale*t.scale) {
		return nil
	}
	return l
}

// area is the vector area of a loop of vertices (Newell), relative to its first point.
func (t *topo) area(l []int) geom.Vec3 {
	var s geom.Vec3
	o := t.coord(l[0])
	prev := t.coord(l[1]).Sub(o)
	for _, v := range l[2:] {
		q := t.coord(v).Sub(o)
		s = s.Add(prev.Cross(q))
		prev = q
	}
	return s.Scale(0.5)
}

// edgeUses turns a ring of vertices into the uses of its edges.
func (t *topo) edgeUses(l []int) []luse {
	out := make([]luse, 0, len(l))
	for i, a := range l {
		b := l[(i+1)%len(l)]
		key, forward := [2]int{a, b}, true
		if b < a {
			key, forward = [2]int{b, a}, false
		}
		e, ok := t.eidx[key]
		if !ok {
			e = len(t.edges)
			t.edges = append(t.edges, [2]int{a, b})
			t.fwd, t.bwd = append(t.fwd, 0), append(t.bwd, 0)
			t.eidx[key] = e
			forward = true // the edge runs the way it was first met
		} else {
			forward = t.edges[e][0] == a
		}
		if forward {
			t.fwd[e]++
		} else {
			t.bwd[e]++
		}
		out = append(out, luse{e, forward})
	}
	return out
}

// addFace adds a planar face; false when it encloses no area at the file's
// precision (a degenerate face, left out). Holes that vanish are left out too.
func (t *topo) addFace(outer []geom.Vec3, inner [][]geom.Vec3, normal geom.Vec3) bool {
	l := t.ring(outer)
	if l == nil {
		return false
	}
	va := t.area(l)
	n := normal
	if n.Dot(n) == 0 || n.Dot(va) <= 0 {
		n = va.Norm()
	}
	f := tface{normal: n.Norm(), point: l[0]}
	f.loops = append(f.loops, t.edgeUses(l))
	for _, h := range inner {
		if hl := t.ring(h); hl != nil {
			f.loops = append(f.loops, t.edgeUses(hl))
		}
	}
	t.faces = append(t.faces, f)
	return true
}

// closed reports whether every edge is used once each way: a closed,
// consistently oriented shell that bounds a solid.
func (t *topo) closed() bool {
	if len(t.faces) < 4 {
		return false
	}
	for e := range t.edges {
		if t.fwd[e] != 1 || t.bwd[e] != 1 {
			return false
		}
	}
	return true
}
