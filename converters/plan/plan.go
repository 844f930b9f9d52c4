// Package plan turns a model into 2D floor plans: for every floor the wall
// outlines cut at the usual plan height with door and window openings left as
// gaps, door swings, windows, room outlines with labels and areas, equipment
// symbols and the footprints of everything else, sorted into layers. The dxf,
// pdf and asciibim formats draw from it.
//
// A Plan holds every floor in memory: the formats that use it are not streaming.
// Lengths are metres in the model's local plan coordinates (x east, y north as
// the model has them; North says where true north is). Every list keeps the
// model's input order, so a plan built twice from one model is identical.
//
// The plan cut: walls are cut CutHeight (1.0 m) above the floor. A door or window
// whose opening spans that height (its sill at or below it, its head above it)
// leaves a gap in its wall and is marked Cut; any other opening (a high window, a
// low hatch) leaves the wall whole and is listed with Cut false, for formats that
// draw it dashed or not at all. Every wall is drawn whatever its height (a low
// parapet too). Walls are drawn as the rectangles of their thickened axes, one
// per piece between gaps; where walls meet, their rectangles overlap rather than
// being merged.
package plan

import (
	"context"
	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/geom"
	"github.com/arxos/arxport/model"
)

// CutHeight is the height above the floor, in metres, at which walls are cut.
const CutHeight = 1.0

// CodeNoNorth is the warning code when the model has no georef, so the plan has no
// north arrow.
const CodeNoNorth = "PLAN_NO_NORTH"

// CodeFootprint is the warning code when an element's plan is approximated (an
// open or flat mesh drawn as the convex hull of its vertices).
const CodeFootprint = "PLAN_FOOTPRINT"

// Plan is the 2D plan of a building, one Floor per storey.
type Plan struct {
	// Building is the building's name, BuildingID its id and Address its address (may be empty).
	Building, BuildingID, Address string
	// Units is the unit the model was written in; the plan itself is in metres.
	Units model.Unit
	// HasNorth is false when the model has no georef; North is then 0.
	HasNorth bool
	// North is the direction of true north in degrees, measured clockwise from the
	// plan's +Y axis, in [0, 360): the georef rotation says +Y is Rotation degrees
	// clockwise from north, so North = 360 - Rotation (mod 360).
	North float64
	// Min and Max bound every non-empty floor's drawing (zero when all are empty).
	Min, Max geom.Vec2
	// Floors are sorted by level; floors of the same level keep the model's order.
	Floors []*Floor
	// Connections between elements, in model order.
	Connections []Connection
	// Warnings are problems that did not stop the plan; formats pass them on to
	// the job (formats.Job.Warning).
	Warnings []model.Problem
}

// Floor is the plan of one storey.
type Floor struct {
	ID, Name string
	Level    int
	// Elevation and Height of the floor, metres.
	Elevation, Height float64
	// Min and Max bound everything drawn on the floor. For an Empty floor they
	// are the plan's extents (Plan.Min/Max), so a sheet or grid of the same
	// size can still be laid out.
	Min, Max geom.Vec2
	// Empty is true when the floor has no rooms and no elements. It is still
	// present, so every floor gets its page, block or grid.
	Empty bool

	// Walls are wall outlines (layer LayerWalls), one closed counter-clockwise
	// rectangle per piece of wall between cut openings.
	Walls []Shape
	Doors []Door
	// Windows are the window openings (layer LayerWindows).
	Windows []Window
	Rooms   []Room
	// Equipment are the equipment elements (layer LayerEquipment).
	Equipment []Symbol
	// Other holds the footprints of every other element by layer: slabs, roofs,
	// columns, beams, stairs, railings, furniture and generic elements.
	Other []Shape
}

// Layer names what a drawn thing is. Formats map layers to their own terms: DXF
// layer names, PDF pens, ASCII-BIM characters.
type Layer string

// Layers.
const (
	LayerWalls      Layer = "walls"
	LayerDoors      Layer = "doors"
	LayerWindows    Layer = "windows"
	LayerRooms      Layer = "rooms"
	LayerEquipment  Layer = "equipment"
	LayerAnnotation Layer = "annotation" // room labels, titles: formats add these
	LayerSlabs      Layer = "slabs"
	LayerRoofs      Layer = "roofs"
	LayerColumns    Layer = "columns"
	LayerBeams      Layer = "beams"
	LayerStairs     Layer = "stairs"
	LayerRailings   Layer = "railings"
	LayerFurniture  Layer = "furniture"
	LayerGeneric    Layer = "generic"
)

// LayerOf returns the layer of an element type (LayerGeneric for an unknown one).
func LayerOf(elementType string) Layer {
	switch elementType {
	case "wall":
		return LayerWalls
	case "door":
		return LayerDoors
	case "window":
		return LayerWindows
	case "equipment":
		return LayerEquipment
	case "slab":
		return LayerSlabs
	case "roof":
		return LayerRoofs
	case "column":
		return LayerColumns
	case "beam":
		return LayerBeams
	case "stair":
		return LayerStairs
	case "railing":
		return LayerRailings
	case "furniture":
		return LayerFurniture
	}
	return LayerGeneric
}

// Shape is a closed outline with holes: a piece of wall or an element's footprint.
type Shape struct {
	Layer Layer
	// ID, Type and Name are the element's.
	ID, Type, Name string
	// Outer is counter-clockwise, Holes clockwise; rings are not closed (the first
	// point is not repeated).
	Outer geom.Ring
	Holes []geom.Ring
}

