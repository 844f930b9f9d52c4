// Package model reads, checks and normalises Building Model v1 (../shared/MODEL.md),
// the input every export starts from.
//
// The same types carry the wire form (their JSON tags follow MODEL.md, so the generator
// and tests marshal them directly) and the normalised form handed to writers: after
// Open every length is in metres, polygons are cleaned and every reference resolves.
package model

import (
	"slices"
	"strings"

	"github.com/arxos/arxport/geom"
)

// SchemaV1 is the only schema this package reads.
const SchemaV1 = "arxos.building/v1"

// Building is the document without its rooms, elements and connections, which
// a Model hands out one by one.
type Building struct {
	Schema      string       `json:"schema"`
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Address     string       `json:"address,omitempty"`
	Units       Unit         `json:"units,omitempty"`
	Georef      *Georef      `json:"georef,omitempty"`
	Properties  Properties   `json:"properties,omitempty"`
	Floors      []Floor      `json:"floors"`
	Connections []Connection `json:"connections,omitempty"`
}

// Georef places the model's local origin on Earth.
type Georef struct {
	Lat       float64 `json:"lat"`
	Lon       float64 `json:"lon"`
	Elevation float64 `json:"elevation"`
	// Rotation is degrees clockwise from true north to the model's +Y axis.
	Rotation float64 `json:"rotation"`
}

// Floor is one storey. Rooms and Elements are filled only in the document form;
// a Model streams them instead.
type Floor struct {
	ID        string    `json:"id"`
	Name      string    `json:"name,omitempty"`
	Level     int       `json:"level"`
	Elevation float64   `json:"elevation"`
	Height    float64   `json:"height"`
	Rooms     []Room    `json:"rooms,omitempty"`
	Elements  []Element `json:"elements,omitempty"`
}

// Room is a space on a floor, bounded by a simple polygon with optional holes.
type Room struct {
	Kind       string      `json:"kind,omitempty"` // "room" on NDJSON lines
	Floor      string      `json:"floor,omitempty"`
	ID         string      `json:"id"`
	Name       string      `json:"name,omitempty"`
	Type       string      `json:"type,omitempty"`
	Boundary   geom.Ring   `json:"boundary"`
	Holes      []geom.Ring `json:"holes,omitempty"`
	Height     float64     `json:"height,omitempty"` // the floor's height when absent
	Properties Properties  `json:"properties,omitempty"`
}

// Element is one building element: a wall, door, slab, piece of equipment...
type Element struct {
	Floor      string     `json:"floor,omitempty"` // NDJSON lines only; always set after Open
	ID         string     `json:"id"`
	Type       string     `json:"type"`
	Name       string     `json:"name,omitempty"`
	Material   string     `json:"material,omitempty"`
	System     string     `json:"system,omitempty"`
	Status     string     `json:"status,omitempty"`
	Room       string     `json:"room,omitempty"`
	Host       string     `json:"host,omitempty"`
	Geometry   Geometry   `json:"geometry"`
	Properties Properties `json:"properties,omitempty"`
}

// Geometry kinds.
const (
	KindLine      = "line"
	KindExtrusion = "extrusion"
	KindBox       = "box"
	KindOpening   = "opening"
	KindMesh      = "mesh"
)

// Geometry is one of the five kinds of MODEL.md; Kind says which fields apply.
// Coordinates are local to the floor: x east, y north, z up from the floor's elevation.
type Geometry struct {
	Kind string `json:"kind"`
	// line
	Start     *geom.Vec2 `json:"start,omitempty"`
	End       *geom.Vec2 `json:"end,omitempty"`
	Thickness float64    `json:"thickness,omitempty"`
	// line, extrusion, opening
	Height float64 `json:"height,omitempty"`
	Base   float64 `json:"base,omitempty"`
	// extrusion
	Profile geom.Ring   `json:"profile,omitempty"`
	Holes   []geom.Ring `json:"holes,omitempty"`
	// box
	Position *geom.Vec3 `json:"position,omitempty"`
	Size     *geom.Vec3 `json:"size,omitempty"`
	Rotation float64    `json:"rotation,omitempty"`
	// opening
	Offset float64 `json:"offset,omitempty"`
	Width  float64 `json:"width,omitempty"`
	Sill   float64 `json:"sill,omitempty"`
	// mesh
	Vertices  []geom.Vec3 `json:"vertices,omitempty"`
	Triangles [][3]int    `json:"triangles,omitempty"`
}

// Connection links two elements: a power feed, a duct, a network link.
type Connection struct {
	Kind string `json:"kind,omitempty"` // "connection" on NDJSON lines
	From string `json:"from"`
	To   string `json:"to"`
	Type string `json:"type"`
	Spec string `json:"spec,omitempty"`
}

// Properties is a flat map of string, float64 or bool values.
type Properties map[string]any

// Keys returns the keys in sorted order, so every writer lists properties the same way.
func (p Properties) Keys() []string { return p.AppendKeys(make([]string, 0, len(p))) }

// AppendKeys appends the keys to dst in sorted order; a writer that lists the
// properties of a million elements reuses one slice.
func (p Properties) AppendKeys(dst []string) []string {
	n := len(dst)
	for k := range p {
		dst = append(dst, k)
	}
	slices.Sort(dst[n:])
	return dst
}

// Prop is one property: a key and its string, float64 or bool value.
type Prop struct {
	Key   string
	Value any
}

// AppendList appends the properties to dst as a list sorted by key.
func (p Properties) AppendList(dst []Prop) []Prop {
	n := len(dst)
	for k, v := range p {
		dst = append(dst, Prop{k, v})
	}
	slices.SortFunc(dst[n:], func(a, b Prop) int { return strings.Compare(a.Key, b.Key) })
	return dst
}

// Element types.
var ElementTypes = []string{"wall", "slab", "roof", "door", "window", "column", "beam",
	"stair", "railing", "equipment", "furniture", "generic"}

// Equipment systems.
var Systems = []string{"hvac", "electrical", "plumbing", "fire", "network", "security", "lighting", "other"}

// Equipment statuses.
var Statuses = []string{"operational", "warning", "failed", "maintenance", "unknown"}

// Connection types.
var ConnectionTypes = []string{"power", "network", "plumbing", "hvac", "logical"}

// Unit is the length unit of a model file.
type Unit string

// Units and their size in metres.
var unitMetres = map[Unit]float64{"m": 1, "mm": 0.001, "cm": 0.01, "ft": 0.3048, "in": 0.0254}

// Metres returns the unit's length in metres and whether the unit is known.
func (u Unit) Metres() (float64, bool) {
	if u == "" {
		return 1, true
	}
	f, ok := unitMetres[u]
	return f, ok
}
