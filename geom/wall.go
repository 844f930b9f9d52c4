package geom

import (
	"fmt"
	"math"
	"slices"
)

// Opening is a rectangular hole through a wall: Offset along the wall from
// its start, Sill above the wall's base, all in metres.
type Opening struct{ Offset, Width, Sill, Height float64 }

// wallEps absorbs rounding in model dimensions (a 0.1 m + 0.2 m opening
// ending at 0.30000000000000004 is flush with a 0.3 m edge, not 4e-17 past it).
const wallEps = 1e-9

// WallOpeningProblem returns "" when o fits a wall of the given length and
// height and overlaps none of others (touching is fine), otherwise a short
// reason. others must not include o itself.
func WallOpeningProblem(length, height float64, o Opening, others []Opening) string {
	for _, v := range [4]float64{o.Offset, o.Width, o.Sill, o.Height} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "dimensions must be finite numbers"
		}
	}
	switch {
	case o.Width <= 0:
		return "width must be positive"
	case o.Height <= 0:
		return "height must be positive"
	case o.Offset < -wallEps:
		return "starts before the wall (negative offset)"
	case o.Offset+o.Width > length+wallEps:
		return fmt.Sprintf("extends %.3g m past the wall end", o.Offset+o.Width-length)
	case o.Sill < -wallEps:
		return "sill is below the wall base"
	case o.Sill+o.Height > height+wallEps:
		return fmt.Sprintf("extends %.3g m above the wall top", o.Sill+o.Height-height)
	}
	for i, p := range others {
		if overlap1(o.Offset, o.Offset+o.Width, p.Offset, p.Offset+p.Width) &&
			overlap1(o.Sill, o.Sill+o.Height, p.Sill, p.Sill+p.Height) {
			return fmt.Sprintf("overlaps opening %d", i)
		}
	}
	return ""
}

// overlap1 reports whether two intervals share more than a touching point.
func overlap1(a0, a1, b0, b1 float64) bool {
	return math.Min(a1, b1)-math.Max(a0, b0) > wallEps
}

