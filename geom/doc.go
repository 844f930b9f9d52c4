// Package geom holds the geometry shared by every export format: 2D rings,
// planar-faced solids (B-reps), triangle meshes and the constructors the
// building model uses (prisms, boxes, walls with openings).
//
// Coordinates are metres, x east, y north, z up. Predicates that decide
// topology (orientation, segment contact, point in polygon) are exact for
// finite float64 input, so validation gives the same answer on every machine
// and never disagrees with itself; measurements (areas, volumes) are ordinary
// floating point.
package geom
