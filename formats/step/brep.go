package step

import (
	"math"

	"github.com/arxos/arxport/geom"
)

// vkey is a vertex rounded to the output's length step: vertices that print
// the same are one VERTEX_POINT, so faces share them and their edges.
type vkey [3]int64

// loop is a face boundary as indices into shells.verts.
type loop []int32

type face struct {
	outer  loop
	inner  []loop
	normal geom.Vec3
}

// shell is one solid (or an open surface) made ready to write: rounded,
// shared vertices, loops without repeated points, faces with area.
type shell struct {
	faces  []face
	closed bool
}

// shells holds the prepared shells of one element and the scratch the
// writer reuses from element to element.
type shells struct {
	step    float64 // length of one output unit, metres
	verts   []vkey
	index   map[vkey]int32
	list    []shell
	dropped int // degenerate faces or holes left out
	uses    map[[2]int32]int32

	// written instances of the current element
	vpoint []int32 // VERTEX_POINT per vertex, 0 until written
	cpoint []int32 // CARTESIAN_POINT per vertex
	edges  map[[2]int32]int32
	ids    []int
}

// minArea is the area below which a face counts as degenerate, m².
const minArea = 1e-12

func newShells(decimals int) *shells {
	return &shells{step: math.Pow10(-decimals), index: map[vkey]int32{},
		uses: map[[2]int32]int32{}, edges: map[[2]int32]int32{}}
}

func (s *shells) reset() {
	s.verts = s.verts[:0]
	clear(s.index)
	clear(s.edges)
	s.list = s.list[:0]
	s.dropped = 0
	s.vpoint = s.vpoint[:0]
	s.cpoint = s.cpoint[:0]
}

// pos is a vertex's position in metres as written.
func (s *shells) pos(i int32) geom.Vec3 {
	k := s.verts[i]
	return geom.Vec3{float64(k[0]) * s.step, float64(k[1]) * s.step, float64(k[2]) * s.step}
}

func (s *shells) vertex(p, offset geom.Vec3) int32 {
	var k vkey
	for c := range 3 {
		k[c] = int64(math.Round((p[c] - offset[c]) / s.step))
	}
	if i, ok := s.index[k]; ok {
		return i
	}
	i := int32(len(s.verts))
	s.verts = append(s.verts, k)
	s.index[k] = i
	return i
}

// ring turns points into a loop: rounded, without repeated neighbours.
func (s *shells) ring(pts []geom.Vec3, offset geom.Vec3) loop {
	l := make(loop, 0, len(pts))
	for _, p := range pts {
		v := s.vertex(p, offset)
		if len(l) > 0 && l[len(l)-1] == v {
			continue
		}
		l = append(l, v)
	}
	for len(l) > 1 && l[0] == l[len(l)-1] {
		l = l[:len(l)-1]
	}
	return l
}

// vectorArea is the Newell vector of a loop: its length is twice the area,
// its direction the normal of a counter-clockwise winding.
func (s *shells) vectorArea(l loop) geom.Vec3 {
	var n geom.Vec3
	if len(l) < 3 {
		return n
	}
	o := s.pos(l[0])
	prev := s.pos(l[1]).Sub(o)
	for _, i := range l[2:] {
		q := s.pos(i).Sub(o)
		n = n.Add(prev.Cross(q))
		prev = q
	}
	return n
}

// addFace prepares one face (outer loop counter-clockwise seen from outside,
// holes clockwise); a face without area is dropped, as is a hole without.
func (s *shells) addFace(sh *shell, outer []geom.Vec3, inner [][]geom.Vec3, offset geom.Vec3) {
	o := s.ring(outer, offset)
	va := s.vectorArea(o)
	if len(o) < 3 || va.Len()/2 <= minArea {
		s.dropped++
		return
	}
	f := face{outer: o, normal: va.Norm()}
	for _, h := range inner {
		l := s.ring(h, offset)
		if len(l) < 3 || s.vectorArea(l).Len()/2 <= minArea {
			s.dropped++
			continue
		}
		f.inner = append(f.inner, l)
	}
	sh.faces = append(sh.faces, f)
}

// addSolid prepares a closed solid; closed tells whether it still is one
// once degenerate faces are gone.
func (s *shells) addSolid(sol *geom.Solid, offset geom.Vec3) {
	sh := shell{}
	for _, f := range sol.Faces {
		s.addFace(&sh, f.Outer, f.Inner, offset)
	}
	sh.closed = len(sh.faces) >= 4 && s.isClosed(&sh)
	s.list = append(s.list, sh)
}

// addSurface prepares an open mesh's triangles as one open shell.
func (s *shells) addSurface(verts []geom.Vec3, tris [][3]int, offset geom.Vec3) {
	sh := shell{}
	n := len(verts)
	var tri [3]geom.Vec3
	for _, t := range tris {
		if t[0] < 0 || t[1] < 0 || t[2] < 0 || t[0] >= n || t[1] >= n || t[2] >= n {
			s.dropped++
			continue
		}
		tri = [3]geom.Vec3{verts[t[0]], verts[t[1]], verts[t[2]]}
		s.addFace(&sh, tri[:], nil, offset)
	}
	if len(sh.faces) > 0 {
		s.list = append(s.list, sh)
	}
}

