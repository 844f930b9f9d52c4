package dxf

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/arxos/arxport/converters/plan"
)

// doc writes one DXF file. The body (every section after HEADER) is made
// first, in memory, because the HEADER needs what only the body knows: the
// next free handle ($HANDSEED) and the drawing's extents.
type doc struct {
	p   *plan.Plan
	opt *Options
	e   enc

	// tables, in the order written, and their handles
	tables map[string]uint64
	// objects every file has
	root, groups, layoutDict, plotStyles, normal, mlineDict, plotSettings uint64
	modelLayout, paperLayout, modelBR, paperBR                            uint64
	// block records: one per floor (in plan order), one per equipment system
	floorBR   []uint64
	floorName []string
	symbolBR  []uint64

	// geometry of the model space
	width, gap float64
	ext        box
}

var tableOrder = []string{"VPORT", "LTYPE", "LAYER", "STYLE", "VIEW", "UCS", "APPID", "DIMSTYLE", "BLOCK_RECORD"}

func newDoc(p *plan.Plan, opt *Options) *doc {
	d := &doc{p: p, opt: opt, tables: map[string]uint64{}}
	d.e.next = 1
	h := d.e.handle
	for _, t := range tableOrder {
		d.tables[t] = h()
	}
	d.root, d.groups, d.layoutDict, d.plotStyles, d.normal = h(), h(), h(), h(), h()
	d.mlineDict, d.plotSettings = h(), h()
	d.modelLayout, d.paperLayout, d.modelBR, d.paperBR = h(), h(), h(), h()
	for range systems {
		d.symbolBR = append(d.symbolBR, h())
	}
	if !opt.ModelSpace {
		for i, fl := range p.Floors {
			d.floorBR = append(d.floorBR, h())
			d.floorName = append(d.floorName, fmt.Sprintf("ARX_FLOOR_%d_%s", i+1, tableName(fl.ID)))
		}
	}
	d.width = p.Max[0] - p.Min[0]
	d.gap = opt.FloorGap
	if !(d.gap > 0) {
		d.gap = math.Max(d.width/5, 5)
	}
	return d
}

func symbolName(system string) string { return "ARX_EQ_" + strings.ToUpper(system) }

