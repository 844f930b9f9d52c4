package json

import (
	"math"

	"github.com/arxos/arxport/geom"
	"github.com/arxos/arxport/model"
)

// RoomMeasures are the computed quantities of a room, in metres. The model
// measures elements (model.Measure); rooms are simple enough to measure here.
type RoomMeasures struct {
	// Area is the floor area: the boundary's less its holes'.
	Area float64
	// Perimeter is the length of the outer boundary (holes not included).
	Perimeter float64
	// Volume is Area times the room's height.
	Volume float64
	// Min and Max bound the room, floor-local: z from 0 to the room's height.
	Min, Max [3]float64
}

// MeasureRoom computes a room's quantities.
func MeasureRoom(r *model.Room) RoomMeasures {
	var m RoomMeasures
	m.Area = geom.Area(r.Boundary)
	for _, h := range r.Holes {
		m.Area -= geom.Area(h)
	}
	m.Area = math.Max(m.Area, 0)
	m.Perimeter = geom.Perimeter(r.Boundary)
	m.Volume = m.Area * r.Height
	m.Min = [3]float64{math.Inf(1), math.Inf(1), 0}
	m.Max = [3]float64{math.Inf(-1), math.Inf(-1), r.Height}
	for _, p := range r.Boundary {
		for k := range 2 {
			m.Min[k] = math.Min(m.Min[k], p[k])
			m.Max[k] = math.Max(m.Max[k], p[k])
		}
	}
	if len(r.Boundary) == 0 {
		m.Min[0], m.Min[1], m.Max[0], m.Max[1] = 0, 0, 0, 0
	}
	return m
}
