// Package dxf writes a building's floor plans as one ASCII DXF file, AutoCAD
// R2000 (AC1015), drawn in metres ($INSUNITS 6, $MEASUREMENT 1), from the plan
// of converters/plan.
//
// The file is <base>.dxf (image/vnd.dxf). Each floor is a block, ARX_FLOOR_<n>_<id>
// (n counts floors from 1 by level, id is the floor's id in ASCII), drawn in
// the model's plan coordinates, and inserted once in model space: the first
// floor at its true position, each next one to the east of the previous, one
// building width plus a gap further ("floor_gap"), so floors never overlap and
// the first stays where the georef puts it. A paper space layout (Layout1) is
// present and empty.
//
// What each floor block holds, by layer (AIA/NCS style names; see layers):
//   - A-WALL: wall outlines as closed LWPOLYLINEs, one per piece of wall between
//     the openings the plan cut (see converters/plan for the 1.0 m cut).
//   - A-DOOR: for every door, its leaf (a LINE from the hinge, drawn open at
//     90°) and its swing (an ARC); A-GLAZ: for every window the two wall-face
//     LINEs across the opening and the glazing LINE on the axis. Openings the
//     plan cut does not reach (a high window) use the DASHED line type.
//   - A-AREA: room outlines as closed LWPOLYLINEs, each hole as one more;
//     A-AREA-IDEN: one MTEXT per room at its label point: name, number (the
//     room id) and area in m², on three lines, wrapped to the room's width.
//   - A-FLOR (slabs), A-ROOF, S-COLS, S-BEAM, A-FLOR-STRS, A-FLOR-HRAL,
//     A-FURN, A-GENM: footprints as closed LWPOLYLINEs (holes as more).
//   - equipment, on the layer of its system (M-EQPM hvac, E-EQPM electrical,
//     E-LITE lighting, P-EQPM plumbing, F-EQPM fire, T-EQPM network, T-SECU
//     security, Q-EQPM other): its footprint (a closed LWPOLYLINE), an INSERT
//     of the system's symbol block ARX_EQ_<SYSTEM> (a circle with a tick
//     towards the equipment's x axis) turned with it, red when failed and
//     magenta when critical, and an MTEXT with its id when "equipment_labels".
//   - A-ANNO-TEXT: the floor's title under its drawing (level, name, id,
//     building; "(empty)" for a floor with no elements); A-ANNO-SYMB: a north
//     arrow when the model has a georef (none, and a job warning, without);
//     A-ANNO-NPLT (not plotted): the frame of the building's extents.
//
// Text: every string goes into MTEXT, so nothing is limited in length (long
// texts are split into 250-byte chunks) and the encoding is one set of rules:
// ASCII is written as it is, every other character (control characters,
// accents, CJK, emoji) as \U+XXXX (a UTF-16 surrogate pair of them beyond
// U+FFFF), with $DWGCODEPAGE ANSI_1252; MTEXT's own characters are escaped
// (\\ \{ \}, "^ " for a caret, "%{}%" so "%%d" stays literal). Nothing is
// dropped.
//
// The file has every table R2000 requires (VPORT, LTYPE with BYBLOCK,
// BYLAYER, CONTINUOUS and DASHED, LAYER, STYLE, VIEW, UCS, APPID, DIMSTYLE,
// BLOCK_RECORD), owner handles and subclass markers on every object, and the
// OBJECTS a reader expects (the root dictionary, ACAD_GROUP, ACAD_LAYOUT with
// the two layouts, ACAD_PLOTSTYLENAME with Normal, ACAD_MLINESTYLE,
// ACAD_PLOTSETTINGS). Handles are numbered in the order objects are made, so
// the same plan and options always give the same bytes. Coordinates are written
// to the micrometre, in decimal notation.
package dxf

import (
	"context"
	"io"
	"math"

	"github.com/arxos/arxport/converters/plan"
	"github.com/arxos/arxport/formats"
)

const (
	// ContentType is the media type of the file.
	ContentType = "image/vnd.dxf"
	formatName  = "dxf"
)

// Format is the dxf format, registered under "dxf".
var Format = &formats.Format{
	Name:   formatName,
	Title:  "Floor plans as ASCII DXF (AutoCAD R2000), one block per floor, AIA layer names, metres",
	Family: "plan",
	Options: []formats.Option{
		{Name: "floor_gap", Kind: formats.Float, Default: 0.0, Min: 0, Max: 10000,
			Doc: "metres between two floors side by side in model space; 0 chooses a fifth of the building's width, at least 5 m"},
		{Name: "text_height", Kind: formats.Float, Default: 0.0, Min: 0, Max: 100,
			Doc: "height in metres of room names; 0 sizes each room's label to the room (0.05 to 0.35 m)"},
		{Name: "equipment_labels", Kind: formats.Bool, Default: true,
			Doc: "write each piece of equipment's id next to its symbol"},
		{Name: "layout", Kind: formats.String, Default: "blocks", Enum: []string{"blocks", "modelspace"},
			Doc: `"blocks": each floor is a block inserted in model space (CAD users get one object per floor; GDAL merges each insert into one feature unless DXF_MERGE_BLOCK_GEOMETRIES=FALSE); ` +
				`"modelspace": every entity is drawn straight in model space at the same places, so GIS readers see each one with its own layer`},
	},
	Write: write,
}

func init() { formats.Register(Format) }

// Options are Encode's settings; see Format's options.
type Options struct {
	FloorGap        float64
	TextHeight      float64
	EquipmentLabels bool
	// ModelSpace draws floors straight into model space instead of as blocks.
	ModelSpace bool
}

func write(ctx context.Context, j *formats.Job) error {
	p, err := plan.ForJob(ctx, j, formatName)
	if err != nil {
		return err
	}
	opt := Options{FloorGap: j.Options.Float("floor_gap"), TextHeight: j.Options.Float("text_height"),
		EquipmentLabels: j.Options.Bool("equipment_labels"), ModelSpace: j.Options.String("layout") == "modelspace"}
	j.AddMetric("floors", int64(len(p.Floors)))
	return j.WriteFile(ctx, j.Base+".dxf", ContentType, func(f io.Writer) error {
		_, err := Encode(ctx, f, p, &opt)
		return err
	})
}

// Encode writes plan p as a DXF file to w and returns the bytes written. nil
// options mean the defaults.
func Encode(ctx context.Context, w io.Writer, p *plan.Plan, opt *Options) (int64, error) {
	if opt == nil {
		opt = &Options{EquipmentLabels: true}
	}
	d := newDoc(p, opt)
	body, err := d.body(ctx)
	if err != nil {
		return 0, err
	}
	head := d.header()
	var n int64
	for _, part := range append([][]byte{head}, body...) {
		k, err := w.Write(part)
		n += int64(k)
		if err != nil {
			return n, err
		}
		if k < len(part) {
			return n, io.ErrShortWrite
		}
	}
	return n, nil
}

// box is an axis-aligned extent being grown.
type box struct {
	min, max [2]float64
	ok       bool
}

func (b *box) add(x, y float64) {
	if math.IsNaN(x) || math.IsNaN(y) {
		return
	}
	if !b.ok {
		b.min, b.max, b.ok = [2]float64{x, y}, [2]float64{x, y}, true
		return
	}
	b.min = [2]float64{math.Min(b.min[0], x), math.Min(b.min[1], y)}
	b.max = [2]float64{math.Max(b.max[0], x), math.Max(b.max[1], y)}
}
