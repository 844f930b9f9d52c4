// Package scene turns a model into 3D geometry, once per job, for the formats
// that draw solids (glTF, IFC, STEP, IGES): per element its solids and their
// triangulation, per floor its placement, a material key per element type and
// material, and an offset that re-centres large coordinates.
//
// The scene streams: Elements visits the model's elements one by one and holds
// nothing per element between calls, so memory does not grow with the model.
//
// Coordinates are the model's: metres, x east, y north, z up. An element's
// geometry is floor-local (z from the floor's elevation), or, with
// Options.Local, element-local: small numbers near the origin, placed into the
// floor by the element's Placement (a rotation about z, then a translation).
// Element-local geometry makes identical elements (boxes of one size, walls of
// one length) identical to the bit, so writers can share meshes, and keeps
// float32 precision however far the building lies from the origin.
package scene

import (
	"context"
	"fmt"
	"math"

	"github.com/arxos/arxport/geom"
	"github.com/arxos/arxport/model"
)

// CodeTriangulation is the warning code when a face of an element could not be
// triangulated and was left out.
const CodeTriangulation = "SCENE_TRIANGULATION"

// Panel thicknesses, in metres, of doors and windows drawn as panels (Options.Panels).
const (
	DoorPanel   = 0.04
	WindowPanel = 0.02
)

// Options choose how elements are turned into geometry.
type Options struct {
	// Local gives element-local geometry with a Placement per element; otherwise
	// geometry is floor-local and every Placement is the identity.
	Local bool
	// Panels draws a door or window as a thin panel filling its opening, centred
	// in its wall (DoorPanel, WindowPanel thick, at most the wall's thickness),
	// instead of the volume it cuts from the wall.
	Panels bool
	// Warn receives problems that did not stop the conversion. May be nil.
	Warn func(model.Problem)
}

// Scene is a model seen as 3D geometry.
type Scene struct {
	Model  *model.Model
	opts   Options
	offset geom.Vec3
	floors map[string]int
}

// New prepares the scene of m. It reads only the model's header and stats.
func New(m *model.Model, o Options) *Scene {
	s := &Scene{Model: m, opts: o, floors: make(map[string]int, len(m.Building.Floors))}
	for i, f := range m.Building.Floors {
		s.floors[f.ID] = i
	}
	s.offset = Offset(m.Stats.Min, m.Stats.Max)
	return s
}

// Offset returns the re-centring offset for a building bounded by min and max:
// the centre of the bounds in plan, rounded to the metre; z is 0, as floor
// elevations are small numbers and stay as they are. Subtracting it brings
// UTM-like coordinates (10^5–10^7 m) near the origin, where float32 keeps
// better than a millimetre across a building. Bounds that are not finite give 0.
func Offset(min, max geom.Vec3) geom.Vec3 {
	var o geom.Vec3
	for k := range 2 {
		c := math.Round((min[k] + max[k]) / 2)
		if !math.IsInf(c, 0) && !math.IsNaN(c) {
			o[k] = c
		}
	}
	return o
}

// Offset is the point, in the model's metres, that writers subtract from every
// coordinate and record in the file (see the package Offset).
func (s *Scene) Offset() geom.Vec3 { return s.offset }

// Floors returns the model's floors; Item.Floor indexes them.
func (s *Scene) Floors() []model.Floor { return s.Model.Building.Floors }

// Placement puts element-local geometry into its floor: rotate by Angle
// (radians, counter-clockwise about +z seen from above), then translate by
// Origin (floor-local metres).
type Placement struct {
	Origin geom.Vec3
	Angle  float64
}

// Apply maps an element-local point into floor-local coordinates.
func (p Placement) Apply(v geom.Vec3) geom.Vec3 {
	if p.Angle == 0 {
		return v.Add(p.Origin)
	}
	s, c := math.Sincos(p.Angle)
	return geom.Vec3{c*v[0] - s*v[1] + p.Origin[0], s*v[0] + c*v[1] + p.Origin[1], v[2] + p.Origin[2]}
}

