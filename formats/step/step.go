// Package step writes a model's solids as an ISO 10303-21 file in the AP214
// schema (AUTOMOTIVE_DESIGN), the STEP dialect OpenCASCADE and most CAD
// kernels read best.
//
// Product structure: the building is the root PRODUCT (id = building id,
// name = building name), each floor a PRODUCT under it and each element with
// geometry a PRODUCT under its floor (id = element id, name = element name or,
// when it has none, its id, description = element type), joined by
// NEXT_ASSEMBLY_USAGE_OCCURRENCE with identity transformations
// (CONTEXT_DEPENDENT_SHAPE_REPRESENTATION). Every product has its
// PRODUCT_DEFINITION_FORMATION, PRODUCT_DEFINITION, PRODUCT_DEFINITION_SHAPE
// and SHAPE_DEFINITION_REPRESENTATION.
//
// Geometry: an element's solids (model.Model.Solids: a wall cut by its
// openings may be several pieces; a door or window is the box it fills in its
// wall) are MANIFOLD_SOLID_BREPs, one per solid, together in the element's
// ADVANCED_BREP_SHAPE_REPRESENTATION: a CLOSED_SHELL of ADVANCED_FACEs on
// PLANEs bounded by EDGE_LOOPs of ORIENTED_EDGEs, whose EDGE_CURVEs (LINEs)
// and VERTEX_POINTs the faces share, so every edge is used twice, once each
// way. A mesh that is not closed, or a solid that stops being closed once its
// degenerate faces are dropped, becomes a SHELL_BASED_SURFACE_MODEL of
// OPEN_SHELLs in a MANIFOLD_SURFACE_SHAPE_REPRESENTATION, with a warning.
//
// Coordinates are metres in the building frame (floor elevations added)
// minus the offset of scene.Offset, which brings map coordinates near the
// origin; the offset is written in the building product's description and in
// FILE_DESCRIPTION. Lengths are written with the `decimals` option's places.
//
// The file streams: each element's instances are written as it comes and
// nothing is kept of it but a few numbers of its floor.
package step

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/arxos/arxport/converters/scene"
	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/formats/internal/p21"
	"github.com/arxos/arxport/geom"
	"github.com/arxos/arxport/model"
)

const (
	// ContentType is the media type of STEP files.
	ContentType = "model/step"
	// Schema is the FILE_SCHEMA the files declare.
	Schema = "AUTOMOTIVE_DESIGN { 1 0 10303 214 1 1 1 1 }"

	// CodeOpenSurface warns that an element went out as a surface, not a solid.
	CodeOpenSurface = "STEP_OPEN_SURFACE"
	// CodeDegenerate warns that faces without area were left out.
	CodeDegenerate = "STEP_DEGENERATE_FACE"
	// CodeNoGeometry warns that an element has no shape to write.
	CodeNoGeometry = "STEP_NO_GEOMETRY"

	reportEvery = 2048
)

// Format is the step format, registered under "step".
var Format = &formats.Format{
	Name:   "step",
	Title:  "STEP AP214 (ISO 10303-21): building → floor → element products, one B-rep solid per solid element",
	Family: "solids",
	Options: []formats.Option{
		{Name: "decimals", Kind: formats.Int, Default: 9, Min: 4, Max: 12,
			Doc: "decimal places of coordinates in metres: 9 (the default) is a nanometre; fewer make smaller files"},
		{Name: "openings", Kind: formats.Bool, Default: true,
			Doc: "write doors and windows as the solid box each fills in its wall; false leaves them out"},
	},
	Write: write,
}

func init() { formats.Register(Format) }

func write(ctx context.Context, j *formats.Job) error {
	return j.WriteFile(ctx, j.Base+".step", ContentType, func(f io.Writer) error {
		w := newWriter(j, f)
		if err := w.run(ctx); err != nil {
			return err
		}
		return w.e.Flush()
	})
}

