package xlsx

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/arxos/arxport/converters/tables"
	"github.com/arxos/arxport/converters/tables/tablestest"
	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/formats/formattest"
	"github.com/arxos/arxport/model"
)

func TestContract(t *testing.T) {
	formattest.Run(t, "xlsx", tablestest.Sample, tablestest.FuzzModel("n", "k", "v", 5, true))
}

func open(t testing.TB, out *formattest.Memory) (*excelize.File, []byte) {
	t.Helper()
	if !slices.Equal(out.Names(), []string{"model.xlsx"}) || out.Types["model.xlsx"] != contentType {
		t.Fatalf("files %v %v", out.Names(), out.Types)
	}
	data := out.Files["model.xlsx"].Bytes()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, data
}

// sheetRows reads a table back from its sheets (continuations included): the
// values, and checks the header, cell types and that no cell is a formula.
func sheetRows(t testing.TB, f *excelize.File, tb *tables.Table) [][]string {
	t.Helper()
	var out [][]string
	for _, sheet := range f.GetSheetList() {
		if sheet != tb.Title && !strings.HasPrefix(sheet, tb.Title+" (") {
			continue
		}
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		var header []string
		for _, c := range tb.Columns {
			header = append(header, c.Name)
		}
		if len(rows) == 0 || !slices.Equal(rows[0], header) {
			t.Fatalf("%s: header %v", sheet, rows)
		}
		for r, row := range rows[1:] {
			for i, c := range tb.Columns {
				cell, _ := excelize.CoordinatesToCellName(i+1, r+2)
				typ, err := f.GetCellType(sheet, cell)
				if err != nil {
					t.Fatal(err)
				}
				v := ""
				if i < len(row) {
					v = row[i]
				}
				if v == "" {
					continue // an empty cell: null
				}
				// excelize writes numbers without a type attribute.
				want := map[tables.Kind]excelize.CellType{tables.String: excelize.CellTypeInlineString,
					tables.Int: excelize.CellTypeUnset, tables.Float: excelize.CellTypeUnset, tables.Bool: excelize.CellTypeBool}[c.Kind]
				if typ != want {
					t.Errorf("%s!%s (%s): cell type %v, want %v", sheet, cell, c.Name, typ, want)
				}
				if c.Kind == tables.Int || c.Kind == tables.Float {
					if _, err := strconv.ParseFloat(v, 64); err != nil {
						t.Errorf("%s!%s: number %q", sheet, cell, v)
					}
				}
				if formula, _ := f.GetCellFormula(sheet, cell); formula != "" {
					t.Errorf("%s!%s: formula %q", sheet, cell, formula)
				}
			}
			out = append(out, row)
		}
	}
	return out
}

func checkWorkbook(t testing.TB, m *model.Model, f *excelize.File) map[string][][]string {
	t.Helper()
	got := map[string][][]string{}
	counts := tablestest.Counts(m)
	for _, tb := range tables.All {
		rows := sheetRows(t, f, tb)
		if int64(len(rows)) != counts[tb.Name] {
			t.Errorf("%s: %d rows, want %d", tb.Name, len(rows), counts[tb.Name])
		}
		got[tb.Name] = rows
	}
	return got
}

func TestWorkbook(t *testing.T) {
	m := formattest.Open(t, tablestest.Sample)
	warnings := 0
	f, data := open(t, writeWarn(t, m, &warnings))
	if warnings != 0 {
		t.Errorf("%d warnings", warnings)
	}
	want := []string{"Summary", "Floors", "Rooms", "Elements", "Equipment", "Properties", "Connections"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Fatalf("sheets %v, want %v", got, want)
	}
	got := checkWorkbook(t, m, f)

	names := column(got["rooms"], tables.Rooms, "name")
	if !slices.Contains(names, "'"+tablestest.Formula) || !slices.Contains(names, tablestest.Unicode) {
		t.Errorf("room names %q", names)
	}
	if v := column(got["properties"], tables.Properties, "value"); !slices.Contains(v, "0012") || !slices.Contains(v, "'-2+3") {
		t.Errorf("property values %q", v)
	}
	if v := column(got["elements"], tables.Elements, "max_y"); !slices.Contains(v, "5000000.3") {
		t.Errorf("large coordinates %q", v)
	}

	for _, tb := range tables.All {
		p, err := f.GetPanes(tb.Title)
		if err != nil || !p.Freeze || p.YSplit != 1 || p.TopLeftCell != "A2" {
			t.Errorf("%s: panes %+v %v", tb.Title, p, err)
		}
		w, err := f.GetColWidth(tb.Title, "A")
		if err != nil || w < 8 {
			t.Errorf("%s: column A width %v %v", tb.Title, w, err)
		}
	}
	// The autofilter covers the header and every row.
	sheetXML := zipPart(t, data, "xl/worksheets/sheet4.xml") // Elements
	last, _ := excelize.CoordinatesToCellName(len(tables.Elements.Columns), 1+len(got["elements"]))
	// excelize writes the reference absolute ($A$1:$T$8), as the defined name.
	if !strings.Contains(strings.ReplaceAll(sheetXML, "$", ""), `<autoFilter ref="A1:`+last+`"`) {
		t.Errorf("Elements: no autofilter A1:%s", last)
	}
	if strings.Contains(sheetXML, "<f>") {
		t.Error("a formula was written")
	}
	core := zipPart(t, data, "docProps/core.xml")
	if strings.Count(core, "2026-11-28T12:00:00Z") != 2 {
		t.Errorf("core properties do not carry the job's time: %s", core)
	}

	// Summary: counts per table and per type.
	rows, _ := f.GetRows("Summary")
	summary := map[string]string{}
	for _, r := range rows {
		if len(r) >= 2 {
			summary[r[0]] = r[1]
		}
	}
	if summary["name"] != "'+Tech, \"Tower\"" || summary["elements"] != "7" || summary["equipment"] != "2" ||
		summary["wall"] != "1" || summary["roof"] != "0" || summary["generated"] != "2026-11-28T12:00:00Z" ||
		summary["properties"] != strconv.Itoa(m.Stats.Properties) {
		t.Errorf("summary %v", summary)
	}
}

