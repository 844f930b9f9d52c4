package model

import "github.com/arxos/arxport/geom"

// normaliser turns checked objects into the form writers see: lengths in metres,
// rings without a repeated closing point, defaults filled in.
type normaliser struct {
	f float64 // metres per model unit
}

func (n normaliser) len(v float64) float64 { return v * n.f }

func (n normaliser) ring(r geom.Ring) geom.Ring {
	r = geom.CleanRing(r)
	if n.f != 1 {
		for i := range r {
			r[i] = geom.Vec2{r[i][0] * n.f, r[i][1] * n.f}
		}
	}
	return r
}

func (n normaliser) rings(rs []geom.Ring) []geom.Ring {
	for i := range rs {
		rs[i] = n.ring(rs[i])
	}
	return rs
}

func (n normaliser) floor(f *Floor) {
	f.Elevation = n.len(f.Elevation)
	f.Height = n.len(f.Height)
	if f.Name == "" {
		f.Name = f.ID
	}
}

// room expects floorHeight already in metres.
func (n normaliser) room(r *Room, floor string, floorHeight float64) {
	r.Kind = ""
	r.Floor = floor
	r.Boundary = n.ring(r.Boundary)
	r.Holes = n.rings(r.Holes)
	if r.Height == 0 {
		r.Height = floorHeight
	} else {
		r.Height = n.len(r.Height)
	}
}

func (n normaliser) element(e *Element, floor string) {
	e.Floor = floor
	if e.Type == "equipment" {
		if e.System == "" {
			e.System = "other"
		}
		if e.Status == "" {
			e.Status = "unknown"
		}
	}
	g := &e.Geometry
	if g.Start != nil {
		g.Start = &geom.Vec2{n.len(g.Start[0]), n.len(g.Start[1])}
	}
	if g.End != nil {
		g.End = &geom.Vec2{n.len(g.End[0]), n.len(g.End[1])}
	}
	g.Thickness = n.len(g.Thickness)
	g.Height = n.len(g.Height)
	g.Base = n.len(g.Base)
	g.Profile = n.ring(g.Profile)
	g.Holes = n.rings(g.Holes)
	if g.Position != nil {
		g.Position = &geom.Vec3{n.len(g.Position[0]), n.len(g.Position[1]), n.len(g.Position[2])}
	}
	if g.Size != nil {
		g.Size = &geom.Vec3{n.len(g.Size[0]), n.len(g.Size[1]), n.len(g.Size[2])}
	}
	g.Offset = n.len(g.Offset)
	g.Width = n.len(g.Width)
	g.Sill = n.len(g.Sill)
	if n.f != 1 {
		for i, v := range g.Vertices {
			g.Vertices[i] = geom.Vec3{n.len(v[0]), n.len(v[1]), n.len(v[2])}
		}
	}
}