// Triangles is an indexed, flat-shaded triangle list: every vertex has the
// normal of its face, and triangles wind counter-clockwise seen from outside.
type Triangles struct {
	Positions []geom.Vec3
	Normals   []geom.Vec3
	Indices   []uint32
}

// Count is the number of triangles.
func (t *Triangles) Count() int { return len(t.Indices) / 3 }

func (t *Triangles) reset() {
	t.Positions, t.Normals, t.Indices = t.Positions[:0], t.Normals[:0], t.Indices[:0]
}

// add appends a solid's triangulation. Convex quadrilaterals (the sides of
// every wall, slab and box) are split directly; other faces go through
// geom's triangulation, one face at a time.
func (t *Triangles) add(s *geom.Solid) error {
	for i := range s.Faces {
		f := &s.Faces[i]
		if len(f.Inner) == 0 && len(f.Outer) == 4 && convexQuad(f.Outer, f.Normal) {
			base := uint32(len(t.Positions))
			t.Positions = append(t.Positions, f.Outer...)
			t.Normals = append(t.Normals, f.Normal, f.Normal, f.Normal, f.Normal)
			t.Indices = append(t.Indices, base, base+1, base+2, base, base+2, base+3)
			continue
		}
		one := geom.Solid{Faces: s.Faces[i : i+1]}
		pos, nrm, idx, err := one.Triangles()
		if err != nil {
			return fmt.Errorf("face %d: %w", i, err)
		}
		base := uint32(len(t.Positions))
		t.Positions = append(t.Positions, pos...)
		t.Normals = append(t.Normals, nrm...)
		for _, k := range idx {
			t.Indices = append(t.Indices, base+k)
		}
	}
	return nil
}

// convexQuad reports whether a planar quadrilateral turns left at every
// corner seen against its unit normal n, so that the fan 0-1-2, 0-2-3 covers
// it with two triangles of positive area.
func convexQuad(q []geom.Vec3, n geom.Vec3) bool {
	if math.Abs(n.Dot(n)-1) > 1e-9 {
		return false
	}
	for k := range 4 {
		a, b, c := q[k], q[(k+1)%4], q[(k+2)%4]
		if !(b.Sub(a).Cross(c.Sub(b)).Dot(n) > 0) {
			return false
		}
	}
	// planar: the fourth corner lies in the plane of the first three
	d := q[3].Sub(q[0]).Dot(n)
	size := q[2].Sub(q[0]).Len()
	return math.Abs(d) <= 1e-9*math.Max(size, 1)
}

// Item is one element as geometry. Elements reuses it between calls.
type Item struct {
	Element *model.Element
	// Floor indexes Scene.Floors.
	Floor int
	Place Placement
	// Solids are the element's closed solids (see model.Model.Solids; with
	// Options.Panels, a door's or window's panel); none for an open mesh.
	Solids []geom.Solid
	// Tris triangulates Solids or, for an open mesh, its surface: every
	// triangle twice, once per side, since an open surface has no inside.
	Tris Triangles
	// Open is true for a mesh that is not closed.
	Open bool
	// Material is the element's material key (MaterialKey).
	Material string
}

// Elements calls fn for every element of the model, in input order. The Item
// and its slices are reused after fn returns.
func (s *Scene) Elements(ctx context.Context, fn func(*Item) error) error {
	var it Item
	return s.Model.Elements(ctx, func(e *model.Element) error {
		it.Element = e
		it.Floor = s.floors[e.Floor]
		it.Material = MaterialKey(e)
		it.Open = false
		it.Tris.reset()
		s.geometry(&it)
		for k := range it.Solids {
			if err := it.Tris.add(&it.Solids[k]); err != nil {
				s.warn(e, fmt.Sprintf("solid %d of %d left out: %v", k+1, len(it.Solids), err))
			}
		}
		if it.Open {
			openSurface(&it.Tris, e.Geometry.Vertices, e.Geometry.Triangles, it.Place.Origin)
		}
		return fn(&it)
	})
}

func (s *Scene) warn(e *model.Element, msg string) {
	if s.opts.Warn != nil {
		s.opts.Warn(model.Problem{Path: "elements." + e.ID, Code: CodeTriangulation, Message: msg})
	}
}