func writeWarn(t testing.TB, m *model.Model, warnings *int) *formattest.Memory {
	t.Helper()
	f, _ := formats.Lookup("xlsx")
	vals, _ := f.ParseOptions(nil)
	out := &formattest.Memory{}
	j := &formats.Job{Model: m, Out: out, Base: "model", Time: formattest.Time, Options: vals,
		Warn: func(p model.Problem) { *warnings++; t.Logf("warning: %v", p) }}
	if err := f.Write(context.Background(), j); err != nil {
		t.Fatal(err)
	}
	return out
}

func zipPart(t testing.TB, data []byte, name string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			return string(b)
		}
	}
	t.Fatalf("no part %s", name)
	return ""
}

func column(rows [][]string, tb *tables.Table, name string) []string {
	i := tb.Index(name)
	var out []string
	for _, r := range rows {
		if i < len(r) {
			out = append(out, r[i])
		}
	}
	return out
}

// TestSplit lowers the sheet limit so that tables continue on more sheets.
func TestSplit(t *testing.T) {
	defer func(n int) { maxRows = n }(maxRows)
	maxRows = 4 // a header and three rows
	m := formattest.Open(t, tablestest.Sample)
	warnings := 0
	f, _ := open(t, writeWarn(t, m, &warnings))
	want := []string{"Summary", "Floors", "Rooms", "Elements", "Elements (2)", "Elements (3)", "Equipment",
		"Properties", "Properties (2)", "Properties (3)", "Properties (4)", "Connections"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Errorf("sheets %v, want %v", got, want)
	}
	if warnings != 2 {
		t.Errorf("%d warnings, want one per split table", warnings)
	}
	got := checkWorkbook(t, m, f)
	if ids := column(got["elements"], tables.Elements, "id"); !slices.Equal(ids, []string{"W-1", "D-1", "S-1", "HVAC_01", "PANEL_1", "M-1", "C-1"}) {
		t.Errorf("elements across sheets %v", ids)
	}
	// Each autofilter names its own sheet.
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm._FilterDatabase" && !strings.HasPrefix(dn.RefersTo, "'"+dn.Scope+"'!") {
			t.Errorf("autofilter of %s refers to %s", dn.Scope, dn.RefersTo)
		}
	}
}

func TestGenerated(t *testing.T) {
	m := formattest.Generated(t, 2000)
	f, _ := open(t, formattest.Write(t, "xlsx", m, nil))
	checkWorkbook(t, m, f)
}

func FuzzWrite(f *testing.F) {
	f.Add("Lobby", "finish", "stone", 12.5, true)
	f.Add(tablestest.Formula, "=k", "-2+3", -0.001, false)
	f.Add(tablestest.Unicode, "ключ", "\"quoted\", <b>&amp;</b>\r\n", 1e6, true)
	f.Add("_x0041_ \x01", "@", "\t", 3.0, false)
	f.Fuzz(func(t *testing.T, name, key, text string, num float64, flag bool) {
		m := tablestest.OpenFuzz(name, key, text, num, flag)
		if m == nil {
			return
		}
		defer m.Close()
		file, _ := open(t, formattest.Write(t, "xlsx", m, nil))
		checkWorkbook(t, m, file)
	})
}

func BenchmarkWrite(b *testing.B) {
	for kind, m := range map[string]*model.Model{"ndjson": formattest.Generated(b, 10000), "json": formattest.GeneratedDoc(b, 10000)} {
		b.Run(kind, func(b *testing.B) {
			var rows int64
			for _, tb := range tables.All {
				rows += tables.Count(m, tb)
			}
			start := time.Now()
			formattest.Bench(b, "xlsx", m, nil)
			b.ReportMetric(float64(rows)*float64(b.N)/time.Since(start).Seconds(), "rows/s")
		})
	}
}
