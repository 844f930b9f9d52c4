// Package pdf writes a model as a PDF plan set: a contents page, one floor plan
// per floor drawn to a stated scale with a title block, then the room and
// equipment schedules as tables. It draws from converters/plan.
//
// Pages, in order:
//   - contents: the floors and schedules with their page numbers (also as PDF
//     bookmarks);
//   - one plan per floor, at one scale for every floor: the largest of 1:50,
//     1:100, 1:200, 1:250, 1:500 and 1:1000 (then 1:2000, 1:5000, ...) at which the
//     whole building fits the drawing area of the paper, or the "scale" option.
//     Walls are filled dark, cut doors are gaps with the leaf and its swing,
//     cut windows are thin lines in the gap, rooms are outlined lightly and
//     labelled (name, number, area in m²) at the plan's label point, equipment
//     is drawn as a symbol whose shape and colour say its system and whose
//     marks say its status (see the legend on every plan), other footprints
//     (slabs, stairs, furniture) in light lines, columns filled. The title block
//     holds the building, the floor and its level, the scale as text and as a
//     scale bar, the north arrow (turned by the georef; left out, with the
//     plan's PLAN_NO_NORTH warning, when the model has none), the date (the
//     job's time) and the page number. A floor with nothing on it still has its
//     page, marked "Empty floor".
//   - the room schedule (floor, number, name, type, area) and the equipment
//     schedule (floor, id, name, system, room, status): tables whose header row
//     is repeated on every page; long names wrap.
//
// Every page says "page i of n".
//
// Text is real text, extractable by pdftotext, in embedded subset TrueType
// fonts with a Unicode map. Latin, Greek and Cyrillic are set in DejaVu Sans
// Condensed, built into the binary. Characters DejaVu lacks (Chinese, Japanese,
// Korean) are set, run by run, in Droid Sans Fallback, read from the directory
// named by the environment variable ARXPORT_FONT_DIR (default
// /usr/share/fonts/truetype/droid, Debian's fonts-droid-fallback), file
// DroidSansFallbackFull.ttf, only when some text needs it. A character that no
// font covers (an emoji, any character outside the Basic Multilingual Plane,
// which the PDF library cannot set, or CJK when the fallback font is missing)
// is drawn as U+FFFD and reported in a PDF_GLYPH_MISSING warning that lists
// them; it is never dropped silently.
//
// Output is deterministic: the document dates are the job's time, and nothing
// else depends on the clock or on chance.
package pdf

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/arxos/arxport/converters/plan"
	"github.com/arxos/arxport/formats"
)

const (
	// ContentType is the media type of PDF.
	ContentType = "application/pdf"
	// CodeGlyphMissing is the warning code for characters no font covers.
	CodeGlyphMissing = "PDF_GLYPH_MISSING"
	// CodeScale is the warning code when the fixed scale does not fit the paper.
	CodeScale = "PDF_SCALE"

	formatName = "pdf"
)

// Papers are the paper sizes, portrait width × height in mm.
var Papers = map[string][2]float64{
	"A4": {210, 297}, "A3": {297, 420}, "A2": {420, 594}, "A1": {594, 841}, "A0": {841, 1189},
	"Letter": {215.9, 279.4}, "Tabloid": {279.4, 431.8},
}

// Scales are the drawing scales (1:n) the automatic choice tries, largest first
// (1:50 before 1:100); a floorplate too big for all of them gets the first of
// plan.StandardScales beyond them that fits.
var Scales = []int{50, 100, 200, 250, 500, 1000}

// Format is the pdf format, registered under "pdf".
var Format = &formats.Format{
	Name:   formatName,
	Title:  "PDF plan set: a floor plan per floor to scale with title block, room and equipment schedules",
	Family: "plan",
	Options: []formats.Option{
		{Name: "paper", Kind: formats.String, Default: "A3",
			Enum: []string{"A4", "A3", "A2", "A1", "A0", "Letter", "Tabloid"},
			Doc:  "paper size of every page"},
		{Name: "orientation", Kind: formats.String, Default: "landscape", Enum: []string{"landscape", "portrait"},
			Doc: "page orientation"},
		{Name: "scale", Kind: formats.String, Default: "auto",
			Enum: []string{"auto", "1:50", "1:100", "1:200", "1:250", "1:500", "1:1000"},
			Doc: `drawing scale of the floor plans: "auto" takes the largest of 1:50, 1:100, 1:200, 1:250, 1:500, 1:1000 ` +
				`at which every floor fits the paper; a fixed scale that does not fit is replaced by the automatic one, with a warning`},
	},
	Write: write,
}

func init() { formats.Register(Format) }

// sheet is the page geometry in mm.
type sheet struct {
	w, h   float64
	margin float64
	// title block strip height at the bottom of plan pages
	strip float64
}

func newSheet(paper, orientation string) sheet {
	p, ok := Papers[paper]
	if !ok {
		p = Papers["A3"]
	}
	w, h := p[0], p[1]
	if orientation != "portrait" {
		w, h = h, w
	}
	return sheet{w: w, h: h, margin: 10, strip: 36}
}

// drawing is the area of a plan page the floor is drawn in.
func (s sheet) drawing() (x0, y0, x1, y1 float64) {
	return s.margin + 4, s.margin + 4, s.w - s.margin - 4, s.h - s.margin - s.strip - 4
}