// part is what the writer keeps of a product that others are placed in.
type part struct {
	pd, rep int
}

type writer struct {
	j        *formats.Job
	m        *model.Model
	e        *p21.Encoder
	sh       *shells
	offset   geom.Vec3
	openings bool

	// shared instances
	prodCtx, defCtx, geomCtx, origin int

	building part
	floors   map[string]part
	elev     map[string]float64
	nauo     int
	solids   int64
	faces    int64
}

func newWriter(j *formats.Job, f interface{ Write([]byte) (int, error) }) *writer {
	decimals := j.Options.Int("decimals")
	if decimals == 0 {
		decimals = 9
	}
	openings, ok := j.Options["openings"].(bool)
	if !ok {
		openings = true
	}
	m := j.Model
	return &writer{j: j, m: m, e: p21.New(f, decimals), sh: newShells(decimals),
		offset: scene.Offset(m.Stats.Min, m.Stats.Max), openings: openings,
		floors: map[string]part{}, elev: map[string]float64{}}
}

func (w *writer) run(ctx context.Context) error {
	w.header()
	w.contexts()
	w.structure()
	done := int64(0)
	err := w.m.Elements(ctx, func(el *model.Element) error {
		w.element(el)
		done++
		if done%reportEvery == 0 {
			w.j.Report("elements", done)
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return w.e.Err()
	})
	if err != nil {
		return err
	}
	w.j.Report("elements", done)
	w.e.Raw("ENDSEC;\nEND-ISO-10303-21;\n")
	w.j.AddMetric("solids", w.solids)
	w.j.AddMetric("faces", w.faces)
	w.j.AddMetric("entities", int64(w.e.Count()))
	return w.e.Err()
}

func (w *writer) offsetText() string {
	return fmt.Sprintf("coordinates in metres minus offset (%s, %s, %s)",
		p21.AppendReal(nil, w.offset[0]), p21.AppendReal(nil, w.offset[1]), p21.AppendReal(nil, w.offset[2]))
}

func (w *writer) header() {
	e := w.e
	e.Raw("ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((")
	e.RawBytes(p21.AppendString(nil, "arxport building model"))
	e.Raw(",")
	e.RawBytes(p21.AppendString(nil, w.offsetText()))
	e.Raw("),'2;1');\nFILE_NAME(")
	e.RawBytes(p21.AppendString(nil, w.j.Base+".step"))
	e.Raw(",")
	e.RawBytes(p21.AppendString(nil, w.j.Time.UTC().Format("2006-01-02T15:04:05")))
	e.Raw(",(''),(''),'arxport','arxport','');\nFILE_SCHEMA(('" + Schema + "'));\nENDSEC;\nDATA;\n")
}

// contexts writes the application context, units and the 3D geometric
// context every representation shares, and the origin placement.
func (w *writer) contexts() {
	e := w.e
	app := e.Begin("APPLICATION_CONTEXT")
	e.Str("core data for automotive mechanical design processes")
	e.End()
	e.Begin("APPLICATION_PROTOCOL_DEFINITION")
	e.Str("international standard")
	e.Str("automotive_design")
	e.Int(2000)
	e.Ref(app)
	e.End()
	w.prodCtx = e.Begin("PRODUCT_CONTEXT")
	e.Str("")
	e.Ref(app)
	e.Str("mechanical")
	e.End()
	w.defCtx = e.Begin("PRODUCT_DEFINITION_CONTEXT")
	e.Str("part definition")
	e.Ref(app)
	e.Str("design")
	e.End()

	metre := e.Begin("")
	e.Raw("LENGTH_UNIT()NAMED_UNIT(*)SI_UNIT($,.METRE.)")
	e.End()
	radian := e.Begin("")
	e.Raw("NAMED_UNIT(*)PLANE_ANGLE_UNIT()SI_UNIT($,.RADIAN.)")
	e.End()
	sr := e.Begin("")
	e.Raw("NAMED_UNIT(*)SI_UNIT($,.STERADIAN.)SOLID_ANGLE_UNIT()")
	e.End()
	unc := e.Begin("UNCERTAINTY_MEASURE_WITH_UNIT")
	e.Raw("LENGTH_MEASURE(")
	e.RawBytes(p21.AppendReal(nil, math.Max(1e-6, 10*w.sh.step)))
	e.Raw(")")
	e.Ref(metre)
	e.Str("distance_accuracy_value")
	e.Str("confusion accuracy")
	e.End()
	w.geomCtx = e.Begin("")
	e.Raw("GEOMETRIC_REPRESENTATION_CONTEXT(3)GLOBAL_UNCERTAINTY_ASSIGNED_CONTEXT(")
	e.Refs(unc)
	e.Raw(")GLOBAL_UNIT_ASSIGNED_CONTEXT(")
	e.Refs(metre, radian, sr)
	e.Raw(")REPRESENTATION_CONTEXT('3D','model space, metres')")
	e.End()

	o := e.Begin("CARTESIAN_POINT")
	e.Str("")
	e.Raw(",(0.,0.,0.)")
	e.End()
	z := w.direction(geom.Vec3{0, 0, 1})
	x := w.direction(geom.Vec3{1, 0, 0})
	w.origin = e.Begin("AXIS2_PLACEMENT_3D")
	e.Str("origin")
	e.Ref(o)
	e.Ref(z)
	e.Ref(x)
	e.End()
}

// product writes PRODUCT … PRODUCT_DEFINITION_SHAPE and returns the
// PRODUCT_DEFINITION and PRODUCT_DEFINITION_SHAPE numbers.
func (w *writer) product(id, name, description string) (pd, pds int) {
	e := w.e
	p := e.Begin("PRODUCT")
	e.Str(id)
	e.Str(name)
	e.Str(description)
	e.Refs(w.prodCtx)
	e.End()
	pdf := e.Begin("PRODUCT_DEFINITION_FORMATION")
	e.Str("")
	e.Str("")
	e.Ref(p)
	e.End()
	pd = e.Begin("PRODUCT_DEFINITION")
	e.Str("design")
	e.Str("")
	e.Ref(pdf)
	e.Ref(w.defCtx)
	e.End()
	pds = e.Begin("PRODUCT_DEFINITION_SHAPE")
	e.Str("")
	e.Str("")
	e.Ref(pd)
	e.End()
	return pd, pds
}

// shapeDefinition ties a product's shape to its representation.
func (w *writer) shapeDefinition(pds, rep int) {
	e := w.e
	e.Begin("SHAPE_DEFINITION_REPRESENTATION")
	e.Ref(pds)
	e.Ref(rep)
	e.End()
}

// assembly writes a product (an assembly: its representation holds only the
// origin placement) and places it in parent, if any.
func (w *writer) assembly(parent *part, id, name, description string) part {
	pd, pds := w.product(id, name, description)
	e := w.e
	rep := e.Begin("SHAPE_REPRESENTATION")
	e.Str(id)
	e.Refs(w.origin)
	e.Ref(w.geomCtx)
	e.End()
	w.shapeDefinition(pds, rep)
	p := part{pd: pd, rep: rep}
	if parent != nil {
		w.use(parent, p, id)
	}
	return p
}

// use places child in parent with the identity transformation.
func (w *writer) use(parent *part, child part, id string) {
	e := w.e
	w.nauo++
	n := e.Begin("NEXT_ASSEMBLY_USAGE_OCCURRENCE")
	e.Str(fmt.Sprint("NAUO", w.nauo))
	e.Str(id)
	e.Str("")
	e.Ref(parent.pd)
	e.Ref(child.pd)
	e.Null()
	e.End()
	pds := e.Begin("PRODUCT_DEFINITION_SHAPE")
	e.Str("")
	e.Str("")
	e.Ref(n)
	e.End()
	idt := e.Begin("ITEM_DEFINED_TRANSFORMATION")
	e.Str("")
	e.Str("")
	e.Ref(w.origin)
	e.Ref(w.origin)
	e.End()
	rr := e.Begin("")
	e.Raw("REPRESENTATION_RELATIONSHIP('',''")
	e.Ref(child.rep)
	e.Ref(parent.rep)
	e.Raw(")REPRESENTATION_RELATIONSHIP_WITH_TRANSFORMATION(")
	e.Ref(idt)
	e.Raw(")SHAPE_REPRESENTATION_RELATIONSHIP()")
	e.End()
	e.Begin("CONTEXT_DEPENDENT_SHAPE_REPRESENTATION")
	e.Ref(rr)
	e.Ref(pds)
	e.End()
}

// structure writes the building and its floors.
func (w *writer) structure() {
	b := &w.m.Building
	w.building = w.assembly(nil, b.ID, b.Name, "building; "+w.offsetText())
	for _, f := range b.Floors {
		name := f.Name
		if name == "" {
			name = f.ID
		}
		w.floors[f.ID] = w.assembly(&w.building, f.ID, name, "floor")
		w.elev[f.ID] = f.Elevation
	}
}

// element writes one element's product and shape, if it has one.
func (w *writer) element(el *model.Element) {
	g := &el.Geometry
	if g.Kind == model.KindOpening && !w.openings {
		return
	}
	s := w.sh
	s.reset()
	off := w.offset
	off[2] -= w.elev[el.Floor] // floor-local z plus the floor's elevation
	open := g.Kind == model.KindMesh && !(&geom.Mesh{Vertices: g.Vertices, Triangles: g.Triangles}).Closed()
	if open {
		s.addSurface(g.Vertices, g.Triangles, off)
	} else {
		solids := w.m.Solids(el)
		for k := range solids {
			s.addSolid(&solids[k], off)
		}
	}
	path := "elements." + el.ID
	if s.dropped > 0 {
		w.j.Warning(path, CodeDegenerate, "%d degenerate faces or holes (no area) left out of element %q", s.dropped, el.ID)
	}
	if len(s.list) == 0 {
		w.j.Warning(path, CodeNoGeometry, "element %q has no shape to write to STEP", el.ID)
		return
	}
	if open {
		w.j.Warning(path, CodeOpenSurface, "mesh %q is not closed: written as a surface model, not a solid", el.ID)
	}
	for _, sh := range s.list {
		if !sh.closed && !open {
			w.j.Warning(path, CodeOpenSurface, "element %q is not a closed solid once degenerate faces are left out: written as a surface model", el.ID)
			open = true
		}
	}

	name := el.Name
	if name == "" {
		name = el.ID
	}
	pd, pds := w.product(el.ID, name, el.Type)
	e := w.e
	start := len(s.ids)
	for k := range s.list {
		sh := &s.list[k]
		shellID := w.shell(sh, !open)
		var id int
		if open {
			id = e.Begin("SHELL_BASED_SURFACE_MODEL")
			e.Str(el.ID)
			e.Refs(shellID)
		} else {
			id = e.Begin("MANIFOLD_SOLID_BREP")
			e.Str(el.ID)
			e.Ref(shellID)
			w.solids++
		}
		e.End()
		s.ids = append(s.ids, id)
	}
	s.ids = append(s.ids, w.origin)
	entity := "ADVANCED_BREP_SHAPE_REPRESENTATION"
	if open {
		entity = "MANIFOLD_SURFACE_SHAPE_REPRESENTATION"
	}
	rep := e.Begin(entity)
	e.Str(el.ID)
	e.Refs(s.ids[start:]...)
	e.Ref(w.geomCtx)
	e.End()
	s.ids = s.ids[:start]
	w.shapeDefinition(pds, rep)
	parent, ok := w.floors[el.Floor]
	if !ok {
		parent = w.building
	}
	w.use(&parent, part{pd: pd, rep: rep}, el.ID)
}
