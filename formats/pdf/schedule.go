package pdf

import (
	"fmt"
	"strconv"
)

// Table text sizes (points) and line heights (mm).
const (
	tableSize  = 8.0
	tableLine  = 3.6
	tablePad   = 1.2
	headerRow  = 7.0
	titleSize  = 14.0
	titleSpace = 16.0 // from the top margin to the table
)

// column of a schedule; width is a share of the table width.
type column struct {
	title string
	share float64
	right bool
}

// table is a schedule: its rows, already wrapped to the column widths.
type table struct {
	title string
	cols  []column
	rows  [][]string
	// cells[r][c] are the wrapped lines of a cell; heights[r] the row height.
	cells   [][][]string
	heights []float64
	empty   string
}

// tablePage is a range of rows on one page.
type tablePage struct{ from, to int }

func (d *doc) roomTable() *table {
	t := &table{title: "Room schedule", empty: "The building has no rooms.", cols: []column{
		{"Floor", 0.2, false}, {"Number", 0.1, false}, {"Name", 0.4, false}, {"Type", 0.16, false}, {"Area m²", 0.14, true},
	}}
	for _, fl := range d.plan.Floors {
		for _, r := range fl.Rooms {
			t.rows = append(t.rows, []string{floorLabel(fl.Name, fl.Level), r.ID, r.Name, r.Type,
				strconv.FormatFloat(r.Area, 'f', 2, 64)})
		}
	}
	return t
}

func (d *doc) equipTable() *table {
	t := &table{title: "Equipment schedule", empty: "The building has no equipment.", cols: []column{
		{"Floor", 0.16, false}, {"ID", 0.14, false}, {"Name", 0.3, false}, {"System", 0.12, false},
		{"Room", 0.14, false}, {"Status", 0.14, false},
	}}
	for _, fl := range d.plan.Floors {
		for _, e := range fl.Equipment {
			status := e.Status
			if e.Critical {
				status += " (critical)"
			}
			t.rows = append(t.rows, []string{floorLabel(fl.Name, fl.Level), e.ID, e.Name, e.System, e.Room, status})
		}
	}
	return t
}

func floorLabel(name string, level int) string { return fmt.Sprintf("%s (level %d)", name, level) }

// tableWidth is the usable width of a page.
func (d *doc) tableWidth() float64 { return d.sheet.w - 2*d.sheet.margin }

// paginate wraps every cell and splits the rows into pages.
func (d *doc) paginate(t *table) []tablePage {
	w := d.tableWidth()
	t.cells = make([][][]string, len(t.rows))
	t.heights = make([]float64, len(t.rows))
	for r, row := range t.rows {
		n := 1
		t.cells[r] = make([][]string, len(row))
		for c, v := range row {
			lines := d.ft.wrap(v, false, tableSize, t.cols[c].share*w-2*tablePad)
			t.cells[r][c] = lines
			n = max(n, len(lines))
		}
		t.heights[r] = float64(n)*tableLine + 2*tablePad - 0.6
	}
	avail := d.sheet.h - 2*d.sheet.margin - titleSpace - headerRow
	var pages []tablePage
	from, used := 0, 0.0
	for r, h := range t.heights {
		if used+h > avail && r > from {
			pages = append(pages, tablePage{from, r})
			from, used = r, 0
		}
		used += h
	}
	pages = append(pages, tablePage{from, len(t.rows)})
	return pages
}

