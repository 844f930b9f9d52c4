// Package geojson writes a model's plan as an RFC 7946 GeoJSON FeatureCollection
// in WGS84 longitude/latitude: one feature per room and one per element.
//
// Geometry (see elementShape for the details):
//   - rooms: Polygons, with their holes;
//   - walls and other line elements: the Polygon of the thickened axis;
//     extrusions: their profile with holes; boxes: their rotated rectangle;
//     meshes: the convex hull of their plan;
//   - doors and windows: a LineString on the host wall's axis, from the
//     opening's offset to offset + width (a door is a span of its wall, not an
//     area of its own in plan);
//   - equipment: a Point at the centre of its box.
//
// Exterior rings are counter-clockwise and holes clockwise, checked on the
// written coordinates; rings are closed. Coordinates are rounded to the
// "decimals" option (9 places by default, about 0.1 mm).
//
// Properties: kind ("room" or "element"), id, type, name, floor, level,
// elevation (metres above sea level of the floor: floor elevation + georef
// elevation), base and height (metres, the element's extent above its floor),
// area_m2 (rooms), material, system and status (equipment), room and host;
// then the item's own properties, flat, under their own names, so GIS tools
// (GDAL, QGIS) see them as plain fields. An own property whose name is one of
// the names above, or starts with "property:", is written as "property:<name>"
// instead, which keeps every name distinct.
//
// The projection (see Projection) takes the local origin from the model's
// georef, or from the "origin" option. The collection streams: its header, then
// one feature per line as the model hands them out; memory does not grow with
// the model.
package geojson

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"github.com/arxos/arxport/formats"
	exjson "github.com/arxos/arxport/formats/json"
	"github.com/arxos/arxport/model"
)

const (
	// ContentType is the media type of RFC 7946.
	ContentType = "application/geo+json"
	// CodeNoGeoref is the problem code when the model has no georef and no origin was given.
	CodeNoGeoref = "NO_GEOREF"
	// CodeDegenerate is the warning code for a geometry that collapsed when rounded.
	CodeDegenerate = "GEOJSON_DEGENERATE"
	// PropertyPrefix marks an own property renamed so as not to clash.
	PropertyPrefix = "property:"

	formatName  = "geojson"
	reportEvery = 4096
	// flush sizes: one file, or one per floor (there may be a thousand open).
	flushOne      = 64 << 10
	flushPerFloor = 16 << 10
)

// Format is the geojson format, registered under "geojson".
var Format = &formats.Format{
	Name:   formatName,
	Title:  "Plan as GeoJSON (RFC 7946, WGS84): rooms and footprints as Polygons, doors and windows as LineStrings, equipment as Points",
	Family: "geo",
	Options: []formats.Option{
		{Name: "origin", Kind: formats.String, Default: "",
			Doc: `WGS84 position of the model's local origin as "lat,lon" in degrees, e.g. "40.7128,-74.006". ` +
				`Needed when the model has no georef; when given, it replaces the georef's position (its rotation and elevation are kept)`},
		{Name: "per_floor", Kind: formats.Bool, Default: false,
			Doc: "write one file per floor, <name>.<floor>.geojson, instead of one <name>.geojson"},
		{Name: "bbox", Kind: formats.Bool, Default: false,
			Doc: "add a bbox member to every feature and to the collection (the collection's after its features, so the file still streams)"},
		{Name: "decimals", Kind: formats.Int, Default: 9, Min: 7, Max: 12,
			Doc: "decimal places of coordinates in degrees: 7 is about 1 cm, 9 (the default) about 0.1 mm"},
	},
	Write: write,
}

func init() { formats.Register(Format) }

