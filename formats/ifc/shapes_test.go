package ifc_test

import (
	"encoding/json"
	"testing"

	"github.com/arxos/arxport/geom"
	"github.com/arxos/arxport/model"
)

// shapes reaches every geometry the writer knows: an L-shaped room with a
// hole, a slab with holes, a diagonal wall with a door and a window, a
// rotated box, a closed mesh, and names that need every kind of escape.
const shapes = `{
  "schema": "arxos.building/v1", "id": "SHAPES-1", "name": "Shapes 'quoted' \\ back\\slash \u00e9\u6771\u4eac\ud83c\udfe2 \u0001\t\n end",
  "georef": {"lat": -33.8688, "lon": 151.2093, "elevation": 12.5, "rotation": 37},
  "floors": [
    {"id": "L0", "name": "Ground", "level": 0, "elevation": 0, "height": 3.5,
     "rooms": [
      {"id": "R-L", "name": "L-shaped \u00c4rea 'x' \\ y", "type": "office",
       "boundary": [[0,0],[10,0],[10,4],[4,4],[4,10],[0,10]],
       "holes": [[[1,1],[2,1],[2,2],[1,2]]], "properties": {"wheelchair_access": true, "finish": "oak"}}
     ],
     "elements": [
      {"id": "SLAB-1", "type": "slab", "name": "Slab with holes", "material": "Concrete C30/37",
       "geometry": {"kind": "extrusion", "profile": [[0,0],[12,0],[12,12],[0,12]], "holes": [[[2,2],[4,2],[4,4],[2,4]], [[6,6],[6,8],[8,8],[8,6]]], "base": -0.3, "height": 0.3},
       "properties": {"fire_rating": "REI 90", "load_bearing": true}},
      {"id": "W-diag", "type": "wall", "name": "Diagonal wall", "material": "Brick",
       "geometry": {"kind": "line", "start": [0,0], "end": [8,6], "thickness": 0.3, "height": 3},
       "properties": {"fire_rating": "EI 60", "load_bearing": false, "is_external": true}},
      {"id": "D-1", "type": "door", "name": "Door \"1\"", "host": "W-diag",
       "geometry": {"kind": "opening", "offset": 1, "width": 1, "height": 2.1}, "properties": {"self_closing": true}},
      {"id": "WIN-1", "type": "window", "name": "Window", "host": "W-diag",
       "geometry": {"kind": "opening", "offset": 4, "width": 1.5, "height": 1.2, "sill": 0.9}},
      {"id": "COL-R", "type": "column", "name": "Rotated column",
       "geometry": {"kind": "box", "position": [6,2,0], "size": [0.4,0.6,3], "rotation": 30}},
      {"id": "EQ-1", "type": "equipment", "system": "hvac", "status": "operational", "name": "AHU",
       "geometry": {"kind": "box", "position": [3,3,0], "size": [1,1,1]}, "properties": {"manufacturer": "Daikin", "model": "X1", "serial": "S-1"}}
     ]},
    {"id": "L1", "name": "Erste Etage \u00fc", "level": 1, "elevation": 3.5, "height": 3.2,
     "rooms": [{"id": "R-2", "name": "\ud83c\udfe2 Sky", "boundary": [[0,0],[5,0],[5,5],[0,5]]}],
     "elements": [
      {"id": "D-0", "type": "door", "name": "Door before its wall", "host": "W-2",
       "geometry": {"kind": "opening", "offset": 1, "width": 0.9, "height": 2}},
      {"id": "MESH-closed", "type": "furniture", "name": "Tetra",
       "geometry": {"kind": "mesh", "vertices": [[0,0,0],[1,0,0],[0,1,0],[0,0,1]], "triangles": [[0,2,1],[0,1,3],[0,3,2],[1,2,3]]}},
      {"id": "ROOF-1", "type": "roof", "name": "Roof",
       "geometry": {"kind": "extrusion", "profile": [[0,0],[5,0],[5,5],[0,5]], "base": 3, "height": 0.2}},
      {"id": "W-2", "type": "wall", "name": "Wall 2",
       "geometry": {"kind": "line", "start": [0,5], "end": [5,5], "thickness": 0.2, "height": 3}},
      {"id": "SEC-1", "type": "equipment", "system": "security", "name": "Camera",
       "geometry": {"kind": "box", "position": [1,1,2.5], "size": [0.2,0.2,0.2]}},
      {"id": "OTH-1", "type": "equipment", "system": "other", "name": "Thing",
       "geometry": {"kind": "box", "position": [2,1,0], "size": [0.5,0.5,0.5]}},
      {"id": "G-1", "type": "generic", "name": "Generic",
       "geometry": {"kind": "box", "position": [3,1,0], "size": [0.5,0.5,0.5]}}
     ]}
  ]
}`

// shapesScaled is shapes in other units (k of them to the metre), moved off
// metres east and north of the georef's origin. The model reads numbers up
// to 1e7, so millimetres and large offsets are separate cases.
func shapesScaled(t testing.TB, units model.Unit, k, off float64) string {
	t.Helper()
	var b model.Building
	if err := json.Unmarshal([]byte(shapes), &b); err != nil {
		t.Fatal(err)
	}
	b.Units = units
	p2 := func(p geom.Vec2) geom.Vec2 { return geom.Vec2{p[0]*k + off, p[1]*k + off} }
	ring := func(r geom.Ring) geom.Ring {
		out := make(geom.Ring, len(r))
		for i, p := range r {
			out[i] = p2(p)
		}
		return out
	}
	rings := func(rs []geom.Ring) []geom.Ring {
		out := make([]geom.Ring, len(rs))
		for i, r := range rs {
			out[i] = ring(r)
		}
		return out
	}
	for i := range b.Floors {
		f := &b.Floors[i]
		f.Elevation *= k
		f.Height *= k
		for j := range f.Rooms {
			r := &f.Rooms[j]
			r.Boundary, r.Holes, r.Height = ring(r.Boundary), rings(r.Holes), r.Height*k
		}
		for j := range f.Elements {
			g := &f.Elements[j].Geometry
			if g.Start != nil {
				s, e := p2(*g.Start), p2(*g.End)
				g.Start, g.End = &s, &e
			}
			g.Thickness, g.Height, g.Base = g.Thickness*k, g.Height*k, g.Base*k
			g.Offset, g.Width, g.Sill = g.Offset*k, g.Width*k, g.Sill*k
			g.Profile, g.Holes = ring(g.Profile), rings(g.Holes)
			if g.Position != nil {
				p := geom.Vec3{g.Position[0]*k + off, g.Position[1]*k + off, g.Position[2] * k}
				s := geom.Vec3{g.Size[0] * k, g.Size[1] * k, g.Size[2] * k}
				g.Position, g.Size = &p, &s
			}
			for v := range g.Vertices {
				g.Vertices[v] = geom.Vec3{g.Vertices[v][0]*k + off, g.Vertices[v][1]*k + off, g.Vertices[v][2] * k}
			}
		}
	}
	out, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
