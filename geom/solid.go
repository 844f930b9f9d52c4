package geom

import (
	"errors"
	"fmt"
	"math"
)

// Face is a planar face of a B-rep. Seen from outside the solid (against
// Normal), the outer loop runs counter-clockwise and inner loops (holes)
// clockwise, which is what IFC, STEP and glTF all expect.
type Face struct {
	Outer  []Vec3
	Inner  [][]Vec3
	Normal Vec3 // unit, pointing out of the solid
}

// Solid is a closed manifold bounded by planar faces: every edge is used by
// exactly two faces, in opposite directions.
type Solid struct{ Faces []Face }

// loopVectorArea returns the vector area of a closed loop: its length is the
// enclosed area, its direction the right-hand normal of the winding.
// Differences from the first point keep precision far from the origin.
func loopVectorArea(l []Vec3) Vec3 {
	var s Vec3
	if len(l) < 3 {
		return s
	}
	o := l[0]
	prev := l[1].Sub(o)
	for _, p := range l[2:] {
		q := p.Sub(o)
		s = s.Add(prev.Cross(q))
		prev = q
	}
	return s.Scale(0.5)
}

// Volume is the enclosed volume by the divergence theorem: each face
// contributes a cone to a reference point, whose volume is the face's
// vector area (holes wind the other way and so subtract) dotted with any
// point of the face, over three. Outward-oriented faces give a positive
// result.
func (s *Solid) Volume() float64 {
	var ref Vec3
	found := false
	var v float64
	for _, f := range s.Faces {
		if len(f.Outer) == 0 {
			continue
		}
		if !found {
			ref, found = f.Outer[0], true // nearby reference: small numbers
		}
		va := loopVectorArea(f.Outer)
		for _, h := range f.Inner {
			va = va.Add(loopVectorArea(h))
		}
		v += f.Outer[0].Sub(ref).Dot(va)
	}
	return v / 3
}

// Area is the total surface area: each face's outer loop minus its holes.
func (s *Solid) Area() float64 {
	var a float64
	for _, f := range s.Faces {
		a += loopVectorArea(f.Outer).Len()
		for _, h := range f.Inner {
			a -= loopVectorArea(h).Len()
		}
	}
	return a
}

// BBox is the axis-aligned bounding box (zero for an empty solid). Holes lie
// within their outer loop, so only outer loops are visited.
func (s *Solid) BBox() (min, max Vec3) {
	first := true
	for _, f := range s.Faces {
		for _, p := range f.Outer {
			if first {
				min, max, first = p, p, false
				continue
			}
			min, max = minVec3(min, p), maxVec3(max, p)
		}
	}
	return
}

// faceBasis returns unit vectors u, v with u × v = n, so that a loop that is
// counter-clockwise seen against n is counter-clockwise in (u, v).
func faceBasis(n Vec3) (u, v Vec3) {
	// Cross with the axis least aligned with n for a well-conditioned result.
	ax, ay, az := math.Abs(n[0]), math.Abs(n[1]), math.Abs(n[2])
	a := Vec3{1, 0, 0}
	if ay < ax && ay <= az {
		a = Vec3{0, 1, 0}
	} else if az < ax && az < ay {
		a = Vec3{0, 0, 1}
	}
	u = a.Cross(n).Norm()
	v = n.Cross(u)
	return u, v
}

// Triangles returns the surface as a flat-shaded triangle list for glTF:
// every face gets its own copies of its vertices with the face normal, and
// triangles wind counter-clockwise seen from outside. Faces with no area are
// skipped; a face that cannot be triangulated is an error.
func (s *Solid) Triangles() (pos []Vec3, nrm []Vec3, idx []uint32, err error) {
	for fi, f := range s.Faces {
		n := f.Normal
		if n.Dot(n) == 0 {
			n = loopVectorArea(f.Outer).Norm()
		}
		if len(f.Outer) == 3 && len(f.Inner) == 0 {
			// Meshes turned into solids are all triangles: skip the
			// projection and triangulation.
			if loopVectorArea(f.Outer).Dot(n) <= 0 {
				continue
			}
			base := uint32(len(pos))
			pos = append(pos, f.Outer...)
			nrm = append(nrm, n, n, n)
			idx = append(idx, base, base+1, base+2)
			continue
		}
		u, v := faceBasis(n)
		o := f.Outer[0]
		flat := func(l []Vec3) Ring {
			r := make(Ring, len(l))
			for i, p := range l {
				d := p.Sub(o)
				r[i] = Vec2{d.Dot(u), d.Dot(v)}
			}
			return r
		}
		holes := make([]Ring, len(f.Inner))
		all := append([]Vec3(nil), f.Outer...)
		for k, h := range f.Inner {
			holes[k] = flat(h)
			all = append(all, h...)
		}
		_, tris, terr := Triangulate(flat(f.Outer), holes)
		if errors.Is(terr, ErrDegenerate) {
			continue
		}
		if terr != nil {
			return pos, nrm, idx, fmt.Errorf("face %d: %w", fi, terr)
		}
		// Copy only the vertices the triangles use.
		remap := make(map[int]uint32, len(all))
		for _, tr := range tris {
			for _, i := range tr {
				j, ok := remap[i]
				if !ok {
					j = uint32(len(pos))
					remap[i] = j
					pos = append(pos, all[i])
					nrm = append(nrm, n)
				}
				idx = append(idx, j)
			}
		}
	}
	return pos, nrm, idx, nil
}