func (d *doc) tablePage(t *table, pages []tablePage, i int) {
	pdf, s := d.pdf, d.sheet
	pg := pages[i]
	title := t.title
	if len(pages) > 1 {
		title = fmt.Sprintf("%s (%d of %d)", t.title, i+1, len(pages))
	}
	if i == 0 {
		pdf.Bookmark(t.title, 0, 0)
	}
	d.ft.text(s.margin, s.margin+6, title, true, titleSize)
	d.ft.textAt(s.w-s.margin, s.margin+6, d.ft.fit(d.plan.Building, false, 9, s.w/2), false, 9, alignRight)
	w := d.tableWidth()
	x0, y := s.margin, s.margin+titleSpace-4
	// header row
	pdf.SetFillColor(60, 60, 60)
	pdf.Rect(x0, y, w, headerRow, "F")
	pdf.SetTextColor(255, 255, 255)
	x := x0
	for _, c := range t.cols {
		cw := c.share * w
		if c.right {
			d.ft.textAt(x+cw-tablePad, y+headerRow-2.2, c.title, true, tableSize, alignRight)
		} else {
			d.ft.text(x+tablePad, y+headerRow-2.2, c.title, true, tableSize)
		}
		x += cw
	}
	pdf.SetTextColor(0, 0, 0)
	y += headerRow
	if len(t.rows) == 0 {
		pdf.SetTextColor(90, 90, 90)
		d.ft.text(x0+tablePad, y+6, t.empty, false, tableSize+1)
		pdf.SetTextColor(0, 0, 0)
	}
	pdf.SetLineWidth(0.1)
	pdf.SetDrawColor(190, 190, 190)
	for r := pg.from; r < pg.to; r++ {
		h := t.heights[r]
		if r%2 == 1 {
			pdf.SetFillColor(242, 242, 242)
			pdf.Rect(x0, y, w, h, "F")
		}
		x := x0
		for c, col := range t.cols {
			cw := col.share * w
			for k, line := range t.cells[r][c] {
				by := y + tablePad + float64(k)*tableLine + 2.6
				if col.right {
					d.ft.textAt(x+cw-tablePad, by, line, false, tableSize, alignRight)
				} else {
					d.ft.text(x+tablePad, by, line, false, tableSize)
				}
			}
			x += cw
		}
		y += h
		pdf.Line(x0, y, x0+w, y)
	}
	d.footer()
}

// tocEntry is a line of the contents.
type tocEntry struct {
	level int
	text  string
	page  int
}

func (d *doc) tocEntries() []tocEntry {
	out := []tocEntry{{0, "Floor plans", d.firstFloorPage()}}
	for i, fl := range d.plan.Floors {
		text := floorLabel(fl.Name, fl.Level)
		if fl.Empty {
			text += " — empty"
		}
		out = append(out, tocEntry{1, text, d.firstFloorPage() + i})
	}
	out = append(out, tocEntry{0, "Room schedule", d.firstRoomPage()},
		tocEntry{0, "Equipment schedule", d.firstEquipPage()})
	return out
}

const (
	tocLine = 6.0
	tocTop  = 44.0 // from the top margin, below the heading
)

func (d *doc) tocPerPage() int {
	return max(1, int((d.sheet.h-2*d.sheet.margin-tocTop-8)/tocLine))
}

func (d *doc) tocPage(i int) {
	pdf, s, ft := d.pdf, d.sheet, d.ft
	if i == 0 {
		pdf.Bookmark("Contents", 0, 0)
		y := s.margin + 10
		ft.text(s.margin, y, ft.fit(d.plan.Building, true, 20, s.w-2*s.margin), true, 20)
		pdf.SetTextColor(70, 70, 70)
		sub := "Plans and schedules · " + d.date()
		if d.plan.Address != "" {
			sub = d.plan.Address + " · " + sub
		}
		ft.text(s.margin, y+9, ft.fit(sub, false, 10, s.w-2*s.margin), false, 10)
		pdf.SetTextColor(0, 0, 0)
		ft.text(s.margin, y+24, "Contents", true, 14)
	}
	per := d.tocPerPage()
	entries := d.tocEntries()
	from, to := i*per, min(len(entries), (i+1)*per)
	width := min(s.w-2*s.margin, 220)
	y := s.margin + tocTop
	for _, e := range entries[from:to] {
		x := s.margin + float64(e.level)*8
		bold := e.level == 0
		num := strconv.Itoa(e.page)
		right := s.margin + width
		text := ft.fit(e.text, bold, 10, right-x-20)
		tw := ft.text(x, y, text, bold, 10)
		ft.textAt(right, y, num, bold, 10, alignRight)
		// dotted leader
		pdf.SetDrawColor(150, 150, 150)
		pdf.SetLineWidth(0.2)
		pdf.SetDashPattern([]float64{0.3, 1.2}, 0)
		pdf.Line(x+tw+2, y, right-ft.width(num, bold, 10)-2, y)
		pdf.SetDashPattern(nil, 0)
		pdf.SetDrawColor(0, 0, 0)
		pdf.Link(x, y-4, right-x, tocLine, d.link(e.page))
		y += tocLine
	}
	d.footer()
}

// link returns an internal link to a page, made once per page.
func (d *doc) link(page int) int {
	if d.links == nil {
		d.links = map[int]int{}
	}
	id, ok := d.links[page]
	if !ok {
		id = d.pdf.AddLink()
		d.pdf.SetLink(id, 0, page)
		d.links[page] = id
	}
	return id
}
