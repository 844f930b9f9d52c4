// Package tables is the conversion the tables family of formats shares (csv,
// xlsx, parquet): a building model seen as six typed tables, declared once here
// as data and produced row by row by Convert, so every format writes the same
// columns with the same types and never holds more than one row.
package tables

import (
	"errors"
	"fmt"
	"strings"

	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/model"
)

// Kind is the type of a column's values.
type Kind uint8

// Column kinds. The zero Kind marks a null Value.
const (
	String Kind = iota + 1
	Int         // int64
	Float       // float64 (IEEE double)
	Bool
)

func (k Kind) String() string {
	switch k {
	case String:
		return "string"
	case Int:
		return "int64"
	case Float:
		return "double"
	case Bool:
		return "boolean"
	}
	return "null"
}

// Column declares one column of a table.
type Column struct {
	Name string
	Kind Kind
	// Nullable columns may hold nulls; others never do.
	Nullable bool
	Doc      string
	// Categorical marks text with few distinct values (types, floor ids, keys),
	// which columnar formats dictionary-encode.
	Categorical bool
}

// Table declares one table: its name (also the file or sheet name) and columns.
type Table struct {
	Name string
	// Title is the name people see, such as an xlsx sheet name.
	Title   string
	Doc     string
	Columns []Column
}