// Frame is an orthonormal placement: the profile point (u, v) sits at
// Origin + u·U + v·V, and extrusion runs along N = U × V.
type Frame struct{ Origin, U, V Vec3 }

// N is the frame's normal U × V.
func (f Frame) N() Vec3 { return f.U.Cross(f.V) }

// At maps a profile point into space, offset by d along N.
func (f Frame) At(p Vec2, d float64) Vec3 {
	return f.Origin.Add(f.U.Scale(p[0])).Add(f.V.Scale(p[1])).Add(f.N().Scale(d))
}

// Extrude sweeps a planar profile with holes along the frame's normal by
// depth, giving a prism: a top and a bottom face and one quadrilateral side
// face per profile and hole edge. Rings may wind either way; the faces come
// out correctly oriented. Holes must lie inside the profile without
// touching it or each other (validate with SelfIntersects and
// AnyRingsIntersect). A negative depth extrudes backwards; zero depth or a
// profile without area gives an empty solid.
func Extrude(f Frame, profile Ring, holes []Ring, depth float64) Solid {
	n := f.N().Norm()
	if depth < 0 {
		f.Origin = f.Origin.Add(n.Scale(depth))
		depth = -depth
	}
	outer := CleanRing(profile)
	sa := SignedArea(outer)
	if depth == 0 || len(outer) < 3 || sa == 0 || math.IsNaN(sa) {
		return Solid{}
	}
	// Material to the left of every loop: outer counter-clockwise, holes
	// clockwise, in the frame's (U, V) plane seen from +N.
	if sa < 0 {
		outer = Reversed(outer)
	}
	loops := []Ring{outer}
	for _, h := range holes {
		h = CleanRing(h)
		ha := SignedArea(h)
		if len(h) < 3 || ha == 0 {
			continue
		}
		if ha > 0 {
			h = Reversed(h)
		}
		loops = append(loops, h)
	}
	// Compute every corner once so faces sharing an edge hold bit-identical
	// points.
	top := make([][]Vec3, len(loops))
	bottom := make([][]Vec3, len(loops))
	off := n.Scale(depth)
	for k, l := range loops {
		top[k] = make([]Vec3, len(l))
		bottom[k] = make([]Vec3, len(l))
		for i, p := range l {
			b := f.Origin.Add(f.U.Scale(p[0])).Add(f.V.Scale(p[1]))
			bottom[k][i] = b
			top[k][i] = b.Add(off)
		}
	}
	faces := make([]Face, 0, 2+len(outer)*len(loops))
	// Top: seen from +N the loops already have the required winding.
	faces = append(faces, Face{Outer: top[0], Inner: top[1:], Normal: n})
	// Bottom: seen from -N every loop must run the other way.
	bot := Face{Outer: reversed3(bottom[0]), Normal: n.Scale(-1)}
	for _, l := range bottom[1:] {
		bot.Inner = append(bot.Inner, reversed3(l))
	}
	faces = append(faces, bot)
	// Sides: for an edge a→b with material on its left, the quad
	// a0, b0, b1, a1 has normal (b-a) × N, which points away from the
	// material.
	for k, l := range loops {
		m := len(l)
		for i := range l {
			j := (i + 1) % m
			dir := bottom[k][j].Sub(bottom[k][i])
			faces = append(faces, Face{
				Outer:  []Vec3{bottom[k][i], bottom[k][j], top[k][j], top[k][i]},
				Normal: dir.Cross(n).Norm(),
			})
		}
	}
	return Solid{Faces: faces}
}

func reversed3(l []Vec3) []Vec3 {
	out := make([]Vec3, len(l))
	for i, p := range l {
		out[len(l)-1-i] = p
	}
	return out
}

// Prism is a vertical extrusion of profile from z0 to z1 (slabs, generic
// extrusions); the order of z0 and z1 does not matter.
func Prism(profile Ring, holes []Ring, z0, z1 float64) Solid {
	if z1 < z0 {
		z0, z1 = z1, z0
	}
	f := Frame{Origin: Vec3{0, 0, z0}, U: Vec3{1, 0, 0}, V: Vec3{0, 1, 0}}
	return Extrude(f, profile, holes, z1-z0)
}

// Box is a box of the given size whose base centre is at centreBase,
// rotated by rotationDeg about the vertical axis, counter-clockwise seen
// from above (the mathematical sense).
func Box(centreBase Vec3, size Vec3, rotationDeg float64) Solid {
	s, c := sincosDeg(rotationDeg)
	f := Frame{Origin: centreBase, U: Vec3{c, s, 0}, V: Vec3{-s, c, 0}}
	hx, hy := math.Abs(size[0])/2, math.Abs(size[1])/2
	return Extrude(f, Ring{{-hx, -hy}, {hx, -hy}, {hx, hy}, {-hx, hy}}, nil, math.Abs(size[2]))
}

// sincosDeg is exact at multiples of 90°, so that an axis-aligned box stays
// exactly axis-aligned instead of picking up 6e-17 components.
func sincosDeg(deg float64) (sin, cos float64) {
	r := math.Mod(deg, 360)
	if r < 0 {
		r += 360
	}
	switch r {
	case 0:
		return 0, 1
	case 90:
		return 1, 0
	case 180:
		return 0, -1
	case 270:
		return -1, 0
	}
	return math.Sincos(deg * math.Pi / 180)
}