// ParseOrigin reads "lat,lon" in degrees.
func ParseOrigin(s string) (lat, lon float64, err error) {
	a, b, ok := strings.Cut(s, ",")
	if !ok {
		return 0, 0, fmt.Errorf(`%q is not "lat,lon"`, s)
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	switch {
	case err1 != nil || err2 != nil:
		return 0, 0, fmt.Errorf(`%q is not "lat,lon" in degrees`, s)
	case math.IsNaN(lat) || math.Abs(lat) > 90:
		return 0, 0, fmt.Errorf("latitude %v is outside [-90, 90]", lat)
	case math.IsNaN(lon) || math.Abs(lon) > 180:
		return 0, 0, fmt.Errorf("longitude %v is outside [-180, 180]", lon)
	}
	return lat, lon, nil
}

// place returns the projection and the georef elevation for a job.
func place(j *formats.Job) (*Projection, float64, error) {
	g := j.Model.Building.Georef
	var lat, lon, rot, elev float64
	if g != nil {
		lat, lon, rot, elev = g.Lat, g.Lon, g.Rotation, g.Elevation
	}
	if o := j.Options.String("origin"); o != "" {
		var err error
		if lat, lon, err = ParseOrigin(o); err != nil {
			return nil, 0, &model.InvalidError{Problems: []model.Problem{{Path: "options.origin",
				Code: formats.CodeInvalidOption, Message: err.Error()}}}
		}
	} else if g == nil {
		return nil, 0, &model.InvalidError{Problems: []model.Problem{{Path: "georef", Code: CodeNoGeoref,
			Message: `the model has no georef, so its position on Earth is unknown: add one to the model, or pass the option origin="lat,lon"`}}}
	}
	return NewProjection(lat, lon, rot), elev, nil
}

func write(ctx context.Context, j *formats.Job) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	proj, elev, err := place(j)
	if err != nil {
		return err
	}
	decimals := j.Options.Int("decimals")
	if decimals == 0 {
		decimals = 9
	}
	wr := &writer{j: j, proj: proj, georefElevation: elev,
		scale: math.Pow10(decimals), bbox: j.Options.Bool("bbox"),
		floors: map[string]int{}}
	for i, f := range j.Model.Building.Floors {
		wr.floors[f.ID] = i
	}
	err = wr.open(j.Options.Bool("per_floor"))
	if err == nil {
		err = wr.run(ctx)
	}
	return errors.Join(err, wr.close(err == nil))
}

// writer converts one model; it owns the open files.
type writer struct {
	j               *formats.Job
	proj            *Projection
	georefElevation float64
	scale           float64 // 10^decimals: coordinates are rounded to 1/scale degree
	bbox            bool
	floors          map[string]int // floor id → index in Building.Floors
	files           []io.WriteCloser
	colls           []*collection // one, or one per floor
	perFloor        bool
	feature         []byte // scratch
}

func (wr *writer) open(perFloor bool) error {
	b := &wr.j.Model.Building
	wr.perFloor = perFloor
	if !perFloor {
		f, err := wr.j.Out.Create(wr.j.Base+".geojson", ContentType)
		if err != nil {
			return err
		}
		wr.files = append(wr.files, f)
		wr.colls = append(wr.colls, newCollection(f, b.Name, wr.bbox, flushOne))
		return nil
	}
	for i, name := range floorFileNames(b.Floors) {
		f, err := wr.j.Out.Create(wr.j.Base+"."+name+".geojson", ContentType)
		if err != nil {
			return err
		}
		wr.files = append(wr.files, f)
		wr.colls = append(wr.colls, newCollection(f, b.Name+" — "+b.Floors[i].Name, wr.bbox, flushPerFloor))
	}
	return nil
}

