package plan

import (
	"container/heap"
	"math"

	"github.com/arxos/arxport/geom"
)

// Pole returns a point inside the polygon (outer with holes) far from its edges,
// and its distance to the nearest edge: the pole of inaccessibility, found to
// within 1 % of the polygon's smaller side by the quadtree search of Mapbox's
// polylabel. It is where a label fits best: for an L-shaped room it lies in the
// wider arm, where the centroid may fall outside the room. Deterministic.
func Pole(outer geom.Ring, holes []geom.Ring) (geom.Vec2, float64) {
	lo, hi := geom.BBox2(outer)
	w, h := hi[0]-lo[0], hi[1]-lo[1]
	if len(outer) < 3 || !(w > 0) || !(h > 0) {
		return lo.Add(hi).Scale(0.5), 0
	}
	if len(holes) == 0 && isAxisRect(outer) {
		return lo.Add(hi).Scale(0.5), math.Min(w, h) / 2
	}
	size := math.Min(w, h)
	precision := size / 100
	half := size / 2
	q := &cellQueue{}
	for x := lo[0]; x < hi[0]; x += size {
		for y := lo[1]; y < hi[1]; y += size {
			heap.Push(q, newCell(geom.Vec2{x + half, y + half}, half, outer, holes))
		}
	}
	best := newCell(centroid(outer), 0, outer, holes)
	if c := newCell(lo.Add(hi).Scale(0.5), 0, outer, holes); c.d > best.d {
		best = c
	}
	// The iteration cap bounds the work on pathological outlines; the answer
	// is then merely a good interior point.
	for n := 0; q.Len() > 0 && n < 20000; n++ {
		c := heap.Pop(q).(cell)
		if c.d > best.d {
			best = c
		}
		if c.max-best.d <= precision {
			continue
		}
		hh := c.h / 2
		for _, o := range [4]geom.Vec2{{-hh, -hh}, {hh, -hh}, {-hh, hh}, {hh, hh}} {
			heap.Push(q, newCell(c.c.Add(o), hh, outer, holes))
		}
	}
	if best.d < 0 {
		return best.c, 0
	}
	return best.c, best.d
}

func isAxisRect(r geom.Ring) bool {
	if len(r) != 4 {
		return false
	}
	for i := range 4 {
		a, b := r[i], r[(i+1)%4]
		if a[0] != b[0] && a[1] != b[1] {
			return false
		}
	}
	return true
}

// centroid is the area centroid of r (its first point for a degenerate ring).
func centroid(r geom.Ring) geom.Vec2 {
	o := r[0]
	var cx, cy, a float64
	for i := range r {
		p, q := r[i].Sub(o), r[(i+1)%len(r)].Sub(o)
		f := p.Cross(q)
		cx += (p[0] + q[0]) * f
		cy += (p[1] + q[1]) * f
		a += f
	}
	if a == 0 {
		return o
	}
	return geom.Vec2{o[0] + cx/(3*a), o[1] + cy/(3*a)}
}

type cell struct {
	c      geom.Vec2
	h      float64 // half the cell's side
	d      float64 // signed distance from c to the polygon's edges (negative outside)
	max    float64 // the most any point of the cell can reach
	serial int     // ties broken by creation order, for determinism
}

func newCell(c geom.Vec2, h float64, outer geom.Ring, holes []geom.Ring) cell {
	d := edgeDistance(c, outer, holes)
	return cell{c: c, h: h, d: d, max: d + h*math.Sqrt2}
}

// edgeDistance is the distance from p to the nearest edge, negative when p is
// outside the polygon.
func edgeDistance(p geom.Vec2, outer geom.Ring, holes []geom.Ring) float64 {
	inside := geom.PointInRing(p, outer)
	d := ringDistance(p, outer)
	for _, h := range holes {
		if inside && geom.PointInRing(p, h) {
			inside = false
		}
		d = math.Min(d, ringDistance(p, h))
	}
	if !inside {
		return -d
	}
	return d
}

func ringDistance(p geom.Vec2, r geom.Ring) float64 {
	best := math.Inf(1)
	a := r[len(r)-1]
	for _, b := range r {
		best = math.Min(best, segmentDistance(p, a, b))
		a = b
	}
	return best
}

// segmentDistance is the distance from p to the segment ab.
func segmentDistance(p, a, b geom.Vec2) float64 {
	d := b.Sub(a)
	l2 := d.Dot(d)
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, p.Sub(a).Dot(d)/l2))
	}
	return p.Sub(a.Add(d.Scale(t))).Len()
}

// cellQueue pops the cell with the highest potential first; equal potentials
// pop in insertion order.
type cellQueue struct {
	cells []cell
	next  int
}

func (q *cellQueue) Len() int { return len(q.cells) }
func (q *cellQueue) Less(i, j int) bool {
	a, b := q.cells[i], q.cells[j]
	if a.max != b.max {
		return a.max > b.max
	}
	return a.serial < b.serial
}
func (q *cellQueue) Swap(i, j int) { q.cells[i], q.cells[j] = q.cells[j], q.cells[i] }
func (q *cellQueue) Push(x any) {
	c := x.(cell)
	c.serial = q.next
	q.next++
	q.cells = append(q.cells, c)
}
func (q *cellQueue) Pop() any {
	c := q.cells[len(q.cells)-1]
	q.cells = q.cells[:len(q.cells)-1]
	return c
}
