// Package xlsx writes the model's tables as one Excel workbook, <base>.xlsx: a
// Summary sheet, then one sheet per table with a bold, frozen header row, an
// autofilter, set column widths and typed cells. Sheets are written with
// excelize's StreamWriter; a table longer than a sheet continues on
// "Elements (2)" and so on.
package xlsx

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"github.com/arxos/arxport/converters/tables"
	"github.com/arxos/arxport/formats"
)

const contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func init() {
	formats.Register(&formats.Format{
		Name:   "xlsx",
		Title:  "Excel workbook: summary and one sheet per table",
		Family: "tables",
		Write:  write,
	})
}

// maxRows is the rows a sheet holds, header included (Excel's limit); tests lower it.
var maxRows = excelize.TotalRows

func write(ctx context.Context, j *formats.Job) (err error) {
	if err := ctx.Err(); err != nil {
		return err
	}
	f := excelize.NewFile(excelize.Options{TmpDir: j.TempDir})
	defer f.Close()
	w := &workbook{f: f, j: j, sheets: map[*tables.Table][]*sheet{}, current: map[*tables.Table]*sheet{}}
	if err := w.start(); err != nil {
		return err
	}
	if err := tables.Convert(ctx, j, w); err != nil {
		return err
	}
	if err := w.finish(); err != nil {
		return err
	}

	out, err := j.Out.Create(j.Base+".xlsx", contentType)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
	}()
	zw := newSortedZip(out, j.Time, j.TempDir)
	defer zw.cleanup()
	zw.replace["docProps/core.xml"] = coreProperties(j.Model.Building.Name, j.Time)
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zw })
	// excelize hands every part to zw, which writes them to out on Close in a
	// fixed order; what excelize would write to io.Discard is empty.
	if err := f.Write(io.Discard); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}

// coreProperties is docProps/core.xml: the title and the job's time as the
// created and modified dates. It replaces excelize's, whose SetDocProps writes
// an empty lastModifiedBy element without its cp: prefix, which exceljs
// refuses to read.
func coreProperties(title string, t time.Time) []byte {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"` +
		` xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"` +
		` xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">`)
	b.WriteString("<dc:title>")
	xml.EscapeText(&b, []byte(title))
	b.WriteString("</dc:title><dc:creator>arxport</dc:creator>")
	if !t.IsZero() {
		stamp := t.UTC().Format(time.RFC3339)
		b.WriteString(`<dcterms:created xsi:type="dcterms:W3CDTF">` + stamp + `</dcterms:created>`)
		b.WriteString(`<dcterms:modified xsi:type="dcterms:W3CDTF">` + stamp + `</dcterms:modified>`)
	}
	b.WriteString("</cp:coreProperties>")
	return b.Bytes()
}

type workbook struct {
	f    *excelize.File
	j    *formats.Job
	bold int
	// sheets holds each table's sheets: one, or more when the table has more
	// rows than a sheet holds ("Elements", "Elements (2)"...).
	sheets  map[*tables.Table][]*sheet
	current map[*tables.Table]*sheet // the sheet rows go to
	order   []*sheet                 // every sheet in workbook order
}

// sheet is the stream writer of one table's sheet.
type sheet struct {
	t     *tables.Table
	name  string
	sw    *excelize.StreamWriter
	row   int // last row written
	cells []any
	long  bool // a text longer than a cell holds was cut; warned once
}

func (w *workbook) start() error {
	var err error
	if w.bold, err = w.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return err
	}
	if err := w.f.SetSheetName("Sheet1", "Summary"); err != nil {
		return err
	}
	if err := w.summary(); err != nil {
		return err
	}
	// Every sheet is made now, continuations included (the model's statistics
	// say how many rows come), so no sheet is ever inserted before another:
	// the autofilters' defined names refer to sheets by position.
	for _, t := range tables.All {
		rows := tables.Count(w.j.Model, t)
		parts := max(1, int((rows+int64(maxRows)-2)/int64(maxRows-1)))
		for part := 1; part <= parts; part++ {
			if _, err := w.newSheet(t, part); err != nil {
				return err
			}
		}
		if parts > 1 {
			w.j.Warning(t.Name, "SHEET_FULL", "table %s has %d rows, more than a sheet holds (%d); it continues on %d more sheets",
				t.Name, rows, maxRows-1, parts-1)
		}
	}
	return nil
}

