package dxf

import "github.com/arxos/arxport/converters/plan"

// layerDef is one entry of the LAYER table.
type layerDef struct {
	name     string
	colour   int    // ACI colour number
	linetype string // an LTYPE name
	weight   int    // lineweight, hundredths of a millimetre
	plot     bool
}

// Line types (the LTYPE table holds these four).
const (
	ltContinuous = "CONTINUOUS"
	ltDashed     = "DASHED"
)

// Layer names, AIA/NCS style: discipline, major group, minor group.
const (
	layWall      = "A-WALL"
	layDoor      = "A-DOOR"
	layGlazing   = "A-GLAZ"
	layArea      = "A-AREA"
	layAreaIden  = "A-AREA-IDEN"
	layFloor     = "A-FLOR"
	layStairs    = "A-FLOR-STRS"
	layRailing   = "A-FLOR-HRAL"
	layRoof      = "A-ROOF"
	layFurniture = "A-FURN"
	layGeneric   = "A-GENM"
	layColumns   = "S-COLS"
	layBeams     = "S-BEAM"
	layAnnoText  = "A-ANNO-TEXT"
	layAnnoSymb  = "A-ANNO-SYMB"
	layAnnoNplt  = "A-ANNO-NPLT"
)

// layers is the LAYER table, in the order written.
var layers = []layerDef{
	{"0", 7, ltContinuous, -3, true},
	{layWall, 7, ltContinuous, 50, true},
	{layDoor, 2, ltContinuous, 25, true},
	{layGlazing, 4, ltContinuous, 18, true},
	{layArea, 8, ltDashed, 13, true},
	{layAreaIden, 7, ltContinuous, 18, true},
	{layFloor, 9, ltContinuous, 13, true},
	{layStairs, 3, ltContinuous, 18, true},
	{layRailing, 3, ltContinuous, 18, true},
	{layRoof, 8, ltDashed, 13, true},
	{layColumns, 1, ltContinuous, 35, true},
	{layBeams, 1, ltDashed, 18, true},
	{layFurniture, 5, ltContinuous, 13, true},
	{layGeneric, 6, ltContinuous, 13, true},
	{"E-EQPM", 30, ltContinuous, 25, true},
	{"E-LITE", 50, ltContinuous, 18, true},
	{"M-EQPM", 5, ltContinuous, 25, true},
	{"P-EQPM", 130, ltContinuous, 25, true},
	{"F-EQPM", 10, ltContinuous, 25, true},
	{"T-EQPM", 150, ltContinuous, 25, true},
	{"T-SECU", 210, ltContinuous, 25, true},
	{"Q-EQPM", 8, ltContinuous, 25, true},
	{layAnnoText, 7, ltContinuous, 25, true},
	{layAnnoSymb, 7, ltContinuous, 25, true},
	{layAnnoNplt, 8, ltDashed, 13, false},
}

// equipmentLayer is the layer of a system's equipment.
func equipmentLayer(system string) string {
	switch system {
	case "electrical":
		return "E-EQPM"
	case "lighting":
		return "E-LITE"
	case "hvac":
		return "M-EQPM"
	case "plumbing":
		return "P-EQPM"
	case "fire":
		return "F-EQPM"
	case "network":
		return "T-EQPM"
	case "security":
		return "T-SECU"
	}
	return "Q-EQPM"
}

// shapeLayer is the layer of a footprint from plan.Floor.Other (or a wall).
func shapeLayer(l plan.Layer) string {
	switch l {
	case plan.LayerWalls:
		return layWall
	case plan.LayerDoors:
		return layDoor
	case plan.LayerWindows:
		return layGlazing
	case plan.LayerSlabs:
		return layFloor
	case plan.LayerRoofs:
		return layRoof
	case plan.LayerColumns:
		return layColumns
	case plan.LayerBeams:
		return layBeams
	case plan.LayerStairs:
		return layStairs
	case plan.LayerRailings:
		return layRailing
	case plan.LayerFurniture:
		return layFurniture
	}
	return layGeneric
}

// systems are the equipment systems with a symbol block each, in block order.
var systems = []string{"hvac", "electrical", "plumbing", "fire", "network", "security", "lighting", "other"}
