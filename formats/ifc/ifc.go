// Package ifc writes a model as an IFC4 (ADD2 TC1) STEP physical file (ISO
// 10303-21) in the "IFC-Lite" profile of FORMATS.md.
//
// Structure: IfcProject (units: metre, square and cubic metre, radian; a 3D
// 'Model' context with a 'Body' subcontext, true north from the georef) →
// IfcSite (RefLatitude/RefLongitude/RefElevation) → IfcBuilding → one
// IfcBuildingStorey per floor (Elevation and placement at the floor's
// elevation), all through IfcRelAggregates. Rooms are IfcSpace (Name = room
// id, LongName = name, ObjectType = room type) aggregated under their storey.
// Elements are written as the class of ClassOf (see classes.go; Name = name or
// id, Tag = id) and contained in their storey. A door or window gets an
// IfcOpeningElement in its host wall (IfcRelVoidsElement wall → opening,
// IfcRelFillsElement opening → door): the opening is the box the door cuts,
// 1 cm proud of each wall face so readers' booleans have no coplanar faces;
// the wall's own solid is the full extrusion, readers cut the openings.
//
// Geometry is in metres, each element placed relative to its storey at a
// reference point of its own (a wall's start, a box's centre, a profile's first
// vertex) so large map coordinates stay in the placement, in double precision,
// and the shape itself is small. Lines, extrusions, boxes, openings:
// IfcExtrudedAreaSolid of an IfcRectangleProfileDef, IfcArbitraryClosedProfileDef
// or IfcArbitraryProfileDefWithVoids (IfcIndexedPolyCurve outlines); meshes:
// IfcTriangulatedFaceSet.
//
// Properties: the model's own in an Arxos_Properties set (IfcLabel, IfcReal,
// IfcBoolean), the element's type, system, status, room and host in
// Arxos_Element, and the few that have a standard home also in the class's
// Pset_*Common (commonProps). Quantities from Model.Measure in the class's
// Qto_*BaseQuantities set (Arxos_BaseQuantities where IFC4 has none).
// Materials: one IfcMaterial per name, associated by one IfcRelAssociatesMaterial.
//
// Georeference: IfcMapConversion from the model's engineering CRS to
// IfcProjectedCRS 'EPSG:326zz' (or 327zz south), the WGS 84 UTM zone of the
// georef's longitude: Eastings/Northings of the origin by Krüger's series,
// OrthogonalHeight the georef elevation, XAxisAbscissa/XAxisOrdinate the
// model's +X axis in the grid (rotation and meridian convergence), Scale 1.
//
// GlobalIds are GlobalID(building id, role, item id): stable across exports.
//
// The file streams: entities are written as rooms and elements come; the
// relations that gather them (containment per storey, aggregation of spaces,
// materials) are written at the end from lists of instance numbers, 4 bytes
// per element.
package ifc

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/formats/internal/p21"
	"github.com/arxos/arxport/model"
)

const (
	// ContentType is the media type of ISO 10303-21 files.
	ContentType = "application/x-step"
	// CodeNoGeometry is the warning code for an element written without a shape.
	CodeNoGeometry = "IFC_NO_GEOMETRY"

	formatName  = "ifc"
	reportEvery = 4096
)

// Format is the ifc format, registered under "ifc".
var Format = &formats.Format{
	Name:   formatName,
	Title:  "IFC4 (ADD2 TC1) STEP file: spatial structure, spaces, elements with solids, openings, property sets, quantities, materials, georeference",
	Family: "solids",
	Options: []formats.Option{
		{Name: "decimals", Kind: formats.Int, Default: 6, Min: 3, Max: 9,
			Doc: "decimal places of lengths in metres: 3 is a millimetre, 6 (the default) a micrometre"},
		{Name: "properties", Kind: formats.Bool, Default: true,
			Doc: "write property sets (Arxos_Properties, Arxos_Element, Pset_*Common); false writes geometry and structure only"},
		{Name: "quantities", Kind: formats.Bool, Default: true,
			Doc: "write base quantities (Qto_*BaseQuantities: lengths, areas, volumes) computed from the model"},
	},
	Write: write,
}

func init() { formats.Register(Format) }