// Index returns the position of the named column, or -1.
func (t *Table) Index(name string) int {
	for i, c := range t.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

func str(name, doc string) Column { return Column{Name: name, Kind: String, Doc: doc} }
func optStr(name, doc string) Column {
	return Column{Name: name, Kind: String, Nullable: true, Doc: doc}
}
func cat(c Column) Column { c.Categorical = true; return c }
func integer(name, doc string) Column {
	return Column{Name: name, Kind: Int, Doc: doc}
}
func float(name, doc string) Column { return Column{Name: name, Kind: Float, Doc: doc} }

// measure is a computed quantity: null when the geometry yields no finite value.
func measure(name, doc string) Column {
	return Column{Name: name, Kind: Float, Nullable: true, Doc: doc + "; empty when it cannot be computed"}
}

// The tables. Lengths are metres, floor-local (x east, y north, z up from the
// floor's elevation), as in the normalised model.
var (
	Floors = &Table{Name: "floors", Title: "Floors", Doc: "one row per floor, in the model's order", Columns: []Column{
		str("id", "floor id"),
		str("name", "floor name (the id when the model gives none)"),
		integer("level", "ordering level"),
		float("elevation_m", "elevation of the floor, metres"),
		float("height_m", "storey height, metres"),
		integer("rooms", "rooms on the floor"),
		integer("elements", "elements on the floor"),
	}}

	Rooms = &Table{Name: "rooms", Title: "Rooms", Doc: "one row per room, in input order", Columns: []Column{
		str("id", "room id"),
		cat(str("floor", "floor id")),
		optStr("name", "room name"),
		cat(optStr("type", "room type")),
		measure("area_m2", "plan area, boundary minus holes, square metres"),
		measure("perimeter_m", "length of the boundary, metres"),
		measure("height_m", "clear height (the floor's when the room gives none), metres"),
		measure("volume_m3", "area times height, cubic metres"),
		integer("holes", "number of holes in the boundary"),
		measure("min_x", "plan bounding box"),
		measure("min_y", "plan bounding box"),
		measure("max_x", "plan bounding box"),
		measure("max_y", "plan bounding box"),
	}}

	Elements = &Table{Name: "elements", Title: "Elements", Doc: "one row per element, in input order", Columns: []Column{
		str("id", "element id"),
		cat(str("floor", "floor id")),
		cat(str("type", "wall, slab, roof, door, window, column, beam, stair, railing, equipment, furniture or generic")),
		optStr("name", "element name"),
		cat(optStr("material", "material")),
		cat(optStr("system", "equipment system")),
		cat(optStr("status", "equipment status")),
		optStr("room", "id of the room holding the element"),
		optStr("host", "id of the wall a door or window cuts"),
		cat(str("geometry_kind", "line, extrusion, box, opening or mesh")),
		measure("length_m", "axis length of a line element (0 for other kinds), metres"),
		measure("area_m2", "plan footprint, the opening's area for doors and windows, the surface of a mesh; square metres"),
		measure("volume_m3", "solid volume with openings cut (0 for an open mesh), cubic metres"),
		measure("min_x", "bounding box, floor-local"),
		measure("min_y", "bounding box, floor-local"),
		measure("min_z", "bounding box, floor-local"),
		measure("max_x", "bounding box, floor-local"),
		measure("max_y", "bounding box, floor-local"),
		measure("max_z", "bounding box, floor-local"),
		integer("property_count", "number of properties"),
	}}

	Equipment = &Table{Name: "equipment", Title: "Equipment", Doc: "one row per element of type equipment, in input order", Columns: []Column{
		str("id", "element id"),
		cat(str("floor", "floor id")),
		optStr("room", "id of the room holding it"),
		cat(str("system", "hvac, electrical, plumbing, fire, network, security, lighting or other")),
		cat(str("status", "operational, warning, failed, maintenance or unknown")),
		optStr("name", "equipment name"),
		measure("x", "centre of the bounding box, floor-local"),
		measure("y", "centre of the bounding box, floor-local"),
		measure("z", "centre of the bounding box, floor-local"),
		cat(optStr("manufacturer", "the manufacturer property")),
		cat(optStr("model", "the model property")),
	}}

	Properties = &Table{Name: "properties", Title: "Properties", Doc: "every property value in long form: the building's, then each room's and element's in input order, keys sorted", Columns: []Column{
		cat(str("owner_kind", "building, room or element")),
		str("owner_id", "id of the building, room or element"),
		cat(str("key", "property name")),
		str("value", "the value as text"),
		cat(str("value_type", "string, number or boolean")),
		{Name: "number", Kind: Float, Nullable: true, Doc: "the value when value_type is number"},
		{Name: "boolean", Kind: Bool, Nullable: true, Doc: "the value when value_type is boolean"},
	}}

	Connections = &Table{Name: "connections", Title: "Connections", Doc: "one row per connection, in input order", Columns: []Column{
		str("from", "element id"),
		str("to", "element id"),
		cat(str("type", "power, network, plumbing, hvac or logical")),
		optStr("spec", "free-text specification"),
	}}
)

// All lists every table in the order formats write them.
var All = []*Table{Floors, Rooms, Elements, Equipment, Properties, Connections}

// Lookup returns the table with the given name.
func Lookup(name string) (*Table, bool) {
	for _, t := range All {
		if t.Name == name {
			return t, true
		}
	}
	return nil, false
}

// Option is the "tables" option of the formats that can write a subset.
var Option = formats.Option{
	Name:    "tables",
	Kind:    formats.String,
	Default: "all",
	Doc:     "comma-separated tables to write, from floors, rooms, elements, equipment, properties, connections; all by default",
	Check: func(v any) error {
		var inv *model.InvalidError
		if _, err := Select(v.(string)); errors.As(err, &inv) {
			return errors.New(inv.Problems[0].Message)
		}
		return nil
	},
}

// Select parses a "tables" option: a comma-separated list of table names, or
// "all" (or empty) for every table. The result is in the order of All, without
// duplicates.
func Select(list string) ([]*Table, error) {
	list = strings.TrimSpace(list)
	if list == "" || list == "all" {
		return All, nil
	}
	want := map[*Table]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		t, ok := Lookup(name)
		if !ok {
			names := make([]string, len(All))
			for i, t := range All {
				names[i] = t.Name
			}
			return nil, &model.InvalidError{Problems: []model.Problem{{
				Path: "options.tables", Code: formats.CodeInvalidOption,
				Message: fmt.Sprintf("%q is not a table; tables are %s", name, strings.Join(names, ", ")),
			}}}
		}
		want[t] = true
	}
	var out []*Table
	for _, t := range All {
		if want[t] {
			out = append(out, t)
		}
	}
	return out, nil
}

// Count returns the number of rows Convert hands over for a table, from the
// model's statistics.
func Count(m *model.Model, t *Table) int64 {
	s := m.Stats
	switch t {
	case Floors:
		return int64(len(m.Building.Floors))
	case Rooms:
		return int64(s.Rooms)
	case Elements:
		return int64(s.Elements)
	case Equipment:
		return int64(s.ByType["equipment"])
	case Properties:
		return int64(s.Properties)
	case Connections:
		return int64(s.Connections)
	}
	return 0
}