// body writes CLASSES, TABLES, BLOCKS, ENTITIES, OBJECTS and EOF.
func (d *doc) body(ctx context.Context) ([][]byte, error) {
	e := &d.e
	d.classes()
	d.tablesSection()

	section(e, "BLOCKS")
	d.emptyBlock("*Model_Space", d.modelBR, false)
	d.emptyBlock("*Paper_Space", d.paperBR, true)
	for i, s := range systems {
		d.symbolBlock(symbolName(s), d.symbolBR[i])
	}
	for i, fl := range d.p.Floors {
		if d.opt.ModelSpace {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b := d.floorBlock(i, fl)
		if b.ok {
			dx := d.offset(i)
			d.ext.add(b.min[0]+dx, b.min[1])
			d.ext.add(b.max[0]+dx, b.max[1])
		}
	}
	endsec(e)

	section(e, "ENTITIES")
	for i, fl := range d.p.Floors {
		if !d.opt.ModelSpace {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if b := d.floorEntities(i, fl); b.ok {
			d.ext.add(b.min[0], b.min[1])
			d.ext.add(b.max[0], b.max[1])
		}
	}
	for i := range d.floorBR {
		e.str(0, "INSERT")
		e.hex(5, e.handle())
		e.hex(330, d.modelBR)
		e.str(100, "AcDbEntity")
		e.str(8, "0")
		e.str(100, "AcDbBlockReference")
		e.str(2, d.floorName[i])
		e.point(10, d.offset(i), 0)
	}
	endsec(e)

	d.objects()
	e.str(0, "EOF")
	return e.chunks(), nil
}

// offset is the x shift of floor i's insert in model space.
func (d *doc) offset(i int) float64 { return float64(i) * (d.width + d.gap) }

func section(e *enc, name string) {
	e.str(0, "SECTION")
	e.str(2, name)
}

func endsec(e *enc) { e.str(0, "ENDSEC") }

// header writes the HEADER section, once the body is made.
func (d *doc) header() []byte {
	e := &enc{}
	section(e, "HEADER")
	v := func(name string) { e.str(9, name) }
	v("$ACADVER")
	e.str(1, "AC1015")
	v("$ACADMAINTVER")
	e.int(70, 6)
	v("$DWGCODEPAGE")
	e.str(3, "ANSI_1252")
	v("$INSBASE")
	e.point(10, 0, 0)
	lo, hi := d.ext.min, d.ext.max
	if !d.ext.ok {
		lo, hi = [2]float64{}, [2]float64{}
	}
	v("$EXTMIN")
	e.point(10, lo[0], lo[1])
	v("$EXTMAX")
	e.point(10, hi[0], hi[1])
	v("$LIMMIN")
	e.float(10, lo[0])
	e.float(20, lo[1])
	v("$LIMMAX")
	e.float(10, hi[0])
	e.float(20, hi[1])
	v("$LTSCALE")
	e.float(40, 1)
	v("$TEXTSIZE")
	e.float(40, 0.25)
	v("$TEXTSTYLE")
	e.str(7, "Standard")
	v("$CLAYER")
	e.str(8, "0")
	v("$CELTYPE")
	e.str(6, "ByLayer")
	v("$DIMSTYLE")
	e.str(2, "Standard")
	v("$LUNITS")
	e.int(70, 2)
	v("$LUPREC")
	e.int(70, 3)
	v("$AUNITS")
	e.int(70, 0)
	v("$INSUNITS")
	e.int(70, 6) // metres
	v("$MEASUREMENT")
	e.int(70, 1) // metric
	v("$PSTYLEMODE")
	e.int(290, 1)
	v("$HANDSEED")
	e.hex(5, d.e.next)
	endsec(e)
	return e.b
}

// classes declares the non-entity classes the OBJECTS section uses.
func (d *doc) classes() {
	e := &d.e
	section(e, "CLASSES")
	for _, c := range [][2]string{
		{"ACDBDICTIONARYWDFLT", "AcDbDictionaryWithDefault"},
		{"ACDBPLACEHOLDER", "AcDbPlaceHolder"},
		{"LAYOUT", "AcDbLayout"},
	} {
		e.str(0, "CLASS")
		e.str(1, c[0])
		e.str(2, c[1])
		e.str(3, "ObjectDBX Classes")
		e.int(90, 0)
		e.int(280, 0)
		e.int(281, 0)
	}
	endsec(e)
}

// record writes the start of a symbol table record.
func (d *doc) record(typ, table, subclass string) {
	e := &d.e
	e.str(0, typ)
	if typ == "DIMSTYLE" {
		e.hex(105, e.handle())
	} else {
		e.hex(5, e.handle())
	}
	e.hex(330, d.tables[table])
	e.str(100, "AcDbSymbolTableRecord")
	e.str(100, subclass)
}

func (d *doc) table(name string, count int) {
	e := &d.e
	e.str(0, "TABLE")
	e.str(2, name)
	e.hex(5, d.tables[name])
	e.hex(330, 0)
	e.str(100, "AcDbSymbolTable")
	e.int(70, int64(count))
	if name == "DIMSTYLE" {
		e.str(100, "AcDbDimStyleTable")
	}
}

func (d *doc) tablesSection() {
	e := &d.e
	section(e, "TABLES")

	d.table("VPORT", 1)
	d.record("VPORT", "VPORT", "AcDbViewportTableRecord")
	d.vport()
	e.str(0, "ENDTAB")

	d.table("LTYPE", 4)
	for _, lt := range []struct {
		name, desc string
		dashes     []float64
	}{
		{"ByBlock", "", nil},
		{"ByLayer", "", nil},
		{ltContinuous, "Solid line", nil},
		{ltDashed, "Dashed __ __ __", []float64{0.5, -0.25}},
	} {
		d.record("LTYPE", "LTYPE", "AcDbLinetypeTableRecord")
		e.str(2, lt.name)
		e.int(70, 0)
		e.str(3, lt.desc)
		e.int(72, 65)
		e.int(73, int64(len(lt.dashes)))
		total := 0.0
		for _, x := range lt.dashes {
			total += math.Abs(x)
		}
		e.float(40, total)
		for _, x := range lt.dashes {
			e.float(49, x)
			e.int(74, 0)
		}
	}
	e.str(0, "ENDTAB")

	d.table("LAYER", len(layers))
	for _, l := range layers {
		d.record("LAYER", "LAYER", "AcDbLayerTableRecord")
		e.str(2, l.name)
		e.int(70, 0)
		e.int(62, int64(l.colour))
		e.str(6, l.linetype)
		if !l.plot {
			e.int(290, 0)
		}
		e.int(370, int64(l.weight))
		e.hex(390, d.normal)
	}
	e.str(0, "ENDTAB")

	d.table("STYLE", 1)
	d.record("STYLE", "STYLE", "AcDbTextStyleTableRecord")
	e.str(2, "Standard")
	e.int(70, 0)
	e.float(40, 0)
	e.float(41, 1)
	e.float(50, 0)
	e.int(71, 0)
	e.float(42, 0.25)
	e.str(3, "arial.ttf")
	e.str(4, "")
	e.str(0, "ENDTAB")

	d.table("VIEW", 0)
	e.str(0, "ENDTAB")
	d.table("UCS", 0)
	e.str(0, "ENDTAB")

	d.table("APPID", 1)
	d.record("APPID", "APPID", "AcDbRegAppTableRecord")
	e.str(2, "ACAD")
	e.int(70, 0)
	e.str(0, "ENDTAB")

	d.table("DIMSTYLE", 1)
	d.record("DIMSTYLE", "DIMSTYLE", "AcDbDimStyleTableRecord")
	e.str(2, "Standard")
	e.int(70, 0)
	e.str(0, "ENDTAB")

	d.table("BLOCK_RECORD", 2+len(systems)+len(d.floorBR))
	br := func(name string, h, layout uint64) {
		e.str(0, "BLOCK_RECORD")
		e.hex(5, h)
		e.hex(330, d.tables["BLOCK_RECORD"])
		e.str(100, "AcDbSymbolTableRecord")
		e.str(100, "AcDbBlockTableRecord")
		e.str(2, name)
		if layout != 0 {
			e.hex(340, layout)
		}
		e.int(70, 6)
		e.int(280, 1)
		e.int(281, 0)
	}
	br("*Model_Space", d.modelBR, d.modelLayout)
	br("*Paper_Space", d.paperBR, d.paperLayout)
	for i, s := range systems {
		br(symbolName(s), d.symbolBR[i], 0)
	}
	for i := range d.floorBR {
		br(d.floorName[i], d.floorBR[i], 0)
	}
	e.str(0, "ENDTAB")
	endsec(e)
}

// vport writes the *Active viewport, looking at the whole model space.
func (d *doc) vport() {
	e := &d.e
	// The extents are not known yet: the plan's extents stand in, widened to
	// the row of floors.
	n := float64(max(len(d.p.Floors), 1))
	w := d.width*n + d.gap*(n-1)
	h := d.p.Max[1] - d.p.Min[1]
	cx, cy := d.p.Min[0]+w/2, d.p.Min[1]+h/2
	e.str(2, "*Active")
	e.int(70, 0)
	e.float(10, 0)
	e.float(20, 0)
	e.float(11, 1)
	e.float(21, 1)
	e.float(12, cx)
	e.float(22, cy)
	e.float(13, 0)
	e.float(23, 0)
	e.float(14, 0.5)
	e.float(24, 0.5)
	e.float(15, 0.5)
	e.float(25, 0.5)
	e.float(16, 0)
	e.float(26, 0)
	e.float(36, 1)
	e.float(17, 0)
	e.float(27, 0)
	e.float(37, 0)
	e.float(40, math.Max(h*1.2, math.Max(w, 1)*0.6))
	e.float(41, 1.6)
	e.float(42, 50)
	e.float(43, 0)
	e.float(44, 0)
	e.float(50, 0)
	e.float(51, 0)
	e.int(71, 0)
	e.int(72, 1000)
	e.int(73, 1)
	e.int(74, 3)
	e.int(75, 0)
	e.int(76, 0)
	e.int(77, 0)
	e.int(78, 0)
	e.int(281, 0)
	e.int(65, 1)
	e.float(110, 0)
	e.float(120, 0)
	e.float(130, 0)
	e.float(111, 1)
	e.float(121, 0)
	e.float(131, 0)
	e.float(112, 0)
	e.float(122, 1)
	e.float(132, 0)
	e.int(79, 0)
	e.float(146, 0)
}

// blockBegin writes BLOCK; blockEnd ENDBLK.
func (d *doc) blockBegin(name string, br uint64, paper bool) {
	e := &d.e
	e.str(0, "BLOCK")
	e.hex(5, e.handle())
	e.hex(330, br)
	e.str(100, "AcDbEntity")
	if paper {
		e.int(67, 1)
	}
	e.str(8, "0")
	e.str(100, "AcDbBlockBegin")
	e.str(2, name)
	e.int(70, 0)
	e.point(10, 0, 0)
	e.str(3, name)
	e.str(1, "")
}

func (d *doc) blockEnd(br uint64, paper bool) {
	e := &d.e
	e.str(0, "ENDBLK")
	e.hex(5, e.handle())
	e.hex(330, br)
	e.str(100, "AcDbEntity")
	if paper {
		e.int(67, 1)
	}
	e.str(8, "0")
	e.str(100, "AcDbBlockEnd")
}

func (d *doc) emptyBlock(name string, br uint64, paper bool) {
	d.blockBegin(name, br, paper)
	d.blockEnd(br, paper)
}

// symbolBlock is an equipment symbol: a circle of diameter 1 with a tick
// along +x, on layer 0 in colour and line type BYBLOCK, so an INSERT gives it
// its own layer, colour, size and turn.
func (d *doc) symbolBlock(name string, br uint64) {
	d.blockBegin(name, br, false)
	g := &gfx{d: d, owner: br}
	g.byBlock = true
	g.circle("0", 0, 0, 0.5)
	g.line("0", "", 0, 0, 0.5, 0)
	d.blockEnd(br, false)
}

// objects writes the OBJECTS section.
func (d *doc) objects() {
	e := &d.e
	section(e, "OBJECTS")
	dict := func(h, owner uint64, entries ...any) {
		e.str(0, "DICTIONARY")
		e.hex(5, h)
		e.hex(330, owner)
		e.str(100, "AcDbDictionary")
		e.int(281, 1)
		for i := 0; i+1 < len(entries); i += 2 {
			e.str(3, entries[i].(string))
			e.hex(350, entries[i+1].(uint64))
		}
	}
	dict(d.root, 0,
		"ACAD_GROUP", d.groups,
		"ACAD_LAYOUT", d.layoutDict,
		"ACAD_MLINESTYLE", d.mlineDict,
		"ACAD_PLOTSETTINGS", d.plotSettings,
		"ACAD_PLOTSTYLENAME", d.plotStyles)
	dict(d.groups, d.root)
	dict(d.layoutDict, d.root, "Model", d.modelLayout, "Layout1", d.paperLayout)
	dict(d.mlineDict, d.root)
	dict(d.plotSettings, d.root)

	e.str(0, "ACDBDICTIONARYWDFLT")
	e.hex(5, d.plotStyles)
	e.hex(330, d.root)
	e.str(100, "AcDbDictionary")
	e.int(281, 1)
	e.str(3, "Normal")
	e.hex(350, d.normal)
	e.str(100, "AcDbDictionaryWithDefault")
	e.hex(340, d.normal)

	e.str(0, "ACDBPLACEHOLDER")
	e.hex(5, d.normal)
	e.hex(330, d.plotStyles)

	d.layout(d.modelLayout, "Model", 0, d.modelBR, 1024)
	d.layout(d.paperLayout, "Layout1", 1, d.paperBR, 0)
	endsec(e)
}

// layout writes a LAYOUT object: plot settings for an ISO A3 sheet, in mm.
func (d *doc) layout(h uint64, name string, tab int, br uint64, flags int) {
	e := &d.e
	e.str(0, "LAYOUT")
	e.hex(5, h)
	e.hex(330, d.layoutDict)
	e.str(100, "AcDbPlotSettings")
	e.str(1, "")
	e.str(2, "none_device")
	e.str(4, "ISO_A3_(420.00_x_297.00_MM)")
	e.str(6, "")
	for _, c := range []struct {
		code int
		v    float64
	}{{40, 7.5}, {41, 20}, {42, 7.5}, {43, 20}, {44, 420}, {45, 297}, {46, 0}, {47, 0}, {48, 0}, {49, 0},
		{140, 0}, {141, 0}, {142, 1}, {143, 1}} {
		e.float(c.code, c.v)
	}
	e.int(70, int64(flags))
	e.int(72, 1)
	e.int(73, 0)
	e.int(74, 5)
	e.str(7, "")
	e.int(75, 16)
	e.float(147, 1)
	e.float(148, 0)
	e.float(149, 0)
	e.str(100, "AcDbLayout")
	e.str(1, name)
	e.int(70, 1)
	e.int(71, int64(tab))
	e.float(10, 0)
	e.float(20, 0)
	e.float(11, 420)
	e.float(21, 297)
	e.point(12, 0, 0)
	e.point(14, 0, 0)
	e.point(15, 0, 0)
	e.float(146, 0)
	e.point(13, 0, 0)
	e.point(16, 1, 0)
	e.point(17, 0, 1)
	e.int(76, 0)
	e.hex(330, br)
}