// Arc is a circular arc drawn counter-clockwise from Start to End, angles in
// degrees counter-clockwise from +X in [0, 360), as DXF has it.
type Arc struct {
	Centre     geom.Vec2
	Radius     float64
	Start, End float64
}

// Door is a door opening in its host wall, drawn open at 90°.
type Door struct {
	// ID and Name are the door's, Wall its host's id, Room the room it belongs to (may be empty).
	ID, Name, Wall, Room string
	// A and B are the ends of the opening on the wall's axis: A at the opening's
	// offset from the wall's start, B at offset+width.
	A, B geom.Vec2
	// Thickness is the host wall's.
	Thickness float64
	// Jambs are the two lines across the wall (face to face) at A and at B.
	Jambs [2][2]geom.Vec2
	// Hinge is at the A end, on the wall face the door opens towards: the face
	// towards the door's room when it has one, else the left of the wall
	// (looking from its start to its end).
	Hinge geom.Vec2
	// Leaf is the free end of the leaf, drawn open: Hinge + width, at right
	// angles to the wall, into the side it opens towards.
	Leaf geom.Vec2
	// Swing is the quarter circle the leaf's end sweeps, between Leaf and the
	// closed position (the B end on the same face); centre Hinge, radius Width.
	Swing Arc
	// Width, Sill and Height of the opening, metres (sill above the wall's base).
	Width, Sill, Height float64
	// Cut is true when the opening spans the cut height, so the wall has a gap.
	Cut bool
}

// Window is a window opening in its host wall.
type Window struct {
	// ID and Name are the window's, Wall its host's id, Room the room it belongs to (may be empty).
	ID, Name, Wall, Room string
	// A and B are the ends of the opening on the wall's axis (A at its offset).
	A, B geom.Vec2
	// Thickness is the host wall's.
	Thickness float64
	// Faces are the two lines of the wall faces across the opening, the glazing
	// lines of the usual window symbol; Jambs the lines across the wall at A and B.
	Faces, Jambs [2][2]geom.Vec2
	// Width, Sill and Height of the opening, metres (sill above the wall's base).
	Width, Sill, Height float64
	// Cut is true when the opening spans the cut height, so the wall has a gap.
	Cut bool
}

// Room is a room's outline and label.
type Room struct {
	// ID is also the room's number on drawings.
	ID, Name, Type string
	// Outer is counter-clockwise, Holes clockwise.
	Outer geom.Ring
	Holes []geom.Ring
	// Area is the floor area in square metres (holes taken out).
	Area float64
	// Height is the room's clear height, metres.
	Height float64
	// Label is where the room's label goes: a point well inside the room, away
	// from its walls (close to the pole of inaccessibility, so an L-shaped room
	// gets it in one of its arms, not in the corner outside).
	Label geom.Vec2
	// LabelRadius is the distance from Label to the nearest edge of the room:
	// a label fits when it lies within a circle of this radius.
	LabelRadius float64
}

// Symbol is a piece of equipment.
type Symbol struct {
	ID, Name string
	// System is one of model.Systems, Status one of model.Statuses.
	System, Status string
	// Kind is what the equipment is, lower case with underscores
	// ("thermostat", "vav_box"): its "kind" or "equipment_type" property, else
	// its name, else "equipment".
	Kind string
	// Room is the id of the room that holds it (may be empty).
	Room string
	// Model and Manufacturer come from the properties of the same name (may be empty).
	Model, Manufacturer string
	// Critical is the "critical" property when it is true.
	Critical bool
	// Position is the centre of its box (or of its footprint's bounds for other
	// geometry), Z the height of its base above the floor.
	Position geom.Vec2
	Z        float64
	// Rotation is degrees counter-clockwise about z; Size the box's x and y sizes
	// before rotation.
	Rotation float64
	Size     geom.Vec2
	// Outline is the footprint: the rotated box, counter-clockwise.
	Outline geom.Ring
}

// Connection is a model connection with the floors of its two ends (empty when
// an end is not on any floor the plan knows).
type Connection struct {
	model.Connection
	FromFloor, ToFloor string
}

// Options tune Build; nil means the defaults.
type Options struct {
	// Progress, if set, is called with the number of items (rooms, elements and
	// connections) read so far, every few thousand items and at the end.
	Progress func(done int64)
}

// StandardScales are the drawing scales (1:n) formats choose from, smallest first.
var StandardScales = []int{1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000}

// FitScale returns the smallest n of StandardScales at which a drawing of size
// (metres) fits a sheet area of size sheet (metres), or the largest scale when
// none fits.
func FitScale(size, sheet geom.Vec2) int {
	for _, n := range StandardScales {
		if size[0]/float64(n) <= sheet[0] && size[1]/float64(n) <= sheet[1] {
			return n
		}
	}
	return StandardScales[len(StandardScales)-1]
}

// NorthVector is the unit vector pointing to true north in plan coordinates
// ((0, 1) when the plan has no north).
func (p *Plan) NorthVector() geom.Vec2 {
	s, c := sincosDeg(p.North)
	return geom.Vec2{s, c}
}

// ForJob builds the plan of a format's job: progress goes to the job under the
// stage name, and the plan's warnings become the job's.
func ForJob(ctx context.Context, j *formats.Job, stage string) (*Plan, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p, err := Build(ctx, j.Model, &Options{Progress: func(done int64) { j.Report(stage, done) }})
	if err != nil {
		return nil, err
	}
	for _, w := range p.Warnings {
		j.Warning(w.Path, w.Code, "%s", w.Message)
	}
	return p, nil
}