func write(ctx context.Context, j *formats.Job) error {
	return j.WriteFile(ctx, j.Base+".ifc", ContentType, func(f io.Writer) error {
		w := newWriter(j, f)
		if err := w.run(ctx); err != nil {
			return err
		}
		return w.e.Flush()
	})
}

// storey is what the writer keeps of a floor: its instance numbers and the
// instances it gathers at the end.
type storey struct {
	id, placement int
	contained     []int32 // elements
	spaces        []int32
}

// host is a wall that openings void: its instance number, reserved when the
// first of its doors comes before it.
type host struct {
	id      int
	written bool
}

type writer struct {
	j        *formats.Job
	m        *model.Model
	e        *p21.Encoder
	building string // building id, for GlobalIds

	props, qtos bool

	// shared instances
	body           int // the 'Body' subcontext
	dirZ, dirX     int
	origin         int // IfcCartesianPoint (0,0,0)
	metre          int
	storeys        []storey
	floorIndex     map[string]int
	hosts          map[string]*host
	materials      map[string][]int32
	ids            []int32 // scratch
	gid            []byte  // scratch
	entitiesBefore int
}

func newWriter(j *formats.Job, f interface{ Write([]byte) (int, error) }) *writer {
	m := j.Model
	decimals := j.Options.Int("decimals")
	if decimals == 0 {
		decimals = 6
	}
	w := &writer{j: j, m: m, e: p21.New(f, decimals), building: m.Building.ID,
		props: optBool(j.Options, "properties"), qtos: optBool(j.Options, "quantities"),
		floorIndex: map[string]int{}, hosts: map[string]*host{}, materials: map[string][]int32{}}
	for i, fl := range m.Building.Floors {
		w.floorIndex[fl.ID] = i
	}
	return w
}

// optBool reads a Bool option that defaults to true when absent.
func optBool(v formats.Values, name string) bool {
	b, ok := v[name].(bool)
	return !ok || b
}

