package geom

import (
	"errors"
	"math"
	"slices"
)

// Mesh is an indexed triangle mesh, the model's "mesh" geometry kind.
type Mesh struct {
	Vertices  []Vec3
	Triangles [][3]int
}

// Closed reports whether the mesh is watertight and consistently oriented:
// every undirected edge is used by exactly two triangles, once in each
// direction. Edges are compared by vertex index, so a mesh whose vertices
// are duplicated per triangle is not closed. An empty mesh is not closed.
func (m *Mesh) Closed() bool {
	if len(m.Triangles) == 0 {
		return false
	}
	nv := len(m.Vertices)
	// Directed edges as sortable keys: duplicates then sit side by side and
	// each reverse can be found by binary search, without a hash map's
	// memory for meshes of millions of triangles.
	edges := make([]uint64, 0, 3*len(m.Triangles))
	for _, t := range m.Triangles {
		for k := 0; k < 3; k++ {
			a, b := t[k], t[(k+1)%3]
			if a < 0 || b < 0 || a >= nv || b >= nv || a == b {
				return false
			}
			edges = append(edges, uint64(a)<<32|uint64(b))
		}
	}
	slices.Sort(edges)
	for i, e := range edges {
		if i > 0 && edges[i-1] == e {
			return false // a directed edge used twice: wrong orientation or more than two faces
		}
		if _, ok := slices.BinarySearch(edges, e<<32|e>>32); !ok {
			return false
		}
	}
	return true
}

// Volume is the signed enclosed volume (divergence theorem): positive when
// the triangles wind counter-clockwise seen from outside. It is only
// meaningful for a closed mesh.
func (m *Mesh) Volume() float64 {
	if len(m.Vertices) == 0 {
		return 0
	}
	o := m.Vertices[0] // a nearby reference point keeps products small
	var v float64
	for _, t := range m.Triangles {
		if !m.valid(t) {
			continue
		}
		a := m.Vertices[t[0]].Sub(o)
		b := m.Vertices[t[1]].Sub(o)
		c := m.Vertices[t[2]].Sub(o)
		v += a.Dot(b.Cross(c))
	}
	return v / 6
}

func (m *Mesh) valid(t [3]int) bool {
	n := len(m.Vertices)
	return t[0] >= 0 && t[1] >= 0 && t[2] >= 0 && t[0] < n && t[1] < n && t[2] < n
}

func (m *Mesh) triangleNormal(t [3]int) Vec3 {
	a := m.Vertices[t[0]]
	return m.Vertices[t[1]].Sub(a).Cross(m.Vertices[t[2]].Sub(a))
}

// Area is the total area of the triangles.
func (m *Mesh) Area() float64 {
	var s float64
	for _, t := range m.Triangles {
		if m.valid(t) {
			s += m.triangleNormal(t).Len()
		}
	}
	return s / 2
}

// BBox is the axis-aligned bounding box of the vertices (zero when empty).
func (m *Mesh) BBox() (min, max Vec3) {
	if len(m.Vertices) == 0 {
		return
	}
	min, max = m.Vertices[0], m.Vertices[0]
	for _, p := range m.Vertices[1:] {
		min, max = minVec3(min, p), maxVec3(max, p)
	}
	return
}

// Oriented returns a copy whose triangles are flipped if the mesh encloses a
// negative volume, i.e. was wound inside out.
func (m *Mesh) Oriented() Mesh {
	out := Mesh{Vertices: slices.Clone(m.Vertices), Triangles: slices.Clone(m.Triangles)}
	if m.Volume() < 0 {
		for i, t := range out.Triangles {
			out.Triangles[i] = [3]int{t[0], t[2], t[1]}
		}
	}
	return out
}

// ErrMeshNotClosed is returned when a mesh that must bound a solid does not.
var ErrMeshNotClosed = errors.New("geom: mesh is not closed (watertight and consistently oriented)")

// Solid converts a closed mesh into a B-rep of triangular faces. Triangles
// without area are dropped: they bound nothing and have no normal.
func (m *Mesh) Solid() (Solid, error) {
	if !m.Closed() {
		return Solid{}, ErrMeshNotClosed
	}
	faces := make([]Face, 0, len(m.Triangles))
	for _, t := range m.Triangles {
		n := m.triangleNormal(t)
		a, b, c := m.Vertices[t[0]], m.Vertices[t[1]], m.Vertices[t[2]]
		scale := math.Max(b.Sub(a).Dot(b.Sub(a)), c.Sub(a).Dot(c.Sub(a)))
		// Relative test: the cross product of nearly parallel edges is
		// rounding noise, not a direction.
		if n.Len() <= 1e-12*scale || scale == 0 {
			continue
		}
		faces = append(faces, Face{Outer: []Vec3{a, b, c}, Normal: n.Norm()})
	}
	return Solid{Faces: faces}, nil
}
