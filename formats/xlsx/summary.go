package xlsx

import (
	"sort"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/arxos/arxport/converters/tables"
	"github.com/arxos/arxport/model"
)

// summary fills the Summary sheet: the building, what each table holds and the
// elements by type. It is small, so it is written in excelize's normal mode.
func (w *workbook) summary() error {
	const name = "Summary"
	m := w.j.Model
	b := &m.Building
	type row struct {
		cells []any
		bold  bool
	}
	var rows []row
	section := func(a, b string) { rows = append(rows, row{[]any{a, b}, true}) }
	text := func(k, v string) { rows = append(rows, row{cells: []any{k, tables.SafeText(v)}}) }
	num := func(k string, v any) { rows = append(rows, row{cells: []any{k, v}}) }

	section("Building", "")
	text("id", b.ID)
	text("name", b.Name)
	text("address", b.Address)
	text("schema", b.Schema)
	units := string(b.Units)
	if units == "" {
		units = "m"
	}
	text("input units", units)
	text("lengths", "metres; x east, y north, z up from the floor's elevation")
	if g := b.Georef; g != nil {
		num("georef latitude", g.Lat)
		num("georef longitude", g.Lon)
		num("georef elevation_m", g.Elevation)
		num("georef rotation_deg", g.Rotation)
	} else {
		text("georef", "none")
	}
	if !w.j.Time.IsZero() {
		text("generated", w.j.Time.UTC().Format(time.RFC3339))
	}
	text("source", m.Source)
	rows = append(rows, row{})

	section("Table", "Rows")
	for _, t := range tables.All {
		num(t.Name, tables.Count(m, t))
	}
	rows = append(rows, row{})

	section("Element type", "Count")
	for _, typ := range elementTypes(m) {
		num(typ, int64(m.Stats.ByType[typ]))
	}

	for i, r := range rows {
		for c, v := range r.cells {
			if v == "" {
				continue
			}
			cell, err := excelize.CoordinatesToCellName(c+1, i+1)
			if err != nil {
				return err
			}
			if err := w.f.SetCellValue(name, cell, v); err != nil {
				return err
			}
			if r.bold {
				if err := w.f.SetCellStyle(name, cell, cell, w.bold); err != nil {
					return err
				}
			}
		}
	}
	if err := w.f.SetColWidth(name, "A", "A", 24); err != nil {
		return err
	}
	return w.f.SetColWidth(name, "B", "B", 48)
}

// elementTypes lists the model's element types in the order MODEL.md gives,
// every one (zero counts included, so the sheet has the same shape for every
// model), then any others the model holds, sorted.
func elementTypes(m *model.Model) []string {
	out := append([]string(nil), model.ElementTypes...)
	known := map[string]bool{}
	for _, t := range out {
		known[t] = true
	}
	var extra []string
	for t := range m.Stats.ByType {
		if !known[t] {
			extra = append(extra, t)
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}