// WallSolids builds a straight wall centred on start→end, thickness thick,
// from z = base to base+height, with openings cut through it. The wall's
// elevation (distance along the wall × height) minus the openings is
// extruded across the thickness: openings at the bottom or top edge become
// notches of the outline, the others holes, and an opening spanning the full
// height splits the wall, so the result may hold several solids (none for a
// degenerate wall). Openings are clipped to the wall. Two openings meeting
// only at a corner inside one piece of wall pinch it along a line across the
// thickness, where four faces meet: volume and triangles are right, but that
// one edge is not manifold.
func WallSolids(start, end Vec2, thickness, base, height float64, openings []Opening) []Solid {
	d := end.Sub(start)
	length := d.Len()
	if !(length > 0) || !(thickness > 0) || !(height > 0) {
		return nil
	}
	d = d.Scale(1 / length)
	f := Frame{U: Vec3{d[0], d[1], 0}, V: Vec3{0, 0, 1}}
	// U × V points to the wall's right; start half a thickness to its left.
	f.Origin = start.Vec3(base).Sub(f.N().Scale(thickness / 2))
	var out []Solid
	for _, r := range elevationRegions(length, height, openings) {
		if s := Extrude(f, r.outer, r.holes, thickness); len(s.Faces) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// region is one connected piece of a wall elevation.
type region struct {
	outer Ring
	holes []Ring
}

// elevationRegions returns [0,length]×[0,height] minus the opening
// rectangles as connected regions with their holes. The rectangle is cut
// into a grid along every opening edge; each cell is wall or void, and the
// boundary between wall and void cells is chained into loops. Working on
// cells rather than polygon booleans makes touching openings, doors at the
// wall's ends and stacked openings fall out without special cases. Cells
// meeting only at a corner count as separate pieces, so no solid is pinched
// to a line.
func elevationRegions(length, height float64, openings []Opening) []region {
	openings = slices.DeleteFunc(slices.Clone(openings), func(o Opening) bool {
		return !(o.Width > 0 && o.Height > 0) || math.IsNaN(o.Offset+o.Sill) || math.IsInf(o.Offset+o.Sill, 0)
	})
	xs := []float64{0, length}
	zs := []float64{0, height}
	for _, o := range openings {
		xs = append(xs, clamp(o.Offset, 0, length), clamp(o.Offset+o.Width, 0, length))
		zs = append(zs, clamp(o.Sill, 0, height), clamp(o.Sill+o.Height, 0, height))
	}
	xs, zs = gridLines(xs, length), gridLines(zs, height)
	nx, nz := len(xs)-1, len(zs)-1
	wall := make([]bool, nx*nz) // cell (i, j) at i*nz + j
	for i := range wall {
		wall[i] = true
	}
	for _, o := range openings {
		i0, i1 := gridIndex(xs, o.Offset), gridIndex(xs, o.Offset+o.Width)
		j0, j1 := gridIndex(zs, o.Sill), gridIndex(zs, o.Sill+o.Height)
		for i := i0; i < i1; i++ {
			for j := j0; j < j1; j++ {
				wall[i*nz+j] = false
			}
		}
	}
	isWall := func(i, j int) bool { return i >= 0 && j >= 0 && i < nx && j < nz && wall[i*nz+j] }

	// Label 4-connected pieces of wall.
	label := make([]int, nx*nz)
	pieces := 0
	var stack [][2]int
	for i := 0; i < nx; i++ {
		for j := 0; j < nz; j++ {
			if !wall[i*nz+j] || label[i*nz+j] != 0 {
				continue
			}
			pieces++
			label[i*nz+j] = pieces
			stack = append(stack[:0], [2]int{i, j})
			for len(stack) > 0 {
				c := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				for _, nb := range [4][2]int{{c[0] + 1, c[1]}, {c[0] - 1, c[1]}, {c[0], c[1] + 1}, {c[0], c[1] - 1}} {
					if isWall(nb[0], nb[1]) && label[nb[0]*nz+nb[1]] == 0 {
						label[nb[0]*nz+nb[1]] = pieces
						stack = append(stack, nb)
					}
				}
			}
		}
	}

	// Boundary edges between wall and void, directed with the wall on the
	// left. Grid vertex (i, j) is i*(nz+1)+j.
	type edge struct {
		from, to int
		dir      int // 0 east, 1 north, 2 west, 3 south
		piece    int
	}
	vid := func(i, j int) int { return i*(nz+1) + j }
	var edges []edge
	for i := 0; i < nx; i++ {
		for j := 0; j < nz; j++ {
			if !wall[i*nz+j] {
				continue
			}
			p := label[i*nz+j]
			if !isWall(i, j-1) {
				edges = append(edges, edge{vid(i, j), vid(i+1, j), 0, p})
			}
			if !isWall(i+1, j) {
				edges = append(edges, edge{vid(i+1, j), vid(i+1, j+1), 1, p})
			}
			if !isWall(i, j+1) {
				edges = append(edges, edge{vid(i+1, j+1), vid(i, j+1), 2, p})
			}
			if !isWall(i-1, j) {
				edges = append(edges, edge{vid(i, j+1), vid(i, j), 3, p})
			}
		}
	}
	// At most two edges leave a vertex (where two wall cells meet at a
	// corner).
	out := make([][2]int, (nx+1)*(nz+1))
	for k := range out {
		out[k] = [2]int{-1, -1}
	}
	for k, e := range edges {
		if out[e.from][0] < 0 {
			out[e.from][0] = k
		} else {
			out[e.from][1] = k
		}
	}

	regions := make([]region, pieces)
	used := make([]bool, len(edges))
	for first := range edges {
		if used[first] {
			continue
		}
		var loop Ring
		for cur := first; !used[cur]; {
			used[cur] = true
			e := edges[cur]
			// Where two edges leave, take the one turning left: it stays
			// with the cell this loop is already going round.
			next := out[e.to][0]
			if alt := out[e.to][1]; alt >= 0 && leftness(e.dir, edges[alt].dir) > leftness(e.dir, edges[next].dir) {
				next = alt
			}
			if edges[next].dir != e.dir { // keep corners only
				loop = append(loop, Vec2{xs[e.to/(nz+1)], zs[e.to%(nz+1)]})
			}
			cur = next
		}
		r := &regions[edges[first].piece-1]
		if SignedArea(loop) > 0 {
			r.outer = loop
		} else {
			r.holes = append(r.holes, loop)
		}
	}
	return regions
}

// leftness ranks a turn from direction a to b: left 2, straight 1, right 0.
func leftness(a, b int) int {
	switch (b - a + 4) % 4 {
	case 1:
		return 2
	case 0:
		return 1
	}
	return 0
}

func clamp(v, lo, hi float64) float64 { return math.Min(math.Max(v, lo), hi) }

// gridLines sorts the cut positions in [0, limit] and merges those closer
// than wallEps, keeping 0 and limit exact.
func gridLines(v []float64, limit float64) []float64 {
	slices.Sort(v)
	out := v[:1] // v[0] is 0: everything was clamped to [0, limit]
	for _, x := range v[1:] {
		if x-out[len(out)-1] <= wallEps {
			if x == limit {
				out[len(out)-1] = limit
			}
			continue
		}
		out = append(out, x)
	}
	if len(out) == 1 { // limit itself merged into 0; callers reject that
		out = append(out, limit)
	}
	return out
}

// gridIndex returns the index of the grid line representing v.
func gridIndex(lines []float64, v float64) int {
	i, _ := slices.BinarySearch(lines, v-wallEps)
	return min(i, len(lines)-1)
}