func (w *writer) run(ctx context.Context) error {
	w.header()
	w.project()
	if err := w.e.Err(); err != nil {
		return err
	}
	var done int64
	step := func() error {
		done++
		if done%reportEvery == 0 {
			w.j.Report(formatName, done)
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return w.e.Err()
	}
	err := w.m.Rooms(ctx, func(r *model.Room) error {
		w.room(r)
		return step()
	})
	if err != nil {
		return err
	}
	err = w.m.Elements(ctx, func(el *model.Element) error {
		if err := w.element(el); err != nil {
			return err
		}
		return step()
	})
	if err != nil {
		return err
	}
	if err := w.finish(); err != nil {
		return err
	}
	w.j.Report(formatName, done)
	w.j.AddMetric("entities", int64(w.e.Count()))
	w.j.AddMetric("elements", int64(w.m.Stats.Elements))
	return ctx.Err()
}

// guid writes the GlobalId of an item's entity.
func (w *writer) guid(role, id string) {
	var b [24]byte // the quoted 22 characters
	w.e.Sep()
	w.e.RawBytes(appendGlobalID(append(b[:0], '\''), w.building, role, id))
	w.e.Raw("'")
}

func (w *writer) header() {
	j := w.j
	e := w.e
	e.Raw("ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION(('ViewDefinition [ReferenceView_V1.2]'),'2;1');\nFILE_NAME(")
	e.Str(j.Base + ".ifc")
	e.Str(j.Time.UTC().Format("2006-01-02T15:04:05"))
	e.Raw(",(''),(''),'arxport','arxport','');\nFILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n")
}

// point writes an IfcCartesianPoint of lengths.
func (w *writer) point(c ...float64) int {
	e := w.e
	id := e.Begin("IFCCARTESIANPOINT")
	e.Open()
	for _, v := range c {
		e.Length(v)
	}
	e.Close()
	e.End()
	return id
}

func (w *writer) direction(c ...float64) int {
	e := w.e
	id := e.Begin("IFCDIRECTION")
	e.Open()
	for _, v := range c {
		e.Ratio(v)
	}
	e.Close()
	e.End()
	return id
}

// axis3 writes an IfcAxis2Placement3D at a point, with an optional X
// direction (0: the default axes).
func (w *writer) axis3(loc, refDir int) int {
	e := w.e
	id := e.Begin("IFCAXIS2PLACEMENT3D")
	e.Ref(loc)
	if refDir == 0 {
		e.Null()
		e.Null()
	} else {
		e.Ref(w.dirZ)
		e.Ref(refDir)
	}
	e.End()
	return id
}

func (w *writer) localPlacement(relTo, axis int) int {
	e := w.e
	id := e.Begin("IFCLOCALPLACEMENT")
	if relTo == 0 {
		e.Null()
	} else {
		e.Ref(relTo)
	}
	e.Ref(axis)
	e.End()
	return id
}

// relAggregates writes an IfcRelAggregates of parts under a whole.
func (w *writer) relAggregates(role, key string, whole int, parts []int32) {
	e := w.e
	e.Begin("IFCRELAGGREGATES")
	w.guid(role, key)
	e.Null()
	e.Null()
	e.Null()
	e.Ref(whole)
	e.Refs32(parts)
	e.End()
}

// project writes the units, contexts, georeference and spatial structure down
// to the storeys.
func (w *writer) project() {
	e := w.e
	b := &w.m.Building
	w.origin = w.point(0, 0, 0)
	w.dirZ = w.direction(0, 0, 1)
	w.dirX = w.direction(1, 0, 0)
	world := w.axis3(w.origin, 0)

	w.metre = e.Begin("IFCSIUNIT")
	e.Star()
	e.Enum("LENGTHUNIT")
	e.Null()
	e.Enum("METRE")
	e.End()
	units := []int32{int32(w.metre)}
	for _, u := range [][2]string{{"AREAUNIT", "SQUARE_METRE"}, {"VOLUMEUNIT", "CUBIC_METRE"}, {"PLANEANGLEUNIT", "RADIAN"}} {
		id := e.Begin("IFCSIUNIT")
		e.Star()
		e.Enum(u[0])
		e.Null()
		e.Enum(u[1])
		e.End()
		units = append(units, int32(id))
	}
	unitAssignment := e.Begin("IFCUNITASSIGNMENT")
	e.Refs32(units)
	e.End()

	g := b.Georef
	trueNorth := 0
	if g != nil && g.Rotation != 0 {
		// Model +Y is Rotation degrees clockwise from true north, so north is
		// that far anticlockwise from +Y.
		s, c := math.Sincos(g.Rotation * math.Pi / 180)
		trueNorth = w.direction(-s, c)
	}
	ctx := e.Begin("IFCGEOMETRICREPRESENTATIONCONTEXT")
	e.Null()
	e.Str("Model")
	e.Int(3)
	e.Real(1e-5)
	e.Ref(world)
	if trueNorth == 0 {
		e.Null()
	} else {
		e.Ref(trueNorth)
	}
	e.End()
	w.body = e.Begin("IFCGEOMETRICREPRESENTATIONSUBCONTEXT")
	e.Str("Body")
	e.Str("Model")
	e.Star()
	e.Star()
	e.Star()
	e.Star()
	e.Ref(ctx)
	e.Null()
	e.Enum("MODEL_VIEW")
	e.Null()
	e.End()

	project := e.Begin("IFCPROJECT")
	w.guid("project", "")
	e.Null()
	e.OptStr(b.ID)
	e.Null()
	e.Null()
	e.OptStr(b.Name)
	e.Null()
	e.Refs32([]int32{int32(ctx)})
	e.Ref(unitAssignment)
	e.End()

	if g != nil {
		u := projectOrigin(g.Lat, g.Lon, g.Rotation)
		crs := e.Begin("IFCPROJECTEDCRS")
		e.Str(u.EPSG())
		e.Str(u.Name())
		e.Str("WGS84")
		e.Null()
		e.Str("UTM")
		e.Str(u.MapZone())
		e.Ref(w.metre)
		e.End()
		e.Begin("IFCMAPCONVERSION")
		e.Ref(ctx)
		e.Ref(crs)
		e.Length(u.Easting)
		e.Length(u.Northing)
		e.Length(g.Elevation)
		e.Ratio(u.XAbscissa)
		e.Ratio(u.XOrdinat)
		e.Real(1)
		e.End()
	}

	sitePlacement := w.localPlacement(0, world)
	site := e.Begin("IFCSITE")
	w.guid("site", "")
	e.Null()
	e.Str("Site")
	e.Null()
	e.Null()
	e.Ref(sitePlacement)
	e.Null()
	e.Null()
	e.Enum("ELEMENT")
	if g != nil {
		w.compoundAngle(g.Lat)
		w.compoundAngle(g.Lon)
		e.Length(g.Elevation)
	} else {
		e.Null()
		e.Null()
		e.Null()
	}
	e.Null()
	e.Null()
	e.End()

	buildingPlacement := w.localPlacement(sitePlacement, world)
	var address int
	if b.Address != "" {
		address = e.Begin("IFCPOSTALADDRESS")
		e.Null()
		e.Null()
		e.Null()
		e.Null()
		e.Open()
		e.Str(b.Address)
		e.Close()
		for range 5 {
			e.Null()
		}
		e.End()
	}
	building := e.Begin("IFCBUILDING")
	w.guid("building", "")
	e.Null()
	e.OptStr(b.Name)
	e.Null()
	e.Null()
	e.Ref(buildingPlacement)
	e.Null()
	e.Null()
	e.Enum("ELEMENT")
	e.Null()
	e.Null()
	if address != 0 {
		e.Ref(address)
	} else {
		e.Null()
	}
	e.End()
	if w.props {
		w.ownProps(building, "building", "", b.Properties)
	}

	w.storeys = make([]storey, len(b.Floors))
	ids := make([]int32, len(b.Floors))
	for i, fl := range b.Floors {
		p := w.point(0, 0, fl.Elevation)
		pl := w.localPlacement(buildingPlacement, w.axis3(p, 0))
		id := e.Begin("IFCBUILDINGSTOREY")
		w.guid("storey", fl.ID)
		e.Null()
		e.Str(fl.ID)
		e.Null()
		e.Null()
		e.Ref(pl)
		e.Null()
		e.OptStr(fl.Name)
		e.Enum("ELEMENT")
		e.Length(fl.Elevation)
		e.End()
		w.storeys[i] = storey{id: id, placement: pl}
		ids[i] = int32(id)
	}
	w.relAggregates("aggregates", "project", project, []int32{int32(site)})
	w.relAggregates("aggregates", "site", site, []int32{int32(building)})
	w.relAggregates("aggregates", "building", building, ids)
}

// compoundAngle writes degrees as an IfcCompoundPlaneAngleMeasure: degrees,
// minutes, seconds and millionths of a second, all of the angle's sign.
func (w *writer) compoundAngle(deg float64) {
	sign := 1.0
	if deg < 0 {
		sign, deg = -1, -deg
	}
	micro := int64(math.Round(deg * 3600e6))
	d := micro / 3600e6
	micro -= d * 3600e6
	mi := micro / 60e6
	micro -= mi * 60e6
	s := micro / 1e6
	micro -= s * 1e6
	e := w.e
	e.Open()
	for _, v := range []int64{d, mi, s, micro} {
		e.Int(int(sign) * int(v))
	}
	e.Close()
}

// finish writes the relations gathered while streaming: containment and
// space aggregation per storey, then the materials.
func (w *writer) finish() error {
	e := w.e
	for key, h := range w.hosts {
		if !h.written {
			return fmt.Errorf("ifc: wall %q hosts openings but was not written", key)
		}
	}
	for i, s := range w.storeys {
		fl := w.m.Building.Floors[i]
		if len(s.contained) > 0 {
			e.Begin("IFCRELCONTAINEDINSPATIALSTRUCTURE")
			w.guid("contains", fl.ID)
			e.Null()
			e.Null()
			e.Null()
			e.Refs32(s.contained)
			e.Ref(s.id)
			e.End()
		}
		if len(s.spaces) > 0 {
			w.relAggregates("aggregates", "storey:"+fl.ID, s.id, s.spaces)
		}
		w.storeys[i].contained, w.storeys[i].spaces = nil, nil
	}
	names := make([]string, 0, len(w.materials))
	for n := range w.materials {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		mat := e.Begin("IFCMATERIAL")
		e.Str(n)
		e.Null()
		e.Null()
		e.End()
		e.Begin("IFCRELASSOCIATESMATERIAL")
		w.guid("material", n)
		e.Null()
		e.Null()
		e.Null()
		e.Refs32(w.materials[n])
		e.Ref(mat)
		e.End()
	}
	e.Raw("ENDSEC;\nEND-ISO-10303-21;\n")
	return e.Err()
}

// label returns the first non-empty string.
func label(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