// close finishes (when ok) and closes every file, returning the first error.
func (wr *writer) close(ok bool) error {
	var errs []error
	for i, f := range wr.files {
		if ok {
			errs = append(errs, wr.colls[i].finish())
		}
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

// floorFileNames turns floor ids into distinct file-name parts: letters,
// digits, '-' and '_' are kept, anything else becomes '_'.
func floorFileNames(floors []model.Floor) []string {
	seen := map[string]bool{}
	out := make([]string, len(floors))
	for i, f := range floors {
		var b strings.Builder
		for _, r := range f.ID {
			if b.Len() >= 64 {
				break
			}
			if r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_') {
				b.WriteRune(r)
			} else {
				b.WriteByte('_')
			}
		}
		name := b.String()
		if name == "" {
			name = "floor"
		}
		base := name
		for n := 2; seen[name]; n++ {
			name = base + "_" + strconv.Itoa(n)
		}
		seen[name] = true
		out[i] = name
	}
	return out
}

func (wr *writer) collFor(floor string) *collection {
	if !wr.perFloor {
		return wr.colls[0]
	}
	return wr.colls[wr.floors[floor]]
}

func (wr *writer) run(ctx context.Context) error {
	m := wr.j.Model
	var done int64
	step := func() error {
		done++
		if done%reportEvery == 0 {
			wr.j.Report(formatName, done)
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		return nil
	}
	err := m.Rooms(ctx, func(r *model.Room) error {
		if err := wr.room(r); err != nil {
			return err
		}
		return step()
	})
	if err != nil {
		return err
	}
	err = m.ElementProps(ctx, func(e *model.Element, props []model.Prop) error {
		if err := wr.element(e, props); err != nil {
			return err
		}
		return step()
	})
	if err != nil {
		return err
	}
	// Every room and every element is one feature.
	wr.j.AddMetric("features", done)
	wr.j.Report(formatName, done)
	return ctx.Err()
}

func (wr *writer) floor(id string) model.Floor {
	return wr.j.Model.Building.Floors[wr.floors[id]]
}

func (wr *writer) room(r *model.Room) error {
	fl := wr.floor(r.Floor)
	g, bound := wr.geometry(roomShape(r), "room "+strconv.Quote(r.ID))
	p := wr.startFeature(g, bound)
	p = prop(p, "kind", "room", true)
	p = prop(p, "id", r.ID, false)
	p = optProp(p, "type", r.Type)
	p = optProp(p, "name", r.Name)
	p = prop(p, "floor", r.Floor, false)
	p = numProp(p, "level", float64(fl.Level))
	p = numProp(p, "elevation", fl.Elevation+wr.georefElevation)
	p = numProp(p, "height", r.Height)
	p = numProp(p, "area_m2", exjson.MeasureRoom(r).Area)
	p = wr.ownProps(p, r.Properties.AppendList(nil))
	wr.feature = p
	return wr.endFeature(r.Floor, g, bound)
}

func (wr *writer) element(e *model.Element, props []model.Prop) error {
	m := wr.j.Model
	fl := wr.floor(e.Floor)
	ms := m.Measure(e)
	g, bound := wr.geometry(elementShape(m, e, &ms), "element "+strconv.Quote(e.ID))
	p := wr.startFeature(g, bound)
	p = prop(p, "kind", "element", true)
	p = prop(p, "id", e.ID, false)
	p = prop(p, "type", e.Type, false)
	p = optProp(p, "name", e.Name)
	p = prop(p, "floor", e.Floor, false)
	p = numProp(p, "level", float64(fl.Level))
	p = numProp(p, "elevation", fl.Elevation+wr.georefElevation)
	p = numProp(p, "base", ms.Min[2])
	p = numProp(p, "height", elementHeight(e, &ms))
	p = optProp(p, "material", e.Material)
	if e.Type == "equipment" {
		p = optProp(p, "system", e.System)
		p = optProp(p, "status", e.Status)
	}
	p = optProp(p, "room", e.Room)
	p = optProp(p, "host", e.Host)
	p = wr.ownProps(p, props)
	wr.feature = p
	return wr.endFeature(e.Floor, g, bound)
}

// elementHeight is the element's vertical extent: its geometry's own height
// where it has one, else that of its bounds.
func elementHeight(e *model.Element, ms *model.Measures) float64 {
	g := &e.Geometry
	switch {
	case g.Kind == model.KindBox && g.Size != nil:
		return g.Size[2]
	case g.Kind == model.KindLine || g.Kind == model.KindExtrusion || g.Kind == model.KindOpening:
		return g.Height
	}
	return ms.Max[2] - ms.Min[2]
}

// reserved are the property names the writer sets itself.
var reserved = map[string]bool{"kind": true, "id": true, "type": true, "name": true, "floor": true,
	"level": true, "elevation": true, "base": true, "height": true, "area_m2": true, "material": true,
	"system": true, "status": true, "room": true, "host": true}

// PropertyName is the GeoJSON property name of an item's own property.
func PropertyName(k string) string {
	if reserved[k] || strings.HasPrefix(k, PropertyPrefix) {
		return PropertyPrefix + k
	}
	return k
}

func (wr *writer) ownProps(p []byte, props []model.Prop) []byte {
	for _, kv := range props {
		name := PropertyName(kv.Key)
		switch v := kv.Value.(type) {
		case string:
			p = prop(p, name, v, false)
		case bool:
			p = append(p, ',')
			p = exjson.AppendString(p, name)
			p = append(p, ':')
			p = strconv.AppendBool(p, v)
		default:
			if f, ok := exjson.Number(v); ok {
				p = numProp(p, name, f)
			} else {
				p = prop(p, name, fmt.Sprint(v), false)
			}
		}
	}
	return p
}

func prop(p []byte, k, v string, first bool) []byte {
	if !first {
		p = append(p, ',')
	}
	p = exjson.AppendString(p, k)
	p = append(p, ':')
	return exjson.AppendString(p, v)
}

func optProp(p []byte, k, v string) []byte {
	if v == "" {
		return p
	}
	return prop(p, k, v, false)
}

func numProp(p []byte, k string, v float64) []byte {
	p = append(p, ',')
	p = exjson.AppendString(p, k)
	p = append(p, ':')
	return exjson.AppendFloat(p, v)
}

// startFeature begins a feature in the scratch buffer, up to its properties' first member.
func (wr *writer) startFeature(g orb.Geometry, bound orb.Bound) []byte {
	p := append(wr.feature[:0], `{"type":"Feature",`...)
	if wr.bbox && g != nil {
		p = append(p, `"bbox":`...)
		p = appendBBox(p, bound)
		p = append(p, ',')
	}
	return append(p, `"properties":{`...)
}

func (wr *writer) endFeature(floor string, g orb.Geometry, bound orb.Bound) error {
	p := append(wr.feature, `},"geometry":`...)
	p = appendGeometry(p, g)
	p = append(p, '}')
	wr.feature = p
	return wr.collFor(floor).add(p, bound)
}

// pt projects a local point and rounds it to the output's decimals.
func (wr *writer) pt(p [2]float64) orb.Point {
	q := wr.proj.Project(p[0], p[1])
	return orb.Point{math.Round(q[0]*wr.scale) / wr.scale, math.Round(q[1]*wr.scale) / wr.scale}
}

// geometry projects a shape. Rings are closed and wound as RFC 7946 asks,
// judged on the rounded coordinates actually written. A ring that rounding
// collapses (an item a fraction of a millimetre wide) cannot be written as a
// polygon: a collapsed hole is left out, a collapsed outline becomes a Point,
// each with a warning.
func (wr *writer) geometry(s shape, what string) (orb.Geometry, orb.Bound) {
	switch s.kind {
	case shapePoint:
		p := wr.pt(s.point)
		return p, p.Bound()
	case shapeLine:
		ls := make(orb.LineString, 0, len(s.line))
		for _, q := range s.line {
			p := wr.pt(q)
			if len(ls) == 0 || ls[len(ls)-1] != p {
				ls = append(ls, p)
			}
		}
		if len(ls) == 0 {
			break
		}
		if len(ls) < 2 {
			wr.j.Warning("", CodeDegenerate, "%s: its line is shorter than the coordinates' precision; written as a Point", what)
			return ls[0], ls[0].Bound()
		}
		return ls, ls.Bound()
	case shapePolygon:
		poly := make(orb.Polygon, 0, len(s.rings))
		for i, r := range s.rings {
			ring := wr.ring(r, i == 0)
			if ring != nil {
				poly = append(poly, ring)
				continue
			}
			if i > 0 {
				wr.j.Warning("", CodeDegenerate, "%s: hole %d has no area at the coordinates' precision; left out", what, i-1)
				continue
			}
			wr.j.Warning("", CodeDegenerate, "%s: its outline has no area at the coordinates' precision; written as a Point", what)
			p := wr.pt(centre(r))
			return p, p.Bound()
		}
		return poly, poly.Bound()
	}
	return nil, orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
}

// ring projects a local ring, drops points that rounding made repeat, closes
// it and winds it counter-clockwise (outer) or clockwise (hole). It returns nil
// when the ring has no area left.
func (wr *writer) ring(r [][2]float64, outer bool) orb.Ring {
	out := make(orb.Ring, 0, len(r)+1)
	for _, q := range r {
		p := wr.pt(q)
		if len(out) == 0 || out[len(out)-1] != p {
			out = append(out, p)
		}
	}
	for len(out) > 1 && out[len(out)-1] == out[0] {
		out = out[:len(out)-1]
	}
	if len(out) < 3 {
		return nil
	}
	out = append(out, out[0])
	switch o := out.Orientation(); {
	case o == 0:
		return nil
	case (o == orb.CCW) != outer:
		out.Reverse()
	}
	return out
}

func centre(r [][2]float64) [2]float64 {
	var c [2]float64
	for _, p := range r {
		c[0] += p[0]
		c[1] += p[1]
	}
	n := float64(max(len(r), 1))
	return [2]float64{c[0] / n, c[1] / n}
}