// newSheet adds a sheet at the end of the workbook for part (1, 2...) of a
// table and writes its header: panes, column widths and the bold header row,
// which StreamWriter takes only before any row.
func (w *workbook) newSheet(t *tables.Table, part int) (*sheet, error) {
	name := t.Title
	if part > 1 {
		name = fmt.Sprintf("%s (%d)", t.Title, part)
	}
	if _, err := w.f.NewSheet(name); err != nil {
		return nil, err
	}
	sw, err := w.f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	s := &sheet{t: t, name: name, sw: sw, cells: make([]any, len(t.Columns))}
	w.sheets[t] = append(w.sheets[t], s)
	if w.current[t] == nil {
		w.current[t] = s
	}
	w.order = append(w.order, s)
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return nil, err
	}
	for i, c := range t.Columns {
		if err := sw.SetColWidth(i+1, i+1, width(c)); err != nil {
			return nil, err
		}
	}
	for i, c := range t.Columns {
		s.cells[i] = excelize.Cell{StyleID: w.bold, Value: c.Name}
	}
	s.row = 1
	return s, sw.SetRow("A1", s.cells)
}

// width is a column's width in characters: room for the header and a typical value.
func width(c tables.Column) float64 {
	w := map[tables.Kind]int{tables.String: 14, tables.Int: 10, tables.Float: 14, tables.Bool: 9}[c.Kind]
	switch c.Name {
	case "name", "value", "spec", "owner_id", "address":
		w = 28
	}
	return float64(max(w, len(c.Name)+4))
}

// Row implements tables.Sink.
func (w *workbook) Row(t *tables.Table, row []tables.Value) error {
	s := w.current[t]
	if s.row >= maxRows {
		var err error
		if s, err = w.advance(s); err != nil {
			return err
		}
	}
	for i, v := range row {
		switch v.Kind {
		case tables.String:
			text := tables.SafeText(v.Str)
			if len(text) > excelize.TotalCellChars && !s.long && len(utf16.Encode([]rune(text))) > excelize.TotalCellChars {
				s.long = true
				w.j.Warning(t.Name+"."+t.Columns[i].Name, "TEXT_TRUNCATED",
					"sheet %s: a text longer than the %d characters an Excel cell holds was cut", s.name, excelize.TotalCellChars)
			}
			s.cells[i] = text
		case tables.Int:
			s.cells[i] = v.Int
		case tables.Float:
			s.cells[i] = v.Float
		case tables.Bool:
			s.cells[i] = v.Bool
		default:
			s.cells[i] = nil // an empty cell
		}
	}
	s.row++
	return s.sw.SetRow("A"+strconv.Itoa(s.row), s.cells)
}

// advance finishes a full sheet and returns the next sheet of its table.
func (w *workbook) advance(s *sheet) (*sheet, error) {
	if err := w.close(s); err != nil {
		return nil, err
	}
	parts := w.sheets[s.t]
	next := (*sheet)(nil)
	if i := slices.Index(parts, s); i+1 < len(parts) {
		next = parts[i+1]
	} else {
		// More rows than the statistics announced: one more sheet, at the end.
		var err error
		if next, err = w.newSheet(s.t, len(parts)+1); err != nil {
			return nil, err
		}
	}
	w.current[s.t] = next
	return next, nil
}

// close sets the autofilter over the rows written and ends the sheet's stream.
// The autofilter goes in after the rows so that its range is exact; StreamWriter
// writes it when flushed.
func (w *workbook) close(s *sheet) error {
	last, err := excelize.CoordinatesToCellName(len(s.t.Columns), s.row)
	if err != nil {
		return err
	}
	if err := w.f.AutoFilter(s.name, "A1:"+last, nil); err != nil {
		return err
	}
	err = s.sw.Flush()
	s.sw = nil
	return err
}

func (w *workbook) finish() error {
	for _, s := range w.order {
		if s.sw != nil {
			if err := w.close(s); err != nil {
				return err
			}
		}
	}
	return nil
}
