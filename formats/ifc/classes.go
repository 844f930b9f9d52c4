package ifc

import "github.com/arxos/arxport/model"

// class is the IFC entity an element is written as, with the predefined type
// it gets (empty: the entity has no PredefinedType attribute) and the names
// of its standard property and quantity sets (empty: none fits).
type class struct {
	Entity     string // upper case, as written
	Predefined string
	Pset       string
	Qto        string
	// door and window carry OverallHeight and OverallWidth and then two
	// more attributes (PredefinedType, then operation or partitioning type).
	overall bool
}

// elementClasses maps element types to IFC classes. Equipment is looked up in
// equipmentClasses by system.
var elementClasses = map[string]class{
	"wall":    {Entity: "IFCWALL", Predefined: "NOTDEFINED", Pset: "Pset_WallCommon", Qto: "Qto_WallBaseQuantities"},
	"slab":    {Entity: "IFCSLAB", Predefined: "FLOOR", Pset: "Pset_SlabCommon", Qto: "Qto_SlabBaseQuantities"},
	"roof":    {Entity: "IFCROOF", Predefined: "NOTDEFINED", Pset: "Pset_RoofCommon", Qto: "Qto_RoofBaseQuantities"},
	"door":    {Entity: "IFCDOOR", Predefined: "DOOR", Pset: "Pset_DoorCommon", Qto: "Qto_DoorBaseQuantities", overall: true},
	"window":  {Entity: "IFCWINDOW", Predefined: "WINDOW", Pset: "Pset_WindowCommon", Qto: "Qto_WindowBaseQuantities", overall: true},
	"column":  {Entity: "IFCCOLUMN", Predefined: "NOTDEFINED", Pset: "Pset_ColumnCommon", Qto: "Qto_ColumnBaseQuantities"},
	"beam":    {Entity: "IFCBEAM", Predefined: "NOTDEFINED", Pset: "Pset_BeamCommon", Qto: "Qto_BeamBaseQuantities"},
	"stair":   {Entity: "IFCSTAIR", Predefined: "NOTDEFINED", Pset: "Pset_StairCommon"},
	"railing": {Entity: "IFCRAILING", Predefined: "NOTDEFINED", Pset: "Pset_RailingCommon"},
	// IfcFurniture is IFC4's instantiable furnishing element.
	"furniture": {Entity: "IFCFURNITURE", Predefined: "NOTDEFINED"},
	"generic":   {Entity: "IFCBUILDINGELEMENTPROXY", Predefined: "NOTDEFINED", Pset: "Pset_BuildingElementProxyCommon"},
}

// equipmentClasses maps equipment systems to the IFC4 distribution element
// that fits most of what the system holds.
var equipmentClasses = map[string]class{
	"hvac":       {Entity: "IFCUNITARYEQUIPMENT", Predefined: "NOTDEFINED"},
	"electrical": {Entity: "IFCELECTRICDISTRIBUTIONBOARD", Predefined: "NOTDEFINED"},
	"plumbing":   {Entity: "IFCSANITARYTERMINAL", Predefined: "NOTDEFINED"},
	"fire":       {Entity: "IFCFIRESUPPRESSIONTERMINAL", Predefined: "NOTDEFINED"},
	"network":    {Entity: "IFCCOMMUNICATIONSAPPLIANCE", Predefined: "NOTDEFINED"},
	"security":   {Entity: "IFCSENSOR", Predefined: "NOTDEFINED"},
	"lighting":   {Entity: "IFCLIGHTFIXTURE", Predefined: "NOTDEFINED"},
	// IfcDistributionElement has no PredefinedType.
	"other": {Entity: "IFCDISTRIBUTIONELEMENT"},
}

// ClassOf returns the IFC entity (upper case) an element is written as.
func ClassOf(e *model.Element) string { return classOf(e).Entity }

func classOf(e *model.Element) class {
	if e.Type == "equipment" {
		if c, ok := equipmentClasses[e.System]; ok {
			return c
		}
		return equipmentClasses["other"]
	}
	if c, ok := elementClasses[e.Type]; ok {
		return c
	}
	return elementClasses["generic"]
}

// commonProps are the model properties written into a standard property set
// as well, by model name: the standard property's name and value type, and the
// sets that define it (an element gets it in the one of its class).
var commonProps = map[string]struct {
	Name, Type string
	Sets       []string
}{
	"fire_rating":       {"FireRating", "IFCLABEL", []string{"Pset_WallCommon", "Pset_SlabCommon", "Pset_RoofCommon", "Pset_DoorCommon", "Pset_WindowCommon", "Pset_ColumnCommon", "Pset_BeamCommon", "Pset_StairCommon"}},
	"load_bearing":      {"LoadBearing", "IFCBOOLEAN", []string{"Pset_WallCommon", "Pset_SlabCommon", "Pset_ColumnCommon", "Pset_BeamCommon", "Pset_BuildingElementProxyCommon"}},
	"acoustic_rating":   {"AcousticRating", "IFCLABEL", []string{"Pset_WallCommon", "Pset_SlabCommon", "Pset_DoorCommon", "Pset_WindowCommon"}},
	"is_external":       {"IsExternal", "IFCBOOLEAN", []string{"Pset_WallCommon", "Pset_SlabCommon", "Pset_RoofCommon", "Pset_DoorCommon", "Pset_WindowCommon", "Pset_ColumnCommon", "Pset_BeamCommon", "Pset_StairCommon", "Pset_RailingCommon", "Pset_BuildingElementProxyCommon", "Pset_SpaceCommon"}},
	"self_closing":      {"SelfClosing", "IFCBOOLEAN", []string{"Pset_DoorCommon"}},
	"wheelchair_access": {"HandicapAccessible", "IFCBOOLEAN", []string{"Pset_SpaceCommon"}},
	"open_to_public":    {"PubliclyAccessible", "IFCBOOLEAN", []string{"Pset_SpaceCommon"}},
	"manufacturer":      {"Manufacturer", "IFCLABEL", []string{"Pset_ManufacturerTypeInformation"}},
	"model":             {"ModelLabel", "IFCLABEL", []string{"Pset_ManufacturerTypeInformation"}},
	"serial":            {"SerialNumber", "IFCIDENTIFIER", []string{"Pset_ManufacturerOccurrence"}},
}