// isClosed reports whether every edge of the shell is used exactly twice,
// once in each direction: what OpenCASCADE needs of a closed shell.
func (s *shells) isClosed(sh *shell) bool {
	clear(s.uses)
	count := func(l loop) {
		for k := range l {
			a, b := l[k], l[(k+1)%len(l)]
			s.uses[[2]int32{a, b}]++
		}
	}
	for _, f := range sh.faces {
		count(f.outer)
		for _, h := range f.inner {
			count(h)
		}
	}
	for e, n := range s.uses {
		if n != 1 || s.uses[[2]int32{e[1], e[0]}] != 1 {
			return false
		}
	}
	return true
}

// Instances of one element are written by brepWriter methods.

// point writes (once) the CARTESIAN_POINT and VERTEX_POINT of vertex i.
func (w *writer) vertexPoint(i int32) int32 {
	s := w.sh
	for int(i) >= len(s.vpoint) {
		s.vpoint = append(s.vpoint, 0)
		s.cpoint = append(s.cpoint, 0)
	}
	if s.vpoint[i] != 0 {
		return s.vpoint[i]
	}
	e := w.e
	k := s.verts[i]
	cp := e.Begin("CARTESIAN_POINT")
	e.Str("")
	e.Open()
	e.Fixed(k[0])
	e.Fixed(k[1])
	e.Fixed(k[2])
	e.Close()
	e.End()
	vp := e.Begin("VERTEX_POINT")
	e.Str("")
	e.Ref(cp)
	e.End()
	s.cpoint[i], s.vpoint[i] = int32(cp), int32(vp)
	return int32(vp)
}

// direction writes a DIRECTION.
func (w *writer) direction(d geom.Vec3) int {
	e := w.e
	id := e.Begin("DIRECTION")
	e.Str("")
	e.Open()
	e.Real(d[0])
	e.Real(d[1])
	e.Real(d[2])
	e.Close()
	e.End()
	return id
}

// orientedEdge writes the edge a→b (its EDGE_CURVE once, for whichever
// direction comes first) and an ORIENTED_EDGE along a→b.
func (w *writer) orientedEdge(a, b int32) int {
	s, e := w.sh, w.e
	key, sense := [2]int32{a, b}, true
	if b < a {
		key, sense = [2]int32{b, a}, false
	}
	ec, ok := s.edges[key]
	if !ok {
		va, vb := w.vertexPoint(key[0]), w.vertexPoint(key[1])
		d := s.pos(key[1]).Sub(s.pos(key[0]))
		l := d.Len()
		dir := w.direction(d.Scale(1 / l))
		vec := e.Begin("VECTOR")
		e.Str("")
		e.Ref(dir)
		e.Real(l)
		e.End()
		line := e.Begin("LINE")
		e.Str("")
		e.Ref(int(s.cpoint[key[0]]))
		e.Ref(vec)
		e.End()
		ec = int32(e.Begin("EDGE_CURVE"))
		e.Str("")
		e.Ref(int(va))
		e.Ref(int(vb))
		e.Ref(line)
		e.Bool(true)
		e.End()
		s.edges[key] = ec
	}
	oe := e.Begin("ORIENTED_EDGE")
	e.Str("")
	e.Star()
	e.Star()
	e.Ref(int(ec))
	e.Bool(sense)
	e.End()
	return oe
}

// bound writes a FACE_OUTER_BOUND or FACE_BOUND of an EDGE_LOOP.
func (w *writer) bound(l loop, entity string) int {
	start := len(w.sh.ids)
	for k := range l {
		w.sh.ids = append(w.sh.ids, w.orientedEdge(l[k], l[(k+1)%len(l)]))
	}
	e := w.e
	el := e.Begin("EDGE_LOOP")
	e.Str("")
	e.Refs(w.sh.ids[start:]...)
	e.End()
	w.sh.ids = w.sh.ids[:start]
	b := e.Begin(entity)
	e.Str("")
	e.Ref(el)
	e.Bool(true)
	e.End()
	return b
}

// face writes an ADVANCED_FACE on its PLANE.
func (w *writer) face(f *face) int {
	s, e := w.sh, w.e
	start := len(s.ids)
	s.ids = append(s.ids, w.bound(f.outer, "FACE_OUTER_BOUND"))
	for _, h := range f.inner {
		s.ids = append(s.ids, w.bound(h, "FACE_BOUND"))
	}
	// reference direction: the first edge, made square to the normal
	x := s.pos(f.outer[1]).Sub(s.pos(f.outer[0]))
	x = x.Sub(f.normal.Scale(x.Dot(f.normal))).Norm()
	n := w.direction(f.normal)
	xd := w.direction(x)
	ax := e.Begin("AXIS2_PLACEMENT_3D")
	e.Str("")
	e.Ref(int(s.cpoint[f.outer[0]]))
	e.Ref(n)
	e.Ref(xd)
	e.End()
	pl := e.Begin("PLANE")
	e.Str("")
	e.Ref(ax)
	e.End()
	af := e.Begin("ADVANCED_FACE")
	e.Str("")
	e.Refs(s.ids[start:]...)
	e.Ref(pl)
	e.Bool(true)
	e.End()
	s.ids = s.ids[:start]
	return af
}

// shell writes a CLOSED_SHELL or OPEN_SHELL and returns its number.
func (w *writer) shell(sh *shell, closed bool) int {
	s := w.sh
	start := len(s.ids)
	for i := range sh.faces {
		s.ids = append(s.ids, w.face(&sh.faces[i]))
	}
	entity := "OPEN_SHELL"
	if closed {
		entity = "CLOSED_SHELL"
	}
	e := w.e
	id := e.Begin(entity)
	e.Str("")
	e.Refs(s.ids[start:]...)
	e.End()
	s.ids = s.ids[:start]
	w.faces += int64(len(sh.faces))
	return id
}