// chooseScale returns the scale (1:n) for the plan's extents.
func chooseScale(j *formats.Job, p *plan.Plan, s sheet) int {
	x0, y0, x1, y1 := s.drawing()
	size := [2]float64{p.Max[0] - p.Min[0], p.Max[1] - p.Min[1]}
	fits := func(n int) bool {
		return size[0]*1000/float64(n) <= x1-x0 && size[1]*1000/float64(n) <= y1-y0
	}
	auto := 0
	for _, n := range Scales {
		if fits(n) {
			auto = n
			break
		}
	}
	if auto == 0 {
		auto = plan.StandardScales[len(plan.StandardScales)-1]
		for _, n := range plan.StandardScales {
			if n > Scales[len(Scales)-1] && fits(n) {
				auto = n
				break
			}
		}
	}
	opt := j.Options.String("scale")
	if opt == "" || opt == "auto" {
		return auto
	}
	var n int
	if _, err := fmt.Sscanf(opt, "1:%d", &n); err != nil || n <= 0 {
		return auto
	}
	if !fits(n) {
		j.Warning("options.scale", CodeScale, "the floors do not fit the %s paper at %s: drawn at 1:%d",
			j.Options.String("paper"), opt, auto)
		return auto
	}
	return n
}

func write(ctx context.Context, j *formats.Job) error {
	p, err := plan.ForJob(ctx, j, "plan")
	if err != nil {
		return err
	}
	paper, orient := j.Options.String("paper"), j.Options.String("orientation")
	if paper == "" {
		paper = "A3"
	}
	s := newSheet(paper, orient)
	pdf := fpdf.NewCustom(&fpdf.InitType{UnitStr: "mm", Size: fpdf.SizeType{Wd: s.w, Ht: s.h},
		OrientationStr: "P"})
	when := j.Time
	if when.IsZero() {
		when = time.Unix(0, 0).UTC()
	}
	pdf.SetCreationDate(when)
	pdf.SetModificationDate(when)
	pdf.SetCatalogSort(true)
	pdf.SetCompression(true)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(s.margin, s.margin, s.margin)
	pdf.SetTitle(safeUTF16(p.Building+" — plans and schedules"), true)
	pdf.SetSubject(safeUTF16("Building "+p.BuildingID), true)
	pdf.SetCreator("arxport", true)
	pdf.SetProducer("arxport (go-pdf/fpdf)", true)
	ft, err := newFonts(pdf)
	if err != nil {
		return err
	}
	d := &doc{j: j, pdf: pdf, ft: ft, plan: p, sheet: s, when: when}
	d.scale = chooseScale(j, p, s)
	if err := d.layout(); err != nil {
		return err
	}
	if err := d.render(ctx); err != nil {
		return err
	}
	if list := ft.missingList(); len(list) > 0 {
		msg := "no font covers these characters, drawn as U+FFFD: " + strings.Join(list, " ")
		if ft.fallbackMissing != nil {
			msg += fmt.Sprintf(" (the fallback font could not be read: %v; set %s)", ft.fallbackMissing, FontDirEnv)
		}
		j.Warning("", CodeGlyphMissing, "%s", msg)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	j.AddMetric("pages", int64(pdf.PageCount()))
	return j.WriteFile(ctx, j.Base+".pdf", ContentType, func(f io.Writer) error {
		_, err := f.Write(buf.Bytes())
		return err
	})
}

// doc is one PDF being written.
type doc struct {
	j     *formats.Job
	pdf   *fpdf.Fpdf
	ft    *fonts
	plan  *plan.Plan
	sheet sheet
	when  time.Time
	scale int

	tocPages   int
	roomPages  []tablePage
	equipPages []tablePage
	rooms      *table
	equip      *table
	total      int
	page       int
	links      map[int]int
}

// Page numbers of the parts (1-based).
func (d *doc) firstFloorPage() int { return d.tocPages + 1 }
func (d *doc) firstRoomPage() int  { return d.firstFloorPage() + len(d.plan.Floors) }
func (d *doc) firstEquipPage() int { return d.firstRoomPage() + len(d.roomPages) }

// layout decides every page before any is drawn, so the contents and "page i
// of n" can be written as the pages are.
func (d *doc) layout() error {
	d.rooms = d.roomTable()
	d.equip = d.equipTable()
	d.roomPages = d.paginate(d.rooms)
	d.equipPages = d.paginate(d.equip)
	d.tocPages = int(math.Ceil(float64(len(d.tocEntries())) / float64(d.tocPerPage())))
	if d.tocPages < 1 {
		d.tocPages = 1
	}
	d.total = d.tocPages + len(d.plan.Floors) + len(d.roomPages) + len(d.equipPages)
	return d.pdf.Error()
}

func (d *doc) render(ctx context.Context) error {
	steps := []func(){}
	for i := range d.tocPages {
		steps = append(steps, func() { d.tocPage(i) })
	}
	for _, fl := range d.plan.Floors {
		steps = append(steps, func() { d.floorPage(fl) })
	}
	for i := range d.roomPages {
		steps = append(steps, func() { d.tablePage(d.rooms, d.roomPages, i) })
	}
	for i := range d.equipPages {
		steps = append(steps, func() { d.tablePage(d.equip, d.equipPages, i) })
	}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		d.pdf.AddPage()
		d.page++
		step()
		if err := d.pdf.Error(); err != nil {
			return fmt.Errorf("pdf: page %d: %w", d.page, err)
		}
	}
	return nil
}

// footer writes "page i of n" and the building at the bottom of a page.
func (d *doc) footer() {
	s := d.sheet
	d.pdf.SetTextColor(90, 90, 90)
	y := s.h - s.margin + 5
	d.ft.text(s.margin, y, d.ft.fit(d.plan.Building, false, 7, s.w/2), false, 7)
	d.ft.textAt(s.w-s.margin, y, d.pageLabel(), false, 7, alignRight)
	d.pdf.SetTextColor(0, 0, 0)
}

func (d *doc) pageLabel() string { return fmt.Sprintf("page %d of %d", d.page, d.total) }

func (d *doc) date() string { return d.when.UTC().Format("2006-01-02") }
